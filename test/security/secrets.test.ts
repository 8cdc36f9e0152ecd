// Secrets an attacker could pick up from logs or error text: a Discord interaction token inside a
// logged webhook URL, the playground's token, and a password in a misconfigured REDIS_URL.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadAppConfig } from '../../src/bot/app-config.js';
import { createLogger } from '../../src/bot/observability/create-logger.js';
import type { ImageGenerator } from '../../src/bot/core/image-generator.js';
import { createWorldState, startPlaygroundWorld } from '../e2e/playground/playground-world.js';
import type { PlaygroundWorld, WorldState } from '../e2e/playground/playground-world.js';

/** A real-looking interaction token: base64url, a few hundred characters, no dots. */
const INTERACTION_TOKEN = `aW50ZXJhY3Rpb246MTI4NDU2Nzg5MDEyMzQ1Njc4OjBmU3R1ZmZfQW5kLU1vcmU${'Xy1aQ0'.repeat(30)}`;
const WEBHOOK_URL = `https://discord.com/api/v10/webhooks/1100000000000000000/${INTERACTION_TOKEN}/messages/@original`;
const CALLBACK_URL = `https://discord.com/api/v10/interactions/1200000000000000000/${INTERACTION_TOKEN}/callback`;

function capturingLogger(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ destination, env: {} }), text: () => lines.join('') };
}

describe('JSON logs', () => {
  it('never carry a Discord interaction token from a webhook or callback URL', () => {
    const { logger, text } = capturingLogger();
    const apiError = Object.assign(new Error(`Unknown Webhook (PATCH ${WEBHOOK_URL})`), { url: WEBHOOK_URL, method: 'PATCH' });
    logger.error({ err: apiError }, 'discord: could not edit the reply');
    logger.warn({ url: CALLBACK_URL }, `rate limited on ${CALLBACK_URL}`);
    expect(text()).toContain('/webhooks/1100000000000000000/');
    expect(text()).not.toContain(INTERACTION_TOKEN.slice(0, 40));
  });

  it('never carry a token in a URL query', () => {
    const { logger, text } = capturingLogger();
    logger.info({ url: 'http://127.0.0.1:8787/?token=Qm9yaW5nQnV0U2VjcmV0VG9rZW4xMjM0' }, 'open http://127.0.0.1:8787/?token=Qm9yaW5nQnV0U2VjcmV0VG9rZW4xMjM0');
    expect(text()).not.toContain('Qm9yaW5nQnV0U2VjcmV0VG9rZW4xMjM0');
  });
});

describe('the playground URL', () => {
  let state: WorldState;
  let world: PlaygroundWorld;
  const idle: ImageGenerator = { generate: () => Promise.reject(new Error('not in this test')) };

  afterAll(async () => {
    await world?.close();
    await state?.dispose();
  });

  it('is printed once for the operator and never reaches the JSON logs', async () => {
    const { logger, text } = capturingLogger();
    const announced: string[] = [];
    state = await createWorldState();
    world = await startPlaygroundWorld({
      generator: idle,
      model: { name: 'oracle', kind: 'sd1' },
      state,
      logger,
      announce: (line) => announced.push(line),
    });
    const token = new URL(world.playground.url).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(announced.filter((line) => line.includes(world.playground.url))).toHaveLength(1);
    expect(text()).toContain('Playground ready');
    expect(text()).not.toContain(token);
  });
});

describe('configuration errors', () => {
  it.each([
    ['REDIS_URL', 'https://admin:hunter2-password@redis.example.com:6379', 'hunter2-password'],
    ['REDIS_URL', 'redis//admin:hunter2-password@redis.example.com', 'hunter2-password'],
    ['SLACK_BOT_TOKEN', 'xoxq-1234567890-not-a-bot-token', 'xoxq-1234567890'],
    ['DISCORD_TOKEN', 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.not-valid-at-all-but-secret', 'not-valid-at-all'],
  ])('never echo the value of %s', (name, value, secret) => {
    let message = '';
    try {
      loadAppConfig({ [name]: value, MODELS_DIR: '/nonexistent', ...(name === 'DISCORD_TOKEN' ? {} : {}) });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    if (name !== 'DISCORD_TOKEN') expect(message).toContain(name);
    expect(message).not.toContain(secret);
  });
});
