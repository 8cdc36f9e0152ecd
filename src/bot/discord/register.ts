// `npm run discord:register -- --config commands.json [--guild ID | --global]`
// Registers /imagine, /queue, /settings, /help and /admin from the commands layer's schema. Guild
// commands update at once (use them while testing); global ones take a while to reach clients.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REST, Routes } from 'discord.js';
import { parseCommandsConfig } from '../../commands/config.js';
import { commandSpecs, type CommandSpec } from '../../commands/options.js';
import { discordCommandDefinitions } from './command-definitions.js';
import { loadDiscordConfig, type DiscordConfig } from './discord-config.js';

export interface RegisterOptions {
  readonly config: Pick<DiscordConfig, 'token' | 'applicationId' | 'apiBase'>;
  readonly specs: readonly CommandSpec[];
  /** Register in this guild (instant); globally when absent. */
  readonly guildId?: string;
}

export interface RegisterResult {
  readonly scope: 'guild' | 'global';
  readonly names: readonly string[];
}

export async function registerDiscordCommands(options: RegisterOptions): Promise<RegisterResult> {
  const { config, guildId } = options;
  const rest = new REST(config.apiBase !== undefined ? { api: config.apiBase } : {}).setToken(config.token);
  const route =
    guildId !== undefined ? Routes.applicationGuildCommands(config.applicationId, guildId) : Routes.applicationCommands(config.applicationId);
  const registered = (await rest.put(route, { body: discordCommandDefinitions(options.specs) })) as { name: string }[];
  return { scope: guildId !== undefined ? 'guild' : 'global', names: registered.map((command) => command.name) };
}

const USAGE = 'usage: npm run discord:register -- --config <commands.json> [--guild <id> | --global]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, guild: { type: 'string' }, global: { type: 'boolean', default: false } },
  });
  const configPath = values.config ?? process.env['IMAGINE_COMMANDS_CONFIG'];
  if (configPath === undefined || configPath === '') throw new Error(`--config (or IMAGINE_COMMANDS_CONFIG) is required\n${USAGE}`);
  if (values.global && values.guild !== undefined) throw new Error(`--guild and --global exclude each other\n${USAGE}`);
  const discord = loadDiscordConfig();
  const commands = parseCommandsConfig(JSON.parse(await readFile(configPath, 'utf8')));
  const guildId = values.global ? undefined : (values.guild ?? discord.guildId);
  const result = await registerDiscordCommands({ config: discord, specs: commandSpecs(commands), ...(guildId !== undefined ? { guildId } : {}) });
  const where = result.scope === 'guild' ? `in guild ${guildId} (visible now)` : 'globally (clients may take up to an hour to show them)';
  console.log(`Registered ${result.names.map((name) => `/${name}`).join(', ')} ${where}.`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
