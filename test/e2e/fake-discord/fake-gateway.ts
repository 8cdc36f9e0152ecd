// The gateway half of the fake: HELLO → IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME, and
// dispatches pushed by tests. Events sent while a session is disconnected are replayed on RESUME.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { guildCreatePayload, readyPayload } from './gateway-payloads.js';
import type { FakeWorld } from './world.js';

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** Gateway intent bits (Discord docs, "Gateway Intents"). */
export const Intent = {
  Guilds: 1 << 0,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
} as const;

/** Which intent an event needs, in a guild and in a DM; events not listed need none. */
const EVENT_INTENTS: Readonly<Record<string, { readonly guild: number; readonly dm: number }>> = {
  MESSAGE_CREATE: { guild: Intent.GuildMessages, dm: Intent.DirectMessages },
  MESSAGE_UPDATE: { guild: Intent.GuildMessages, dm: Intent.DirectMessages },
  MESSAGE_DELETE: { guild: Intent.GuildMessages, dm: Intent.DirectMessages },
  MESSAGE_REACTION_ADD: { guild: Intent.GuildMessageReactions, dm: Intent.DirectMessageReactions },
  MESSAGE_REACTION_REMOVE: { guild: Intent.GuildMessageReactions, dm: Intent.DirectMessageReactions },
  GUILD_CREATE: { guild: Intent.Guilds, dm: Intent.Guilds },
};

function receives(intents: number, type: string, inGuild: boolean): boolean {
  const needed = EVENT_INTENTS[type];
  if (needed === undefined) return true;
  return (intents & (inGuild ? needed.guild : needed.dm)) !== 0;
}

const CLOSE_AUTHENTICATION_FAILED = 4004;
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
/** Close code that tells the client to resume (anything but 1000/1001 and the fatal 40xx). */
export const CLOSE_RESUMABLE = 4000;

interface GatewayPayload {
  op: number;
  d?: unknown;
  s?: number | null;
  t?: string | null;
}

export interface IdentifyRecord {
  readonly at: number;
  readonly intents: number;
  readonly token: string;
}

interface Session {
  readonly id: string;
  readonly intents: number;
  seq: number;
  socket: WebSocket | undefined;
  readonly sent: { readonly seq: number; readonly payload: GatewayPayload }[];
}

export interface FakeGatewayOptions {
  readonly token: string;
  readonly heartbeatIntervalMs: number;
}

export class FakeGateway {
  readonly identifies: IdentifyRecord[] = [];
  heartbeatsAcked = 0;
  resumes = 0;
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly readyWaiters: (() => void)[] = [];
  private url = '';

  constructor(
    private readonly world: FakeWorld,
    private readonly options: FakeGatewayOptions,
  ) {}

  setUrl(url: string): void {
    this.url = url;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  /**
   * Sends a DISPATCH to every session whose intents cover it, as Discord does; sessions that are
   * mid-reconnect get it on RESUME.
   */
  dispatch(type: string, data: unknown): void {
    const inGuild = typeof data === 'object' && data !== null && 'guild_id' in data;
    for (const session of this.sessions.values()) {
      if (receives(session.intents, type, inGuild)) this.sendDispatch(session, type, data);
    }
  }

  /** Resolves once some client has identified and received READY (immediately if one has). */
  waitForReady(): Promise<void> {
    if ([...this.sessions.values()].some((session) => session.socket)) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Drops every connection with a resumable close code, as a network blip would. */
  dropConnections(): void {
    for (const session of this.sessions.values()) {
      session.socket?.close(CLOSE_RESUMABLE, 'fake network blip');
      session.socket = undefined;
    }
  }

  /** Asks clients to reconnect and resume (op 7), as Discord does before maintenance. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) session.socket?.send(JSON.stringify({ op: Op.Reconnect, d: null }));
  }

  get connectedSessions(): number {
    return [...this.sessions.values()].filter((session) => session.socket).length;
  }

  close(): void {
    for (const client of this.server.clients) client.terminate();
    this.server.close();
  }

  private accept(ws: WebSocket): void {
    ws.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } }));
    ws.on('message', (raw) => this.onMessage(ws, raw));
    ws.on('close', (code) => {
      for (const session of this.sessions.values()) {
        if (session.socket !== ws) continue;
        session.socket = undefined;
        // A clean close ends the session for good; anything else may come back with RESUME.
        if (code === CLOSE_NORMAL || code === CLOSE_GOING_AWAY) this.sessions.delete(session.id);
      }
    });
  }

  private onMessage(ws: WebSocket, raw: RawData): void {
    const payload = JSON.parse(raw.toString()) as GatewayPayload;
    switch (payload.op) {
      case Op.Heartbeat:
        this.heartbeatsAcked += 1;
        ws.send(JSON.stringify({ op: Op.HeartbeatAck }));
        return;
      case Op.Identify:
        this.identify(ws, payload.d as { token: string; intents: number });
        return;
      case Op.Resume:
        this.resume(ws, payload.d as { token: string; session_id: string; seq: number });
        return;
      default:
        // Presence updates, member requests and voice are outside the subset the bot uses.
        return;
    }
  }

  private identify(ws: WebSocket, data: { token: string; intents: number }): void {
    this.identifies.push({ at: Date.now(), intents: data.intents, token: data.token });
    if (data.token !== this.options.token) {
      ws.close(CLOSE_AUTHENTICATION_FAILED, 'Authentication failed.');
      return;
    }
    const session: Session = { id: randomUUID().replaceAll('-', ''), intents: data.intents, seq: 0, socket: ws, sent: [] };
    this.sessions.set(session.id, session);
    this.sendDispatch(session, 'READY', readyPayload(this.world, session.id, this.url));
    this.sendDispatch(session, 'GUILD_CREATE', guildCreatePayload(this.world));
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  private resume(ws: WebSocket, data: { token: string; session_id: string; seq: number }): void {
    const session = this.sessions.get(data.session_id);
    if (!session || data.token !== this.options.token) {
      ws.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
      return;
    }
    this.resumes += 1;
    session.socket = ws;
    for (const missed of session.sent.filter((entry) => entry.seq > data.seq)) ws.send(JSON.stringify(missed.payload));
    this.sendDispatch(session, 'RESUMED', null);
  }

  private sendDispatch(session: Session, type: string, data: unknown): void {
    session.seq += 1;
    const payload: GatewayPayload = { op: Op.Dispatch, s: session.seq, t: type, d: data };
    session.sent.push({ seq: session.seq, payload });
    session.socket?.send(JSON.stringify(payload));
  }

  /** Closes sessions cleanly, as when the bot process goes away. */
  endSessions(): void {
    for (const session of this.sessions.values()) session.socket?.close(CLOSE_NORMAL);
    this.sessions.clear();
  }
}
