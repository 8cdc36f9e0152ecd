// Stand-ins for the Discord and Slack Web APIs (just the calls the doctor makes) and for Redis,
// on 127.0.0.1, each accepting one known-good credential.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';

export const GOOD_DISCORD_TOKEN = 'MTAxMjM0NTY3ODkwMTIzNDU2Nw.GaBcDe.fake-discord-token-for-tests-0123456';
export const GOOD_SLACK_BOT_TOKEN = 'xoxb-1-2-fakebottoken';
export const GOOD_SLACK_APP_TOKEN = 'xapp-1-A1-2-fakeapptoken';
export const REDIS_PASSWORD = 'redis-test-password';

export interface FakePlatforms {
  /** DISCORD_API_BASE */
  readonly discordApiBase: string;
  /** SLACK_API_URL */
  readonly slackApiUrl: string;
  close(): Promise<void>;
}

export async function startFakePlatforms(): Promise<FakePlatforms> {
  const server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const auth = request.headers.authorization ?? '';
    switch (`${request.method ?? ''} ${request.url ?? ''}`) {
      case 'GET /api/v10/users/@me':
        return auth === `Bot ${GOOD_DISCORD_TOKEN}`
          ? reply(200, { id: '1012345678901234567', username: 'imagine', bot: true })
          : reply(401, { message: '401: Unauthorized', code: 0 });
      case 'POST /slack/api/auth.test':
        return reply(200, auth === `Bearer ${GOOD_SLACK_BOT_TOKEN}` ? { ok: true, team: 'Acme', user: 'imagine' } : { ok: false, error: 'invalid_auth' });
      case 'POST /slack/api/apps.connections.open':
        return reply(200, auth === `Bearer ${GOOD_SLACK_APP_TOKEN}` ? { ok: true, url: 'wss://127.0.0.1/link' } : { ok: false, error: 'invalid_auth' });
      default:
        return reply(404, { error: 'no route' });
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    discordApiBase: `${base}/api`,
    slackApiUrl: `${base}/slack/api/`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export interface FakeRedis {
  readonly port: number;
  close(): Promise<void>;
}

/** Speaks enough RESP for AUTH and PING; everything else is an error. */
export async function startFakeRedis(password = REDIS_PASSWORD): Promise<FakeRedis> {
  const server = createTcpServer((socket) => {
    let authed = false;
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      // Each command arrives as *N\r\n($len\r\narg\r\n)×N.
      for (;;) {
        const lines = buffer.split('\r\n');
        const count = Number(lines[0]?.slice(1));
        if (!Number.isInteger(count) || lines.length < 1 + count * 2 + 1) return;
        const args = Array.from({ length: count }, (_, index) => lines[2 + index * 2] ?? '');
        buffer = lines.slice(1 + count * 2).join('\r\n');
        const [name = '', ...rest] = args;
        if (name.toUpperCase() === 'AUTH') {
          authed = rest.at(-1) === password;
          socket.write(authed ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
        } else if (name.toUpperCase() === 'PING') {
          socket.write(authed ? '+PONG\r\n' : '-NOAUTH Authentication required.\r\n');
        } else {
          socket.write(`-ERR unknown command '${name}'\r\n`);
        }
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
