import { ApplicationCommandOptionType, InteractionContextType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { MAX_DESCRIPTION_CHARS, discordCommandDefinitions } from '../../../../src/bot/discord/command-definitions.js';
import { parseCommandsConfig } from '../../../../src/commands/config.js';
import { commandSpecs, type CommandSpec } from '../../../../src/commands/options.js';

const config = parseCommandsConfig({
  models: { sd15: { kind: 'sd1' }, turbo: { kind: 'sd-turbo' } },
  defaultModel: 'sd15',
  styles: { anime: { prompt: '{prompt}, anime' } },
});
const definitions = discordCommandDefinitions(commandSpecs(config));
const byName = (name: string) => definitions.find((definition) => definition.name === name);

type AnyOption = { name: string; type: number; required?: boolean; choices?: unknown[]; autocomplete?: boolean; description: string; options?: AnyOption[] };
const optionsOf = (name: string): AnyOption[] => (byName(name)?.options ?? []) as AnyOption[];

describe('discordCommandDefinitions', () => {
  it('defines every command, usable in servers and in DMs with the bot', () => {
    expect(definitions.map((definition) => definition.name)).toEqual(['imagine', 'queue', 'settings', 'help', 'admin', 'loras']);
    for (const definition of definitions) expect(definition.contexts).toEqual([InteractionContextType.Guild, InteractionContextType.BotDM]);
  });

  it('carries the option schema: types, ranges, fixed choices or autocomplete', () => {
    const options = optionsOf('imagine');
    const find = (name: string) => options.find((option) => option.name === name);
    expect(find('prompt')).toMatchObject({ type: ApplicationCommandOptionType.String, required: true, max_length: 4000 });
    expect(find('steps')).toMatchObject({ type: ApplicationCommandOptionType.Integer, min_value: 1, max_value: 50 });
    expect(find('cfg')).toMatchObject({ type: ApplicationCommandOptionType.Number, min_value: 0, max_value: 30 });
    expect(find('image')).toMatchObject({ type: ApplicationCommandOptionType.Attachment });
    expect(find('model')?.choices).toEqual([
      { name: 'sd15', value: 'sd15' },
      { name: 'turbo', value: 'turbo' },
    ]);
    expect(find('ar')).toMatchObject({ autocomplete: true });
    for (const option of options) expect(option.choices !== undefined && option.autocomplete === true).toBe(false);
  });

  it('puts required options first, as Discord demands', () => {
    const spec: CommandSpec = {
      name: 'help',
      description: 'd',
      options: [
        { name: 'late', description: 'd', type: 'string', required: false },
        { name: 'needed', description: 'd', type: 'string', required: true },
      ],
    };
    expect((discordCommandDefinitions([spec])[0]?.options ?? []).map((option) => option.name)).toEqual(['needed', 'late']);
  });

  it('nests subcommands and hides admin commands from non-administrators by default', () => {
    expect(optionsOf('settings').map((option) => [option.name, option.type])).toEqual([
      ['show', ApplicationCommandOptionType.Subcommand],
      ['set', ApplicationCommandOptionType.Subcommand],
      ['reset', ApplicationCommandOptionType.Subcommand],
      ['server', ApplicationCommandOptionType.Subcommand],
    ]);
    expect(byName('admin')?.default_member_permissions).toBe('0');
    expect(byName('imagine')?.default_member_permissions).toBeUndefined();
  });

  it('keeps descriptions within Discord’s 100 characters', () => {
    const long: CommandSpec = { name: 'help', description: 'x'.repeat(300), options: [{ name: 'o', description: 'y'.repeat(300), type: 'boolean', required: false }] };
    const [definition] = discordCommandDefinitions([long]);
    expect(definition?.description).toHaveLength(MAX_DESCRIPTION_CHARS);
    expect(definition?.options?.[0]?.description).toHaveLength(MAX_DESCRIPTION_CHARS);
  });
});
