// `npm run discord:register [-- --guild ID | --global]`: registers /imagine, /queue, /settings,
// /help and /admin from the same configuration `npm start` uses (.env, models, COMMANDS_CONFIG).
// Guild commands update at once (use them while testing); global ones take a while to reach clients.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { commandSpecs } from '../commands/options.js';
import { loadDotEnv } from '../ops/load-dot-env.js';
import { ConfigError, loadAppConfig } from './app-config.js';
import { buildCommandsConfig } from './commands-config.js';
import { registerDiscordCommands } from './discord/register.js';

const USAGE = 'usage: npm run discord:register [-- --guild <id> | --global]';

export async function registerFromEnv(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values } = parseArgs({ args: [...argv], options: { guild: { type: 'string' }, global: { type: 'boolean', default: false } } });
  if (values.global && values.guild !== undefined) throw new ConfigError([`--guild and --global exclude each other\n${USAGE}`]);
  const config = loadAppConfig(env);
  if (!config.discord) throw new ConfigError(['DISCORD_TOKEN and DISCORD_APPLICATION_ID are required to register commands']);
  if (config.models.length === 0) throw new ConfigError(['no model found: download one first (npm run model:download -- sd-turbo), so /imagine can offer it']);
  const { commandsConfig } = await buildCommandsConfig(config);
  const guildId = values.global ? undefined : (values.guild ?? config.discord.guildId);
  const result = await registerDiscordCommands({ config: config.discord, specs: commandSpecs(commandsConfig), ...(guildId !== undefined ? { guildId } : {}) });
  const where = result.scope === 'guild' ? `in guild ${guildId} (visible now)` : 'globally (clients may take up to an hour to show them)';
  return `Registered ${result.names.map((name) => `/${name}`).join(', ')} ${where}.`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  loadDotEnv();
  registerFromEnv(process.argv.slice(2), process.env).then(
    (message) => console.log(message),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = error instanceof ConfigError ? 2 : 1;
    },
  );
}
