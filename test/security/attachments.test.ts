// Attacks through a Discord attachment URL: one pointing at a local address, one that redirects to
// another host, one that declares 100 bytes and sends 60 MB. The bot must fetch only from Discord's
// CDN, follow no redirect off the allowed hosts and stop reading at the size limit.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationCommandOptionType } from 'discord.js';
import type { ChatInputCommandInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { buildInvocation } from '../../src/bot/discord/build-invocation.js';

const MB = 1024 * 1024;
const LIMIT_BYTES = 25 * MB;
const SENT_BYTES = 60 * MB;

interface LocalServer {
  readonly origin: string;
  readonly requests: string[];
  /** Body bytes the server managed to hand to the socket. */
  sent: number;
  close(): Promise<void>;
}

const servers: LocalServer[] = [];

async function localServer(host: string, handle: (request: IncomingMessage, response: ServerResponse, self: LocalServer) => void): Promise<LocalServer> {
  const requests: string[] = [];
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const self: LocalServer = {
    origin: `http://${host}:${(http.address() as AddressInfo).port}`,
    requests,
    sent: 0,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  http.on('connection', () => requests.push('connection'));
  http.on('request', (request, response) => handle(request, response, self));
  servers.push(self);
  return self;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A slash command with one attachment, as discord.js hands it to the adapter. */
function interactionWith(url: string, declaredSize: number): ChatInputCommandInteraction {
  return {
    commandName: 'imagine',
    options: {
      data: [
        { name: 'prompt', type: ApplicationCommandOptionType.String, value: 'a fox' },
        { name: 'image', type: ApplicationCommandOptionType.Attachment, attachment: { name: 'fox.png', contentType: 'image/png', size: declaredSize, url } },
      ],
    },
    user: { id: '42', username: 'mallory', globalName: null },
    channelId: '7',
    guildId: '9',
    channel: null,
  } as unknown as ChatInputCommandInteraction;
}

const tinyPng = (_request: IncomingMessage, response: ServerResponse): void => {
  response.writeHead(200, { 'Content-Type': 'image/png' });
  response.end(Buffer.alloc(100, 1));
};

describe('Discord attachments', () => {
  it('are not fetched from a forged URL on a local address', async () => {
    const local = await localServer('127.0.0.1', tinyPng);
    const invocation = await buildInvocation(interactionWith(`${local.origin}/attachments/1/2/fox.png`, 100), {
      maxDownloadBytes: LIMIT_BYTES,
      downloadTimeoutMs: 5_000,
    });
    expect(local.requests).toEqual([]);
    expect(invocation.attachments[0]?.data).toBeUndefined();
  });

  it('do not follow a redirect to another host', async () => {
    const elsewhere = await localServer('localhost', tinyPng);
    const cdn = await localServer('127.0.0.1', (_request, response) => {
      response.writeHead(302, { Location: `${elsewhere.origin}/secret.png` });
      response.end();
    });
    const invocation = await buildInvocation(interactionWith(`${cdn.origin}/attachments/1/2/fox.png`, 100), {
      maxDownloadBytes: LIMIT_BYTES,
      downloadTimeoutMs: 5_000,
      // Test wiring only: the fake CDN stands in for Discord's.
      allowedOrigins: [cdn.origin],
    });
    expect(cdn.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests).toEqual([]);
    expect(invocation.attachments[0]?.data).toBeUndefined();
  });

  it('stop reading at the size limit, whatever size was declared', async () => {
    const cdn = await localServer('127.0.0.1', (_request, response, self) => {
      response.writeHead(200, { 'Content-Type': 'image/png' });
      const chunk = Buffer.alloc(MB, 7);
      const pump = (): void => {
        while (self.sent < SENT_BYTES && !response.destroyed) {
          self.sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      response.on('close', () => undefined);
      pump();
    });
    const invocation = await buildInvocation(interactionWith(`${cdn.origin}/attachments/1/2/fox.png`, 100), {
      maxDownloadBytes: LIMIT_BYTES,
      downloadTimeoutMs: 20_000,
      allowedOrigins: [cdn.origin],
    });
    expect(invocation.attachments[0]?.data).toBeUndefined();
    // The bot hung up once past the limit: the server never got to send all 60 MB.
    expect(cdn.sent).toBeLessThan(SENT_BYTES);
  });
});
