// What a failed Discord call means for the job: the message is gone, the bot lacks a permission,
// the interaction token has expired, or a retry may help.
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';

export type DiscordFailureKind = 'message_gone' | 'missing_permissions' | 'token_expired' | 'retryable' | 'other';

/** Discord's JSON error codes (Developer docs, "JSON Error Codes"). */
export const DiscordErrorCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  UnknownWebhook: 10015,
  MissingAccess: 50001,
  MissingPermissions: 50013,
  InvalidWebhookToken: 50027,
} as const;

const SERVER_ERROR_MIN = 500;
const TOO_MANY_REQUESTS = 429;
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

export function classifyDiscordFailure(error: unknown): DiscordFailureKind {
  if (error instanceof DiscordAPIError) {
    switch (error.code) {
      case DiscordErrorCode.UnknownMessage:
      case DiscordErrorCode.UnknownChannel:
        return 'message_gone';
      case DiscordErrorCode.MissingPermissions:
      case DiscordErrorCode.MissingAccess:
        return 'missing_permissions';
      case DiscordErrorCode.InvalidWebhookToken:
      case DiscordErrorCode.UnknownWebhook:
        return 'token_expired';
      default:
        return error.status >= SERVER_ERROR_MIN || error.status === TOO_MANY_REQUESTS ? 'retryable' : 'other';
    }
  }
  if (error instanceof HTTPError) return error.status >= SERVER_ERROR_MIN || error.status === TOO_MANY_REQUESTS ? 'retryable' : 'other';
  if (error instanceof RateLimitError) return 'retryable';
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.name === 'AbortError' || error.name === 'TimeoutError') return 'retryable';
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return 'retryable';
  }
  return 'other';
}
