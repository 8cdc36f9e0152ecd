// Decides, before a job is queued, whether the bot can post where the command was typed. Slash
// commands arrive from channels the bot has not joined and from DMs between other people; those
// get an explanation in the ack instead of a job whose results could never be posted.
import type { webApi } from '@slack/bolt';
import type { AccessProblem } from './slack-messages.js';
import { slackErrorInfo } from './slack-error.js';

export type AccessVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: AccessProblem; readonly channelName?: string };

/** The ack must go out within 3 s; the check gets a share of that and is skipped if slower. */
export const DEFAULT_CHECK_TIMEOUT_MS = 1200;
/** Membership rarely changes; a known-good channel skips the call for a while. */
export const DEFAULT_CACHE_MS = 5 * 60 * 1000;

interface ChannelInfo {
  readonly name?: string;
  readonly is_im?: boolean;
  readonly is_mpim?: boolean;
  readonly is_private?: boolean;
  readonly is_member?: boolean;
}

const TIMED_OUT = Symbol('timed out');

export class ChannelAccess {
  readonly #okUntil = new Map<string, number>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly timeoutMs = DEFAULT_CHECK_TIMEOUT_MS,
    private readonly cacheMs = DEFAULT_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `channelName` is the slash command's, which tells DMs (`directmessage`) and group DMs (`mpdm-…`) apart. */
  async check(channelId: string, channelName?: string): Promise<AccessVerdict> {
    if ((this.#okUntil.get(channelId) ?? 0) > this.now()) return { ok: true };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.timeoutMs);
    });
    try {
      const result = await Promise.race([this.client.conversations.info({ channel: channelId }), timeout]);
      // Too slow to know: let the job run; a failed post is still reported to the user.
      if (result === TIMED_OUT) return { ok: true };
      return this.#verdictFor(channelId, (result.channel ?? {}) as ChannelInfo);
    } catch (error) {
      if (slackErrorInfo(error).code === 'channel_not_found') {
        return { ok: false, problem: hiddenConversationProblem(channelId, channelName) };
      }
      return { ok: true };
    } finally {
      clearTimeout(timer);
    }
  }

  #verdictFor(channelId: string, channel: ChannelInfo): AccessVerdict {
    // Only the bot's own DM is visible to it, and it may always post there.
    if (channel.is_im === true || channel.is_member === true) {
      this.#okUntil.set(channelId, this.now() + this.cacheMs);
      return { ok: true };
    }
    const name = channel.name === undefined ? {} : { channelName: channel.name };
    if (channel.is_mpim === true) return { ok: false, problem: 'group_message', ...name };
    return { ok: false, problem: channel.is_private === true ? 'private_channel' : 'not_member', ...name };
  }
}

function hiddenConversationProblem(channelId: string, channelName: string | undefined): AccessProblem {
  if (channelId.startsWith('D') || channelName === 'directmessage') return 'direct_message';
  if (channelName?.startsWith('mpdm-') === true) return 'group_message';
  return 'private_channel';
}
