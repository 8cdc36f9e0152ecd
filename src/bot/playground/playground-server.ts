// The playground's transport: an HTTP server for the page, its assets and the PNGs, and a
// WebSocket that carries typed commands in and channel changes out. The page, the PNGs and the
// socket need the token in their URL (never a cookie: a browser would send that for any page on
// this host), and nothing is answered for a page served from another origin.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { httpServerOptions } from '../core/http-server-limits.js';
import type { HttpServerLimits } from '../core/http-server-limits.js';
import type { Logger } from '../core/logger.js';
import type { AccessToken } from './access-token.js';
import { IMAGE_ID_PATTERN, IMAGE_ROUTE_PREFIX, safeFilename } from './image-store.js';
import type { PlaygroundImageStore } from './image-store.js';
import { isVisibleTo } from './playground-channel.js';
import type { ChannelEvent, PlaygroundChannel } from './playground-channel.js';
import { isOwnOrigin } from './origin-check.js';
import type { OriginPolicy } from './origin-check.js';
import { TOKEN_QUERY_PARAM } from './request-token.js';
import { MessageRate } from './message-rate.js';
import type { MessageRateLimit } from './message-rate.js';
import { loadStaticAssets } from './static-assets.js';
import type { StaticAsset } from './static-assets.js';
import { clientMessageSchema, MAX_DATA_URL_LENGTH } from './wire-protocol.js';
import type { ClientMessage, ServerMessage } from './wire-protocol.js';

export const WEBSOCKET_PATH = '/ws';
const ASSET_ROUTE_PREFIX = '/assets/';
/** Room for a command with an image and a mask, or a painted mask, as data URLs; anything bigger is not from our page. */
const MAX_WEBSOCKET_PAYLOAD_BYTES = 2 * MAX_DATA_URL_LENGTH + 64 * 1024;
/** WebSocket close code for a client that broke the rules (RFC 6455). */
const CLOSE_POLICY_VIOLATION = 1008;
const SLOW_DOWN_TEXT = 'Slow down: this tab is sending messages faster than anyone types. Some were dropped.';
const FORBIDDEN_TEXT = 'Forbidden: open the playground with the URL printed at start-up (it ends in ?token=…).\n';

// The page only talks to its own origin; inline scripts and framing are never needed.
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // The token is in the URL; never send it along to anything the page links to.
  'Referrer-Policy': 'no-referrer',
  // No other site may embed the PNGs (or anything else) in its own page.
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** What the server knows about the tab that sent a message. */
export interface ClientContext {
  /** The name the tab announced last; messages carry their own `user` too. */
  readonly viewer: string | undefined;
  /** Tells only this tab that its message was not accepted. */
  reject(reason: string): void;
}

/** Everything but `hello`, which the server answers itself with the history. */
export type TabMessage = Exclude<ClientMessage, { readonly type: 'hello' }>;

export type ClientMessageHandler = (message: TabMessage, client: ClientContext) => void | Promise<void>;

export interface PlaygroundServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token: AccessToken;
  readonly channel: PlaygroundChannel;
  readonly images: PlaygroundImageStore;
  readonly onClientMessage: ClientMessageHandler;
  readonly logger: Logger;
  readonly assetsDir?: URL;
  /** Header and request timeouts; the defaults are right outside tests. */
  readonly limits?: HttpServerLimits;
  /** Messages per tab; the default suits a person typing. */
  readonly messageRate?: MessageRateLimit;
}

interface Tab {
  viewer: string | undefined;
  readonly rate: MessageRate;
}

