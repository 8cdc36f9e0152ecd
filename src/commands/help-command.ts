// /help: a short guide with examples, the flags, and what this bot has configured.
import type { CommandsConfig } from './config.js';
import { messages } from './messages.js';
import type { Reply, ReplyField } from './reply.js';
import { SCOPE_SETTING_NAMES, type ScopeSettings } from './scope-settings.js';
import { displayValue } from './server-settings-command.js';

/**
 * `singleCommand`: the platform has one slash command (Slack), so other commands are words after it.
 * `here`: the server's and channel's defaults where /help was asked; shown when any is set.
 */
export function helpCommand(config: CommandsConfig, singleCommand?: string, here: ScopeSettings = {}): Reply {
  const help = messages.help;
  const models = Object.keys(config.models).map((name) => (name === config.defaultModel ? help.defaultModel(name) : name));
  const samplers = [...new Set(Object.values(config.models).flatMap((model) => model.samplers))];
  const styles = Object.keys(config.styles);
  const fields: ReplyField[] = [
    { label: help.examplesLabel, value: help.examples.map((example) => `\`${example}\``).join('\n'), inline: false },
    { label: help.flagsLabel, value: help.flags.join('\n'), inline: false },
    { label: help.modelsLabel, value: models.join(', '), inline: true },
    { label: help.samplersLabel, value: samplers.join(', '), inline: true },
    ...(styles.length > 0 ? [{ label: help.stylesLabel, value: styles.join(', '), inline: true }] : []),
    { label: help.buttonsLabel, value: help.buttons, inline: false },
  ];
  const setHere = SCOPE_SETTING_NAMES.flatMap((name) => {
    const value = displayValue(here, name);
    return value === undefined ? [] : [`${messages.serverSettings.labels[name]}: ${value}`];
  });
  if (setHere.length > 0) fields.push({ label: help.hereLabel, value: setHere.join('\n'), inline: false });
  return {
    kind: 'help',
    title: help.title,
    text: [help.intro, singleCommand === undefined ? help.otherCommands : help.otherCommandsSingleCommand(singleCommand)].join('\n'),
    fields,
    ephemeral: true,
  };
}
