// A browser tab as the server sees it: a WebSocket that records what arrives and can wait for it.
import { WebSocket } from 'ws';
import type { ServerMessage } from '../../../../src/bot/playground/wire-protocol.js';

const WAIT_MS = 5_000;

export class TestTab {
  readonly received: ServerMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(url: string): Promise<TestTab> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new TestTab(socket);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (received so far or later) that matches. */
  async waitFor<T extends ServerMessage>(match: (message: ServerMessage) => message is T): Promise<T>;
  async waitFor(match: (message: ServerMessage) => boolean): Promise<ServerMessage>;
  async waitFor(match: (message: ServerMessage) => boolean): Promise<ServerMessage> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.received.find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}
