// Which browser pages may drive the playground: only its own. Browsers send cookies to every port
// of a host and let any page open a WebSocket anywhere, so the server checks where a request comes
// from (`Origin`) and which name it was sent to (`Host`, against DNS rebinding) itself.
import type { IncomingMessage } from 'node:http';

/** Names a browser on this machine uses for a loopback server. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);
const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::']);

export interface OriginPolicy {
  /** The address the server is bound to (PLAYGROUND_HOST). */
  readonly bindHost: string;
  /** The port actually bound. */
  readonly port: number;
}

/**
 * True when the request was addressed to this server by a name that reaches it and, when a page
 * sent it, that page was served by this same server. Browsers always send `Origin` on WebSocket
 * upgrades and cross-origin requests; a client without one is no browser and still needs the token.
 */
export function isOwnOrigin(request: IncomingMessage, policy: OriginPolicy): boolean {
  const host = request.headers.host;
  if (host === undefined || !acceptsHost(host, policy)) return false;
  const origin = request.headers.origin;
  return origin === undefined || origin === `http://${host}` || origin === `https://${host}`;
}

function acceptsHost(hostHeader: string, policy: OriginPolicy): boolean {
  let parsed: URL;
  try {
    parsed = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  const port = parsed.port === '' ? 80 : Number(parsed.port);
  if (port !== policy.port) return false;
  // Bound to every interface, the server is reached by whatever name the LAN gives it.
  if (WILDCARD_HOSTS.has(policy.bindHost)) return true;
  const bound = policy.bindHost.includes(':') ? `[${policy.bindHost}]` : policy.bindHost.toLowerCase();
  const name = parsed.hostname.toLowerCase();
  if (name === bound) return true;
  // A loopback server answers to every loopback name; a rebinding domain is none of them.
  return LOOPBACK_HOSTS.has(bound) && LOOPBACK_HOSTS.has(name);
}
