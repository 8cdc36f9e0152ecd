import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { classifyDiscordFailure, type DiscordFailureKind } from '../../../../src/bot/discord/discord-failure.js';

const request = { body: undefined, files: undefined };

function apiError(code: number, status: number): DiscordAPIError {
  return new DiscordAPIError({ code, message: 'x' }, code, status, 'PATCH', 'http://127.0.0.1/api/v10/x', request);
}

describe('classifyDiscordFailure', () => {
  it.each<{ name: string; error: unknown; kind: DiscordFailureKind }>([
    { name: '10008 Unknown Message', error: apiError(10008, 404), kind: 'message_gone' },
    { name: '10003 Unknown Channel', error: apiError(10003, 404), kind: 'message_gone' },
    { name: '50013 Missing Permissions', error: apiError(50013, 403), kind: 'missing_permissions' },
    { name: '50001 Missing Access', error: apiError(50001, 403), kind: 'missing_permissions' },
    { name: '50027 Invalid Webhook Token', error: apiError(50027, 401), kind: 'token_expired' },
    { name: 'a 5xx after discord.js gave up', error: new HTTPError(502, 'Bad Gateway', 'PATCH', 'http://x', request), kind: 'retryable' },
    { name: 'a 4xx HTTP error', error: new HTTPError(400, 'Bad Request', 'PATCH', 'http://x', request), kind: 'other' },
    { name: 'a timeout', error: Object.assign(new Error('aborted'), { name: 'AbortError' }), kind: 'retryable' },
    { name: 'a reset connection', error: Object.assign(new Error('reset'), { code: 'ECONNRESET' }), kind: 'retryable' },
    { name: 'an invalid form body', error: apiError(50035, 400), kind: 'other' },
    { name: 'a plain bug', error: new TypeError('x is undefined'), kind: 'other' },
  ])('$name → $kind', ({ error, kind }) => {
    expect(classifyDiscordFailure(error)).toBe(kind);
  });
});
