// `npm start` with Discord and Slack credentials: one process, one job service and one worker
// serve both platforms. The bot runs as its own process against the fake Discord and fake Slack,
// and each platform's /imagine ends with a PNG whose parameters carry the requested seed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { deliversResult } from '../discord/discord-harness.js';
import { FakeDiscord } from '../fake-discord/fake-discord.js';
import { FakeSlack } from '../fake-slack/fake-slack.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const JOB_TIMEOUT_MS = 60_000;

function seedInPng(png: Uint8Array | undefined): string | undefined {
  if (png === undefined) return undefined;
  const parameters = readPngText(png).get('parameters');
  return parameters === undefined ? undefined : parseParameterFields(parameters).get('Seed');
}

describe('npm start with Discord and Slack configured', () => {
  let dir: string;
  let discord: FakeDiscord;
  let slack: FakeSlack;
  let bot: ChildProcess;
  let output = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagine-both-'));
    await writeOracleModel(join(dir, 'models', 'oracle'));
    discord = await FakeDiscord.start();
    slack = await FakeSlack.start();
    bot = spawn(process.execPath, ['--import', 'tsx', 'src/bot/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        DATA_DIR: join(dir, 'data'),
        MODELS_DIR: join(dir, 'models'),
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.world.applicationId,
        DISCORD_API_BASE: discord.apiBase,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: slack.appToken,
        SLACK_API_URL: slack.apiUrl,
        SHUTDOWN_GRACE_SECONDS: '5',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bot.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    bot.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await slack.waitForConnection(JOB_TIMEOUT_MS);
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    while (!output.includes('imagine is running')) {
      if (Date.now() > deadline || bot.exitCode !== null) throw new Error(`the bot did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 2 * JOB_TIMEOUT_MS);

  afterAll(async () => {
    if (bot && bot.exitCode === null) {
      const exited = new Promise((resolve) => bot.once('exit', resolve));
      bot.kill('SIGTERM');
      await exited;
    }
    await discord?.close();
    await slack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts both platforms and no playground', () => {
    expect(output).toContain('Discord connected');
    expect(output).toContain('Slack connected');
    expect(output).not.toContain('Playground:');
  });

  it('serves /imagine on both, through the same queue and worker', async () => {
    const sent = discord.slashCommand({ name: 'imagine', options: { prompt: 'a red fox in snow', seed: 4242, steps: 4 } });
    await slack.sendSlashCommand({ text: 'a lighthouse at dusk --seed 777 --steps 4' });

    const discordResult = await discord.waitForRequest((r) => deliversResult(r) && r.path.includes(sent.token), { timeoutMs: JOB_TIMEOUT_MS });
    expect(seedInPng(discordResult.files[0]?.data)).toBe('4242');

    const upload = await slack.waitForCall((call) => call.method === 'upload' && seedInPng(call.file) === '777', JOB_TIMEOUT_MS, 'the Slack result upload');
    expect(upload.file).toBeDefined();
  }, 2 * JOB_TIMEOUT_MS);

  it('shuts down both on SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => bot.once('exit', (code) => resolve(code)));
    bot.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
