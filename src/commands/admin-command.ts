// /admin: limits of a user, ban/unban, pause/resume intake, cancel a job. Only for the user keys in
// config.adminUserKeys; a platform role alone gets `forbidden`.
import { isAdmin } from './admins.js';
import type { CommandsConfig } from './config.js';
import type { Platform } from './generate-request.js';
import type { Invocation, OptionValue } from './invocation.js';
import { messages } from './messages.js';
import { echo } from './option-values.js';
import { userKeyOf, type AdminControls, type LimitsView, type QueueView, type UserKey } from './ports.js';
import { errorReply } from './replies.js';
import type { Reply } from './reply.js';
import { UserFacingError, invalidOption } from './user-facing-error.js';

export const ADMIN_SUBCOMMANDS = ['limits', 'ban', 'unban', 'pause', 'resume', 'cancel'] as const;
export type AdminSubcommand = (typeof ADMIN_SUBCOMMANDS)[number];

const PLATFORMS: readonly Platform[] = ['discord', 'slack', 'playground'];
// <@123>, <@!123> (Discord), <@U123> or <@U123|name> (Slack).
const MENTION = /^<@!?([A-Za-z0-9._-]+)(?:\|[^>]*)?>$/;
const USER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const WORDS = /\S+/g;

export interface AdminDeps {
  readonly config: CommandsConfig;
  readonly admin: AdminControls;
  readonly queue: QueueView;
  readonly limits: LimitsView;
}

export async function adminCommand(invocation: Invocation, deps: AdminDeps): Promise<Reply> {
  if (!isAdmin(deps.config, invocation.requester)) {
    return errorReply(new UserFacingError('forbidden', messages.admin.forbidden));
  }
  try {
    return await run(invocation, deps);
  } catch (error) {
    if (UserFacingError.is(error)) return errorReply(error);
    throw error;
  }
}

async function run(invocation: Invocation, deps: AdminDeps): Promise<Reply> {
  const words = (invocation.text ?? '').match(WORDS) ?? [];
  const typed = invocation.subcommand ?? words.shift() ?? 'limits';
  const subcommand = ADMIN_SUBCOMMANDS.find((name) => name === typed.toLowerCase());
  if (subcommand === undefined) {
    throw invalidOption(messages.admin.unknownSubcommand(typed, ADMIN_SUBCOMMANDS), {
      option: 'subcommand',
      value: echo(typed),
      allowed: ADMIN_SUBCOMMANDS.join(', '),
    });
  }
  const argument = (name: string): OptionValue => invocation.options[name] ?? words[0];
  const platform = invocation.requester.platform;
  const reply = (text: string, title: string = messages.admin.title): Reply => ({ kind: 'admin', title, text, ephemeral: true });

  switch (subcommand) {
    case 'pause':
      await deps.admin.pauseIntake();
      return reply(messages.admin.paused);
    case 'resume':
      await deps.admin.resumeIntake();
      return reply(messages.admin.resumed);
    case 'ban':
    case 'unban': {
      const user = requireUser(subcommand, argument('user'), platform);
      await (subcommand === 'ban' ? deps.admin.ban(user) : deps.admin.unban(user));
      return reply(subcommand === 'ban' ? messages.admin.banned(user) : messages.admin.unbanned(user));
    }
    case 'cancel': {
      const jobId = argument('job');
      if (typeof jobId !== 'string' || !JOB_ID.test(jobId.trim())) {
        throw invalidOption(messages.admin.needsJob, { option: 'job', value: echo(jobId), allowed: messages.admin.jobAllowed });
      }
      const done = await deps.admin.cancel(jobId.trim());
      return reply(done ? messages.admin.cancelled(jobId.trim()) : messages.admin.notCancelled(jobId.trim()));
    }
    case 'limits': {
      const raw = argument('user');
      const user = raw === undefined || raw === '' ? userKeyOf(platform, invocation.requester.userId) : requireUser(subcommand, raw, platform);
      const [remaining, banned] = await Promise.all([deps.limits.remaining(user), deps.admin.isBanned(user)]);
      const snapshot = await deps.queue.snapshot(user);
      const text = [
        messages.queue.counts(snapshot.running, snapshot.waiting),
        messages.admin.intake(snapshot.paused),
        messages.queue.limits(remaining.images, remaining.capacity, remaining.refillMs),
      ].join('\n');
      return reply(text, messages.admin.limitsOf(user, banned));
    }
  }
}

/** A mention, a bare id on the admin's own platform, or a full `platform:id` key. */
export function parseUserKey(raw: OptionValue, platform: Platform): UserKey | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw).trim();
  const mention = MENTION.exec(text)?.[1];
  if (mention !== undefined) return userKeyOf(platform, mention);
  const colon = text.indexOf(':');
  if (colon > 0) {
    const prefix = text.slice(0, colon) as Platform;
    const id = text.slice(colon + 1);
    return PLATFORMS.includes(prefix) && USER_ID.test(id) ? userKeyOf(prefix, id) : undefined;
  }
  return USER_ID.test(text) ? userKeyOf(platform, text) : undefined;
}

function requireUser(subcommand: AdminSubcommand, raw: OptionValue, platform: Platform): UserKey {
  if (raw === undefined || raw === '') {
    throw invalidOption(messages.admin.needsUser(subcommand), { option: 'user', value: '', allowed: messages.admin.userAllowed });
  }
  const user = parseUserKey(raw, platform);
  if (user === undefined) {
    throw invalidOption(messages.admin.badUser(echo(raw)), { option: 'user', value: echo(raw), allowed: messages.admin.userAllowed });
  }
  return user;
}
