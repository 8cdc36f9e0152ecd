import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/bot/observability/create-logger.js';
import type { LoggerOptions } from '../../../../src/bot/observability/create-logger.js';

// Shaped like the real thing so the token patterns are exercised too, but made up.
const SECRETS = {
  DISCORD_TOKEN: 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789AB',
  SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-abcdefABCDEFabcdefABCDEF',
  SLACK_APP_TOKEN: 'xapp-1-A0123456789-1234567890123-abcdef0123456789',
  SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
  HF_TOKEN: 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  REDIS_PASSWORD: 's3cr3t-redis-pass',
};
const ENV = {
  DISCORD_TOKEN: SECRETS.DISCORD_TOKEN,
  SLACK_BOT_TOKEN: SECRETS.SLACK_BOT_TOKEN,
  SLACK_APP_TOKEN: SECRETS.SLACK_APP_TOKEN,
  SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET,
  HF_TOKEN: SECRETS.HF_TOKEN,
  REDIS_URL: `redis://default:${SECRETS.REDIS_PASSWORD}@redis.internal:6379/0`,
};

function capture(options: Omit<LoggerOptions, 'destination'> = {}) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const logger = createLogger({ env: ENV, ...options, destination });
  return { logger, lines, text: () => lines.join('\n'), records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function expectNoSecrets(text: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) {
    expect(text, `${name} leaked`).not.toContain(secret);
  }
}

describe('createLogger', () => {
  it('writes one JSON object per line with a level label, time and message', () => {
    const { logger, records } = capture();
    logger.info({ queue: 3 }, 'job queued');
    const [record] = records();
    expect(record).toMatchObject({ level: 'info', msg: 'job queued', queue: 3 });
    expect(typeof record?.['time']).toBe('string');
  });

  it('honours the level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('shown');
  });

  const leaks: ReadonlyArray<readonly [string, (logger: ReturnType<typeof capture>['logger']) => void]> = [
    ['a token field', (logger) => logger.info({ token: SECRETS.DISCORD_TOKEN }, 'login')],
    ['nested config objects', (logger) => logger.info({ config: { slack: { botToken: SECRETS.SLACK_BOT_TOKEN, appToken: SECRETS.SLACK_APP_TOKEN } } })],
    ['an Authorization header', (logger) => logger.warn({ request: { headers: { authorization: `Bot ${SECRETS.DISCORD_TOKEN}` } } }, 'REST call failed')],
    ['an Authorization header deeper than the redaction paths', (logger) => logger.warn({ a: { b: { c: { d: { e: { Authorization: `Bearer ${SECRETS.HF_TOKEN}` } } } } } })],
    ['the environment', (logger) => logger.info({ env: ENV }, 'starting')],
    ['an error whose message quotes a token', (logger) => logger.error({ err: new Error(`login failed for ${SECRETS.DISCORD_TOKEN}`) }, 'discord')],
    ['an error cause and stack', (logger) => logger.error({ err: new Error('outer', { cause: new Error(`signing secret ${SECRETS.SLACK_SIGNING_SECRET} rejected`) }) })],
    ['a Redis URL with a password', (logger) => logger.error(`cannot connect to ${ENV.REDIS_URL}`)],
    ['a Redis URL of another server', (logger) => logger.error({ url: 'rediss://user:other-password-123@cache:6380' }, 'redis down')],
    ['a Hugging Face token in a message', (logger) => logger.info(`downloading with ${SECRETS.HF_TOKEN}`)],
    ['a secret in a printf-style argument', (logger) => logger.info('token is %s', SECRETS.SLACK_APP_TOKEN)],
    ['a child logger', (logger) => logger.child({ jobId: 'job-1' }).info({ slackToken: SECRETS.SLACK_BOT_TOKEN }, 'posting')],
  ];

  it.each(leaks)('keeps secrets out of %s', (_name, log) => {
    const { logger, text } = capture();
    log(logger);
    expect(text()).not.toBe('');
    expectNoSecrets(text());
    expect(text()).not.toContain('other-password-123');
    expect(text()).toContain('[Redacted]');
  });

  it('masks token-shaped text even when the environment does not name it', () => {
    const { logger, text } = capture({ env: {} });
    logger.info({ note: `leaked ${SECRETS.SLACK_BOT_TOKEN} and ${SECRETS.HF_TOKEN}` });
    expect(text()).not.toContain(SECRETS.SLACK_BOT_TOKEN);
    expect(text()).not.toContain(SECRETS.HF_TOKEN);
  });

  it('masks extra secrets passed by the caller', () => {
    const { logger, text } = capture({ secrets: ['a-secret-from-a-file'] });
    logger.info('value: a-secret-from-a-file');
    expect(text()).not.toContain('a-secret-from-a-file');
  });

  it('leaves ordinary text readable', () => {
    const { logger, records } = capture();
    logger.info({ user: 'alice', model: 'sd-turbo', url: 'https://example.org/a/b' }, 'Bot connected as imagine#1234');
    expect(records()[0]).toMatchObject({ msg: 'Bot connected as imagine#1234', user: 'alice', model: 'sd-turbo', url: 'https://example.org/a/b' });
  });
});
