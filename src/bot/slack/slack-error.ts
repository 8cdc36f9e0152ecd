// What a failed Web API call means to the adapter: Slack's error code, or a rate limit's wait.
import { webApi } from '@slack/bolt';

const MS_PER_SECOND = 1000;

export interface SlackErrorInfo {
  /** Slack's `error` field, e.g. `not_in_channel`; undefined for transport failures. */
  readonly code?: string;
  /** Set when the call was refused by a rate limit (with `rejectRateLimitedCalls`). */
  readonly retryAfterMs?: number;
}

export function slackErrorInfo(error: unknown): SlackErrorInfo {
  if (typeof error !== 'object' || error === null) return {};
  const coded = error as { code?: unknown; retryAfter?: unknown; data?: { error?: unknown } };
  if (coded.code === webApi.ErrorCode.RateLimitedError && typeof coded.retryAfter === 'number') {
    return { code: 'ratelimited', retryAfterMs: coded.retryAfter * MS_PER_SECOND };
  }
  return typeof coded.data?.error === 'string' ? { code: coded.data.error } : {};
}

/** Errors that mean the bot cannot post in the conversation at all. */
export const NO_ACCESS_CODES: readonly string[] = ['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action'];
