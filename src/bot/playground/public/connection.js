// The page's WebSocket to the server: carries the token, reconnects after a drop, and holds
// messages typed while disconnected until the socket is open again.

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * @typedef {'connecting' | 'open' | 'closed'} ConnectionState
 * @typedef {{ onMessage: (message: any) => void, onOpen: () => void,
 *   onState: (state: ConnectionState) => void }} ConnectionHandlers
 */

export class Connection {
  /** @param {string} token @param {ConnectionHandlers} handlers */
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers;
    /** @type {WebSocket | undefined} */
    this.socket = undefined;
    /** @type {string[]} */
    this.pending = [];
    this.retryMs = FIRST_RETRY_MS;
  }

  connect() {
    const url = new URL('/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = new URLSearchParams({ token: this.token }).toString();
    this.handlers.onState('connecting');
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.retryMs = FIRST_RETRY_MS;
      this.handlers.onState('open');
      this.handlers.onOpen();
      for (const text of this.pending.splice(0)) socket.send(text);
    });
    socket.addEventListener('message', (event) => {
      this.handlers.onMessage(JSON.parse(String(event.data)));
    });
    socket.addEventListener('close', () => {
      this.handlers.onState('closed');
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    });
  }

  /** @param {object} message */
  send(message) {
    const text = JSON.stringify(message);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
    else this.pending.push(text);
  }
}
