// Discord application commands generated from the commands layer's option schema, so the slash
// UI (ranges, choices, autocomplete, required first) always matches what the handlers accept.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandSpec, OptionChoice, OptionSpec, SubcommandSpec } from '../../commands/options.js';
import { clipText } from '../../commands/clip-text.js';

/** Discord's limits on command and choice text. */
export const MAX_DESCRIPTION_CHARS = 100;
const MAX_CHOICE_CHARS = 100;
/** Only members with Administrator see admin commands until a server admin allows others. */
const ADMINISTRATORS_ONLY = '0';

export function discordCommandDefinitions(specs: readonly CommandSpec[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return specs.map((spec) => ({
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: clipText(spec.description, MAX_DESCRIPTION_CHARS),
    // Servers where the bot is installed, and DMs with the bot.
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    ...(spec.adminOnly === true ? { default_member_permissions: ADMINISTRATORS_ONLY } : {}),
    options:
      spec.subcommands !== undefined && spec.subcommands.length > 0 ? spec.subcommands.map(subcommandOption) : basicOptions(spec.options),
  }));
}

function subcommandOption(spec: SubcommandSpec): APIApplicationCommandSubcommandOption {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: spec.name,
    description: clipText(spec.description, MAX_DESCRIPTION_CHARS),
    options: basicOptions(spec.options),
  };
}

/** Discord refuses a required option after an optional one. */
function basicOptions(options: readonly OptionSpec[]): APIApplicationCommandBasicOption[] {
  return [...options.filter((option) => option.required), ...options.filter((option) => !option.required)].map(basicOption);
}

function basicOption(spec: OptionSpec): APIApplicationCommandBasicOption {
  const common = { name: spec.name, description: clipText(spec.description, MAX_DESCRIPTION_CHARS), required: spec.required };
  const range = {
    ...(spec.minValue !== undefined ? { min_value: spec.minValue } : {}),
    ...(spec.maxValue !== undefined ? { max_value: spec.maxValue } : {}),
  };
  // Fixed choices and autocomplete exclude each other.
  const suggest = spec.autocomplete === true ? { autocomplete: true as const } : {};
  switch (spec.type) {
    case 'string':
      return {
        ...common,
        type: ApplicationCommandOptionType.String,
        ...(spec.maxLength !== undefined ? { max_length: spec.maxLength } : {}),
        ...(spec.choices !== undefined && spec.autocomplete !== true ? { choices: spec.choices.map(stringChoice) } : suggest),
      };
    case 'integer':
      return {
        ...common,
        ...range,
        type: ApplicationCommandOptionType.Integer,
        ...(spec.choices !== undefined && spec.autocomplete !== true ? { choices: spec.choices.map(numberChoice) } : suggest),
      };
    case 'number':
      return {
        ...common,
        ...range,
        type: ApplicationCommandOptionType.Number,
        ...(spec.choices !== undefined && spec.autocomplete !== true ? { choices: spec.choices.map(numberChoice) } : suggest),
      };
    case 'boolean':
      return { ...common, type: ApplicationCommandOptionType.Boolean };
    case 'attachment':
      return { ...common, type: ApplicationCommandOptionType.Attachment };
    case 'user':
      return { ...common, type: ApplicationCommandOptionType.User };
  }
}

function stringChoice(choice: OptionChoice): APIApplicationCommandOptionChoice<string> {
  return { name: clipText(choice.name, MAX_CHOICE_CHARS), value: clipText(String(choice.value), MAX_CHOICE_CHARS) };
}

function numberChoice(choice: OptionChoice): APIApplicationCommandOptionChoice<number> {
  return { name: clipText(choice.name, MAX_CHOICE_CHARS), value: Number(choice.value) };
}