export class PlaygroundServer {
  private readonly tabs = new Map<WebSocket, Tab>();
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly options: PlaygroundServerOptions,
    private readonly http: Server,
    private readonly sockets: WebSocketServer,
    private readonly assets: ReadonlyMap<string, StaticAsset>,
    /** The port actually bound (differs from options.port when that was 0). */
    readonly port: number,
  ) {
    this.unsubscribe = options.channel.subscribe((event) => this.fanOut(event));
  }

  static async start(options: PlaygroundServerOptions): Promise<PlaygroundServer> {
    const assets = await loadStaticAssets(options.assetsDir);
    const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_PAYLOAD_BYTES });
    const http = createServer(httpServerOptions(options.limits));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port, options.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const port = (http.address() as AddressInfo).port;
    const server = new PlaygroundServer(options, http, sockets, assets, port);
    http.on('request', (request, response) => server.handleRequest(request, response));
    http.on('upgrade', (request, socket, head) => server.handleUpgrade(request, socket, head));
    return server;
  }

  /** Where a browser reaches the server, without the token. */
  get origin(): string {
    return `http://${displayHost(this.options.host)}:${this.port}`;
  }

  /** The start-up URL: the page, with the token that unlocks it. */
  get url(): string {
    return `${this.origin}/?${TOKEN_QUERY_PARAM}=${encodeURIComponent(this.options.token.value)}`;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const socket of this.tabs.keys()) socket.terminate();
    this.tabs.clear();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.http.close((error) => (error ? reject(error) : resolve())));
  }

  private get originPolicy(): OriginPolicy {
    return { bindHost: this.options.host, port: this.port };
  }

  private authorized(request: IncomingMessage, url: URL): boolean {
    const token = url.searchParams.get(TOKEN_QUERY_PARAM) ?? undefined;
    return isOwnOrigin(request, this.originPolicy) && this.options.token.matches(token);
  }

  private handleRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.origin);
    // The page's script and style hold no secret; loading them needs no token.
    const publicAsset = url.pathname.startsWith(ASSET_ROUTE_PREFIX) && isOwnOrigin(request, this.originPolicy);
    if (!publicAsset && !this.authorized(request, url)) {
      sendText(response, 403, FORBIDDEN_TEXT);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      sendText(response, 405, 'Method not allowed\n');
      return;
    }
    if (url.pathname === '/') {
      this.sendPage(response);
    } else if (url.pathname.startsWith(ASSET_ROUTE_PREFIX)) {
      this.sendAsset(response, url.pathname.slice(ASSET_ROUTE_PREFIX.length));
    } else if (url.pathname.startsWith(IMAGE_ROUTE_PREFIX)) {
      this.sendImage(response, url);
    } else {
      sendText(response, 404, 'Not found\n');
    }
  }

  private sendPage(response: ServerResponse): void {
    this.sendAsset(response, 'index.html');
  }

  private sendAsset(response: ServerResponse, name: string): void {
    const asset = this.assets.get(name);
    if (asset === undefined) {
      sendText(response, 404, 'Not found\n');
      return;
    }
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.contentType, 'Content-Length': asset.body.length });
    response.end(asset.body);
  }

  /** `/images/<id>/<filename>`: the stored bytes untouched; `?download=1` asks the browser to save them. */
  private sendImage(response: ServerResponse, url: URL): void {
    const [rawId, rawName] = url.pathname.slice(IMAGE_ROUTE_PREFIX.length).split('/');
    const id = decodeSegment(rawId);
    const known = id !== undefined && IMAGE_ID_PATTERN.test(id);
    const found = known ? this.options.images.get(id) : Promise.resolve(undefined);
    found
      .then((png) => {
        if (png === undefined) {
          sendText(response, 404, 'This image is no longer kept by the playground.\n');
          return;
        }
        const filename = safeFilename(decodeSegment(rawName) ?? 'image.png');
        const disposition = url.searchParams.get('download') === '1' ? 'attachment' : 'inline';
        response.writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': 'image/png',
          'Content-Length': png.byteLength,
          'Content-Disposition': `${disposition}; filename="${filename}"`,
        });
        response.end(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
      })
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, id }, 'playground could not read an image');
        if (!response.headersSent) sendText(response, 500, 'Could not read this image.\n');
      });
  }

  private handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', this.origin);
    if (url.pathname !== WEBSOCKET_PATH || !this.authorized(request, url)) {
      const status = url.pathname === WEBSOCKET_PATH ? '403 Forbidden' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => this.attach(webSocket));
  }

  private attach(socket: WebSocket): void {
    const tab: Tab = { viewer: undefined, rate: new MessageRate(this.options.messageRate) };
    this.tabs.set(socket, tab);
    socket.on('close', () => this.tabs.delete(socket));
    socket.on('error', (error) => this.options.logger.warn({ err: error }, 'playground socket error'));
    socket.on('message', (data) => this.receive(socket, tab, data));
  }

  private receive(socket: WebSocket, tab: Tab, data: RawData): void {
    switch (tab.rate.take()) {
      case 'accept':
        break;
      case 'first-drop':
        send(socket, { type: 'rejected', reason: SLOW_DOWN_TEXT });
        return;
      case 'drop':
        return;
      case 'disconnect':
        socket.close(CLOSE_POLICY_VIOLATION, 'too many messages');
        return;
    }
    const context: ClientContext = {
      viewer: tab.viewer,
      reject: (reason) => send(socket, { type: 'rejected', reason }),
    };
    const parsed = clientMessageSchema.safeParse(parseJson(rawText(data)));
    if (!parsed.success) {
      const where = (path: readonly PropertyKey[]) => (path.length === 0 ? 'message' : path.map(String).join('.'));
      context.reject(parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`).join('; '));
      return;
    }
    const message = parsed.data;
    if (message.type === 'hello') {
      tab.viewer = message.user;
      send(socket, { type: 'welcome', user: message.user, messages: this.options.channel.historyFor(message.user) });
      return;
    }
    // A failing handler must never take the server down; the handler reports to users itself.
    Promise.resolve()
      .then(() => this.options.onClientMessage(message, context))
      .catch((error: unknown) => this.options.logger.error({ err: error, type: message.type }, 'playground handler failed'));
  }

  private fanOut(event: ChannelEvent): void {
    const wire: ServerMessage =
      event.kind === 'upsert' ? { type: 'upsert', message: event.message } : { type: 'remove', messageId: event.messageId };
    const audience = event.kind === 'upsert' ? event.message : event;
    const payload = JSON.stringify(wire);
    for (const [socket, tab] of this.tabs) {
      if (tab.viewer === undefined || !isVisibleTo(audience, tab.viewer)) continue;
      if (socket.readyState === WebSocket.OPEN) socket.send(payload);
    }
  }
}

function send(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}

/** A path segment, decoded; undefined when absent or malformed. */
function decodeSegment(segment: string | undefined): string | undefined {
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A wildcard bind is reached through loopback; IPv6 literals need brackets in a URL. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
