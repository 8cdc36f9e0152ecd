// `npm run discord:register` registers the slash commands built from the same configuration
// `npm start` uses: the configured models become /imagine's model choices.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFromEnv } from '../../../src/bot/register-discord-commands.js';
import { writeOracleModel } from '../../fixtures/oracle/index.js';
import { FakeDiscord } from '../fake-discord/fake-discord.js';

describe('npm run discord:register', () => {
  let fake: FakeDiscord;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
    dir = await mkdtemp(join(tmpdir(), 'imagine-register-'));
    await writeOracleModel(join(dir, 'models', 'oracle'));
    await writeOracleModel(join(dir, 'models', 'turbo'), { hiddenSize: 1024 });
    env = {
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.world.applicationId,
      DISCORD_API_BASE: fake.apiBase,
      MODELS_DIR: join(dir, 'models'),
      DATA_DIR: join(dir, 'data'),
    };
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers guild commands whose model choices are the configured models', async () => {
    const message = await registerFromEnv(['--guild', fake.world.guild.id], env);
    expect(message).toMatch(/Registered \/imagine.*in guild/);
    const imagine = fake.registeredCommands(fake.world.guild.id).find((command) => command.name === 'imagine');
    expect(imagine).toBeDefined();
    const modelOption = JSON.stringify(imagine);
    expect(modelOption).toContain('oracle');
    expect(modelOption).toContain('turbo');
    expect(fake.registeredCommands(fake.world.guild.id).map((command) => command.name)).toEqual(expect.arrayContaining(['imagine', 'queue', 'settings', 'help']));
  });

  it('says what is missing without Discord credentials', async () => {
    await expect(registerFromEnv([], { MODELS_DIR: env['MODELS_DIR'], DATA_DIR: env['DATA_DIR'] })).rejects.toThrow(/DISCORD_TOKEN and DISCORD_APPLICATION_ID are required/);
  });
});
