// Where a request carries the token: the `?token=` query parameter (start-up URL, WebSocket,
// image links the page builds) or, for the assets the HTML itself loads, a cookie the server
// sets when the page is opened with a valid token.
import type { IncomingMessage } from 'node:http';

export const TOKEN_QUERY_PARAM = 'token';

/** Cookies are shared by every port of a host, so the name includes the port. */
export function tokenCookieName(port: number): string {
  return `imagine_playground_${port}`;
}

/** Strict same-site, script-inaccessible, session-only. */
export function tokenCookieHeader(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** Every candidate token the request presents: the query parameter first, then the cookie. */
export function requestTokens(request: IncomingMessage, url: URL, port: number): string[] {
  const candidates: string[] = [];
  const fromQuery = url.searchParams.get(TOKEN_QUERY_PARAM);
  if (fromQuery !== null) candidates.push(fromQuery);
  const fromCookie = readCookie(request.headers.cookie, tokenCookieName(port));
  if (fromCookie !== undefined) candidates.push(fromCookie);
  return candidates;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
