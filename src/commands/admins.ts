// Who is an admin: only user keys listed in the config. A platform role (Discord "Administrator",
// a Slack workspace admin) is deliberately not enough.
import type { CommandsConfig } from './config.js';
import type { Requester } from './generate-request.js';
import { userKeyOf } from './ports.js';

export function isAdmin(config: CommandsConfig, requester: Requester): boolean {
  return config.adminUserKeys.includes(userKeyOf(requester.platform, requester.userId));
}

/** The same person on the same platform. */
export function isSameUser(a: Requester, b: Requester): boolean {
  return a.platform === b.platform && a.userId === b.userId;
}
