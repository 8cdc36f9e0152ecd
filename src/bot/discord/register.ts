// Registers the slash commands generated from the commands layer's schema (the CLI around it is
// src/bot/register-discord-commands.ts). Guild commands update at once; global ones propagate.
import { REST, Routes } from 'discord.js';
import type { CommandSpec } from '../../commands/options.js';
import { discordCommandDefinitions } from './command-definitions.js';
import type { DiscordConfig } from './discord-config.js';

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
