// Who is an admin: only user keys listed in the config. A platform role (Discord "Administrator",
// a Slack workspace admin) is deliberately not enough. The playground has no accounts: a tab's
// name is whatever it typed, so it proves nothing. Every tab that got in holds the start-up token
// printed for the operator (and only the operator's own page can use it), so each tab is the
// operator, who is the admin there.
import type { CommandsConfig } from './config.js';
import type { Requester } from './generate-request.js';
import { userKeyOf } from './ports.js';

export function isAdmin(config: CommandsConfig, requester: Requester): boolean {
  if (requester.platform === 'playground') return true;
  return config.adminUserKeys.includes(userKeyOf(requester.platform, requester.userId));
}

/** The same person on the same platform. */
export function isSameUser(a: Requester, b: Requester): boolean {
  return a.platform === b.platform && a.userId === b.userId;
}
