// Proves the Slack tokens: auth.test for the bot token, apps.connections.open for the app-level
// token Socket Mode needs (it only hands out a WebSocket URL; nothing connects to it).
import type { DoctorRow } from './doctor-row.js';
import { PLATFORM_TIMEOUT_MS } from './check-discord.js';

interface SlackAnswer {
  readonly ok?: boolean;
  readonly error?: string;
  readonly team?: string;
  readonly user?: string;
}

const FIXES: Readonly<Record<string, string>> = {
  invalid_auth: 'the token is wrong or was revoked: copy it again from the app settings',
  not_authed: 'no token reached Slack',
  account_inactive: 'the app was uninstalled or the workspace is gone: reinstall the app',
  token_revoked: 'the token was revoked: reinstall the app and copy the new token',
  missing_scope: 'the app-level token needs the connections:write scope',
  not_allowed_token_type: 'this is the wrong kind of token for this variable',
};

async function call(apiUrl: string, method: string, token: string, fetchImpl: typeof fetch): Promise<SlackAnswer> {
  const response = await fetchImpl(`${apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    signal: AbortSignal.timeout(PLATFORM_TIMEOUT_MS),
  });
  if (!response.ok) return { ok: false, error: `HTTP ${response.status}` };
  return (await response.json()) as SlackAnswer;
}

async function checkToken(check: string, variable: string, method: string, token: string, apiUrl: string, fetchImpl: typeof fetch): Promise<DoctorRow> {
  let answer: SlackAnswer;
  try {
    answer = await call(apiUrl, method, token, fetchImpl);
  } catch (error) {
    return { check, status: 'fail', detail: `cannot reach ${apiUrl} (${(error as Error).message}): check the network or SLACK_API_URL` };
  }
  if (answer.ok === true) {
    const who = answer.user !== undefined ? ` for ${answer.user}${answer.team !== undefined ? ` in ${answer.team}` : ''}` : '';
    return { check, status: 'ok', detail: `${variable} valid (${method}${who})` };
  }
  const code = answer.error ?? 'unknown_error';
  return { check, status: 'fail', detail: `${variable} was rejected by ${method} (${code})${FIXES[code] ? `: ${FIXES[code]}` : ''}` };
}

export async function checkSlack(botToken: string | undefined, appToken: string | undefined, apiUrl: string, fetchImpl: typeof fetch = fetch): Promise<DoctorRow[]> {
  if (botToken === undefined) {
    return [{ check: 'slack', status: appToken === undefined ? 'off' : 'fail', detail: appToken === undefined ? 'SLACK_BOT_TOKEN not set' : 'SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not' }];
  }
  const rows = [await checkToken('slack', 'SLACK_BOT_TOKEN', 'auth.test', botToken, apiUrl, fetchImpl)];
  if (appToken !== undefined) rows.push(await checkToken('slack socket mode', 'SLACK_APP_TOKEN', 'apps.connections.open', appToken, apiUrl, fetchImpl));
  return rows;
}
