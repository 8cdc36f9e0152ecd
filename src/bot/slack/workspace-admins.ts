// Slack has no "Manage Server" in its payloads: workspace admins and owners, as users.info reports
// them, count as the ones who may change a workspace's defaults. Answers are kept for a minute, so
// a run of /settings server calls asks Slack once; a failed or slow lookup is not kept and counts
// for nothing (the caller then lets only ADMINS through).
import type { webApi } from '@slack/bolt';
import type { Requester } from '../../commands/generate-request.js';
import type { ServerManagers, ServerRole } from '../../commands/ports.js';
import type { SlackLogger } from './slack-logger.js';

/** Long enough for a few settings in a row, short enough that a demoted admin loses the right soon. */
export const DEFAULT_ROLE_CACHE_MS = 60_000;
/** The slash command's ack must go out within 3 s; the lookup gets a share of that. */
export const DEFAULT_ROLE_TIMEOUT_MS = 1500;

interface SlackUser {
  readonly team_id?: string;
  readonly deleted?: boolean;
  readonly is_admin?: boolean;
  readonly is_owner?: boolean;
}

const TIMED_OUT = Symbol('timed out');

export class SlackWorkspaceAdmins implements ServerManagers {
  readonly #known = new Map<string, { readonly role: ServerRole; readonly until: number }>();

  /** `client`: one that never retries, so a refused or failing call answers at once. */
  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: SlackLogger,
    private readonly options: { readonly cacheMs?: number; readonly timeoutMs?: number; readonly now?: () => number } = {},
  ) {}

  async roleOf(requester: Requester): Promise<ServerRole> {
    const now = this.options.now ?? Date.now;
    const key = `${requester.guildId ?? ''}:${requester.userId}`;
    const known = this.#known.get(key);
    if (known !== undefined && known.until > now()) return known.role;
    const user = await this.#lookUp(requester.userId);
    if (user === undefined) return 'unknown';
    const role = roleIn(user, requester.guildId);
    this.#known.set(key, { role, until: now() + (this.options.cacheMs ?? DEFAULT_ROLE_CACHE_MS) });
    return role;
  }

  async #lookUp(userId: string): Promise<SlackUser | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.options.timeoutMs ?? DEFAULT_ROLE_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([this.client.users.info({ user: userId }), timeout]);
      if (result === TIMED_OUT) {
        this.logger.warn({ user: userId }, 'slack: users.info too slow; workspace role unknown');
        return undefined;
      }
      return result.user as SlackUser | undefined;
    } catch (error) {
      this.logger.warn({ err: error, user: userId }, 'slack: users.info failed; workspace role unknown');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** An admin of another workspace (a Slack Connect channel) is no admin of this one. */
function roleIn(user: SlackUser, teamId: string | undefined): ServerRole {
  if (user.deleted === true) return 'member';
  if (teamId !== undefined && user.team_id !== undefined && user.team_id !== teamId) return 'member';
  return user.is_admin === true || user.is_owner === true ? 'manager' : 'member';
}
