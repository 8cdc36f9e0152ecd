// Attacks on the bot's listening sockets: connections that send headers slowly and never finish,
// a message flood on one playground WebSocket, and Slack HTTP requests from the future or replayed.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../src/bot/core/logger.js';
import type { ImageGenerator } from '../../src/bot/core/image-generator.js';
import { startMetricsServer } from '../../src/bot/observability/metrics-server.js';
import { AccessToken } from '../../src/bot/playground/access-token.js';
import { MemoryImageStore } from '../../src/bot/playground/image-store.js';
import { PlaygroundChannel } from '../../src/bot/playground/playground-channel.js';
import { PlaygroundServer } from '../../src/bot/playground/playground-server.js';
import { parseSlackConfig } from '../../src/bot/slack/slack-config.js';
import { deliverOverHttp } from '../e2e/fake-slack/http-delivery.js';
import { SIGNING_SECRET, startSlackHarness } from '../e2e/slack/slack-harness.js';
import type { SlackHarness } from '../e2e/slack/slack-harness.js';

const SLOW_CONNECTIONS = 50;
/** Short limits for the test; production defaults are seconds, far below the minute the attack held. */
const TEST_LIMITS = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
/** Generous for a loaded machine, and still far below the 60 s the connections stayed open. */
const CLOSED_WITHIN_MS = 12_000;
const FLOOD_MESSAGES = 5_000;

/** Opens connections that send half a request and then nothing; resolves with each one's lifetime. */
async function slowLoris(port: number): Promise<number[]> {
  const started = performance.now();
  const lifetimes = await Promise.all(
    Array.from(
      { length: SLOW_CONNECTIONS },
      () =>
        new Promise<number>((resolve) => {
          const socket: Socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
          const giveUp = setTimeout(() => socket.destroy(), CLOSED_WITHIN_MS * 2);
          socket.on('error', () => undefined);
          // Read whatever the server answers, so its closing the connection is seen.
          socket.resume();
          socket.on('close', () => {
            clearTimeout(giveUp);
            resolve(performance.now() - started);
          });
        }),
    ),
  );
  return lifetimes;
}

describe('slow connections are closed', () => {
  it('by the playground server', async () => {
    const server = await PlaygroundServer.start({
      host: '127.0.0.1',
      port: 0,
      token: AccessToken.generate(),
      channel: new PlaygroundChannel({ historyLimit: 10 }),
      images: new MemoryImageStore(1),
      onClientMessage: () => undefined,
      logger: silentLogger,
      limits: TEST_LIMITS,
    });
    try {
      const lifetimes = await slowLoris(server.port);
      expect(Math.max(...lifetimes)).toBeLessThan(CLOSED_WITHIN_MS);
    } finally {
      await server.close();
    }
  });

  it('by the metrics server', async () => {
    const server = await startMetricsServer({
      port: 0,
      registry: new Registry(),
      health: () => ({ state: 'ready' }),
      limits: TEST_LIMITS,
    });
    try {
      const lifetimes = await slowLoris(server.port);
      expect(Math.max(...lifetimes)).toBeLessThan(CLOSED_WITHIN_MS);
    } finally {
      await server.close();
    }
  });
});

describe('a message flood on one playground socket', () => {
  it('is cut down to a steady rate and does not stall the event loop', async () => {
    const token = AccessToken.generate();
    const channel = new PlaygroundChannel({ historyLimit: 10_000 });
    let handled = 0;
    const server = await PlaygroundServer.start({
      host: '127.0.0.1',
      port: 0,
      token,
      channel,
      images: new MemoryImageStore(1),
      onClientMessage: (message) => {
        handled++;
        if (message.type === 'command') channel.post({ author: { kind: 'user', name: message.user }, text: message.text });
      },
      logger: silentLogger,
    });
    // Another tab watching the channel: every accepted message fans out to it.
    const watcher = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${token.value}`);
    await new Promise((resolve) => watcher.once('open', resolve));
    watcher.send(JSON.stringify({ type: 'hello', user: 'watcher' }));
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${token.value}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const delay = monitorEventLoopDelay({ resolution: 10 });
    try {
      const text = `flood ${'x'.repeat(1_500)}`;
      const frames = Array.from({ length: FLOOD_MESSAGES }, () => JSON.stringify({ type: 'command', user: 'mallory', text }));
      delay.enable();
      for (const frame of frames) socket.send(frame);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      delay.disable();
      // A person types a few lines a second; a page gets a burst, then a steady trickle.
      expect(handled).toBeLessThan(200);
      expect(delay.max / 1e6).toBeLessThan(400);
    } finally {
      socket.terminate();
      watcher.terminate();
      await server.close();
    }
  });
});

describe('Slack HTTP mode', () => {
  /** Every job fails at once: these cases only count how many ran. */
  const failsAtOnce: ImageGenerator = { generate: () => Promise.reject(new Error('no worker in this test')) };
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startSlackHarness(
      {
        generator: failsAtOnce,
        model: { name: 'oracle', kind: 'sd1' },
        expectedColour: () => [0, 0, 0],
        close: async () => undefined,
      },
      { mode: 'http', httpLimits: TEST_LIMITS },
    );
  });

  afterAll(async () => {
    await h?.stop();
  });

  const jobMessages = () => h.fake.calls.all.filter((call) => call.method === 'chat.postMessage');

  it('binds to SLACK_HOST, 0.0.0.0 unless set', () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', SLACK_PORT: '3000' };
    expect(parseSlackConfig(base).connection).toMatchObject({ mode: 'http', host: '0.0.0.0' });
    expect(parseSlackConfig({ ...base, SLACK_HOST: '127.0.0.1' }).connection).toMatchObject({ host: '127.0.0.1' });
  });

  it('refuses a request stamped more than 5 minutes in the future', async () => {
    const before = jobMessages().length;
    const response = await deliverOverHttp(h.httpUrl ?? '', 'slash_commands', h.fake.slashCommandPayload({ text: 'from the future' }), {
      signingSecret: SIGNING_SECRET,
      timestampSec: Math.floor(Date.now() / 1000) + 600,
    });
    expect(response.status).toBe(401);
    await h.bot.idle();
    expect(jobMessages().length).toBe(before);
  });

  it('runs a replayed slash command (same trigger_id) once', async () => {
    const before = jobMessages().length;
    const payload = h.fake.slashCommandPayload({ text: 'twice for the price of one' });
    const first = await deliverOverHttp(h.httpUrl ?? '', 'slash_commands', payload, { signingSecret: SIGNING_SECRET });
    const replay = await deliverOverHttp(h.httpUrl ?? '', 'slash_commands', payload, { signingSecret: SIGNING_SECRET });
    expect([first.status, replay.status]).toEqual([200, 200]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await h.bot.idle();
    expect(jobMessages().length - before).toBe(1);
  });

  it('closes slow connections', async () => {
    const port = Number(new URL(h.httpUrl ?? '').port);
    const lifetimes = await slowLoris(port);
    expect(Math.max(...lifetimes)).toBeLessThan(CLOSED_WITHIN_MS);
  });
});
