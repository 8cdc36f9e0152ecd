// The Socket Mode side of the fake: a WebSocket that greets with `hello`, delivers envelopes and
// records each ack by envelope_id, with how long the app took to send it.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'events_api' | 'interactive';

export interface EnvelopeAck {
  readonly envelopeId: string;
  readonly type: EnvelopeType;
  /** What the app put in its ack (for slash commands: the ephemeral reply), if anything. */
  readonly payload: Readonly<Record<string, unknown>> | undefined;
  /** Milliseconds from sending the envelope to receiving its ack. */
  readonly ackMs: number;
}

export interface DeliverOptions {
  /** Slack's `retry_attempt`: 0 for a first delivery, 1+ for a retry of the same event. */
  readonly retryAttempt?: number;
  readonly retryReason?: string;
  /** Reject when no ack arrives within this many ms; default 10 s (Slack itself gives up after 3 s). */
  readonly ackTimeoutMs?: number;
}

interface Pending {
  readonly type: EnvelopeType;
  readonly sentAt: number;
  readonly resolve: (ack: EnvelopeAck) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULT_ACK_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Slack pings every few seconds; the SDK drops a socket that hears nothing for 30 s. */
const DEFAULT_PING_INTERVAL_MS = 5_000;
const APPROXIMATE_CONNECTION_TIME_S = 3600;
const CLOSE_GRACE_MS = 500;
/** WebSocket close code 1001: the server is going away. */
const GOING_AWAY = 1001;

export class SocketModeServer {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets: WebSocket[] = [];
  readonly #pending = new Map<string, Pending>();
  readonly #connectionWaiters = new Set<() => void>();
  readonly #acks: EnvelopeAck[] = [];
  readonly #strayAcks: unknown[] = [];
  #envelopeCounter = 0;

  constructor(
    private readonly appId: string,
    private readonly pingIntervalMs = DEFAULT_PING_INTERVAL_MS,
  ) {}

  /** Acks received, in order. */
  get acks(): readonly EnvelopeAck[] {
    return this.#acks;
  }

  /** Messages from the app that acked no envelope we sent (unknown or repeated envelope_id). */
  get strayAcks(): readonly unknown[] {
    return this.#strayAcks;
  }

  get connectionCount(): number {
    return this.#sockets.length;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  waitForConnection(timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
    if (this.#sockets.length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#connectionWaiters.delete(done);
        reject(new Error(`fake Slack: no Socket Mode connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#connectionWaiters.add(done);
    });
  }

  /** Sends one envelope over the newest connection and resolves with its ack. */
  async deliver(type: EnvelopeType, payload: object, options: DeliverOptions = {}): Promise<EnvelopeAck> {
    await this.waitForConnection();
    const socket = this.#sockets.at(-1);
    if (socket === undefined) throw new Error('fake Slack: Socket Mode connection vanished');
    this.#envelopeCounter += 1;
    const envelopeId = `env-${this.#envelopeCounter}`;
    const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    const envelope = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      ...(type === 'events_api'
        ? { retry_attempt: options.retryAttempt ?? 0, retry_reason: options.retryReason ?? '' }
        : {}),
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(envelopeId);
        reject(new Error(`fake Slack: envelope ${envelopeId} (${type}) was not acked within ${ackTimeoutMs} ms`));
      }, ackTimeoutMs);
      this.#pending.set(envelopeId, { type, sentAt: performance.now(), resolve, timer });
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Closes sockets with a close frame (as Slack does), cutting off any that linger. */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
    const sockets = [...this.#sockets];
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              socket.terminate();
              resolve();
            }, graceMs);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            socket.close(GOING_AWAY);
          }),
      ),
    );
    this.#sockets.length = 0;
    this.#wss.close();
  }

  #accept(ws: WebSocket): void {
    this.#sockets.push(ws);
    const pinger = setInterval(() => ws.ping(), this.pingIntervalMs);
    pinger.unref();
    ws.on('message', (data) => this.#onMessage(data.toString()));
    ws.on('close', () => {
      clearInterval(pinger);
      const index = this.#sockets.indexOf(ws);
      if (index >= 0) this.#sockets.splice(index, 1);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#sockets.length,
        debug_info: { host: 'fake-slack', approximate_connection_time: APPROXIMATE_CONNECTION_TIME_S },
        connection_info: { app_id: this.appId },
      }),
    );
    for (const waiter of this.#connectionWaiters) waiter();
    this.#connectionWaiters.clear();
  }

  #onMessage(text: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.#strayAcks.push(text);
      return;
    }
    const envelopeId = typeof message.envelope_id === 'string' ? message.envelope_id : '';
    const pending = this.#pending.get(envelopeId);
    if (pending === undefined) {
      this.#strayAcks.push(message);
      return;
    }
    this.#pending.delete(envelopeId);
    clearTimeout(pending.timer);
    const payload =
      typeof message.payload === 'object' && message.payload !== null && Object.keys(message.payload).length > 0
        ? (message.payload as Record<string, unknown>)
        : undefined;
    const ack: EnvelopeAck = { envelopeId, type: pending.type, payload, ackMs: performance.now() - pending.sentAt };
    this.#acks.push(ack);
    pending.resolve(ack);
  }
}
