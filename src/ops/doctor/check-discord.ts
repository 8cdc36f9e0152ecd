// Asks Discord who the token belongs to (GET /users/@me), the cheapest call that proves a bot token.
import type { DoctorRow } from './doctor-row.js';

const DISCORD_API_VERSION = 'v10';
export const PLATFORM_TIMEOUT_MS = 10_000;
const HTTP_UNAUTHORIZED = 401;

interface DiscordUser {
  readonly id?: string;
  readonly username?: string;
  readonly bot?: boolean;
}

export async function checkDiscord(token: string | undefined, apiBase: string, fetchImpl: typeof fetch = fetch): Promise<DoctorRow> {
  if (token === undefined) return { check: 'discord', status: 'off', detail: 'DISCORD_TOKEN not set' };
  const url = `${apiBase}/${DISCORD_API_VERSION}/users/@me`;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { authorization: `Bot ${token}` }, signal: AbortSignal.timeout(PLATFORM_TIMEOUT_MS) });
  } catch (error) {
    return { check: 'discord', status: 'fail', detail: `cannot reach ${apiBase} (${(error as Error).message}): check the network or DISCORD_API_BASE` };
  }
  if (response.status === HTTP_UNAUTHORIZED) {
    return { check: 'discord', status: 'fail', detail: 'DISCORD_TOKEN was rejected (401 Unauthorized): reset it in the Developer Portal (Bot → Reset Token) and update .env' };
  }
  if (!response.ok) {
    return { check: 'discord', status: 'fail', detail: `GET /users/@me answered ${response.status} ${response.statusText}` };
  }
  const user = (await response.json()) as DiscordUser;
  if (user.bot !== true) {
    return { check: 'discord', status: 'fail', detail: `DISCORD_TOKEN belongs to ${user.username ?? 'a user'}, not a bot: use the token from the Bot page` };
  }
  return { check: 'discord', status: 'ok', detail: `token valid for bot ${user.username ?? '?'} (${user.id ?? '?'})` };
}
