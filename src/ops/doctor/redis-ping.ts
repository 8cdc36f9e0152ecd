// PING over RESP for a redis:// or rediss:// URL, with AUTH when the URL carries credentials.
// A dozen lines of protocol keep the doctor free of a client library's reconnect logic.
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export const DEFAULT_REDIS_HOST = '127.0.0.1';
export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_REDIS_TIMEOUT_MS = 3000;
const CRLF = '\r\n';

function command(...args: string[]): string {
  return `*${args.length}${CRLF}${args.map((arg) => `$${Buffer.byteLength(arg)}${CRLF}${arg}${CRLF}`).join('')}`;
}

/** Resolves with PONG's round trip in ms; rejects with the server's or the socket's reason. */
export async function pingRedis(url: string, timeoutMs = DEFAULT_REDIS_TIMEOUT_MS): Promise<number> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const bareHost = parsed.hostname.replace(/^\[|\]$/g, '');
  const host = bareHost === '' ? DEFAULT_REDIS_HOST : bareHost;
  const port = parsed.port === '' ? DEFAULT_REDIS_PORT : Number(parsed.port);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const started = performance.now();

  return new Promise<number>((resolve, reject) => {
    const socket: Socket = parsed.protocol === 'rediss:' ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    const expected: string[] = [];
    let buffer = '';
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(Math.round(performance.now() - started));
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.once(parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      if (password !== '') {
        socket.write(username === '' ? command('AUTH', password) : command('AUTH', username, password));
        expected.push('+OK');
      }
      socket.write(command('PING'));
      expected.push('+PONG');
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf(CRLF); end >= 0; end = buffer.indexOf(CRLF)) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + CRLF.length);
        if (line.startsWith('-')) return finish(new Error(line.slice(1)));
        if (line !== expected.shift()) return finish(new Error(`unexpected reply "${line}"`));
        if (expected.length === 0) return finish();
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`${host}:${port} closed the connection`)));
  });
}
