// What a line typed into the playground is: one of the bot's slash commands with its text, an
// unknown command, or plain chat. The text after the command goes to the commands layer as is,
// exactly like Slack's command text, so inline flags behave the same everywhere.
import { COMMAND_NAMES } from '../../commands/invocation.js';
import type { CommandName } from '../../commands/invocation.js';

export type CommandLine =
  | { readonly kind: 'command'; readonly command: CommandName; readonly text: string }
  | { readonly kind: 'unknown'; readonly name: string }
  | { readonly kind: 'chat'; readonly text: string }
  | { readonly kind: 'empty' };

const SLASH_COMMAND = /^\/(\S+)(?:\s+([\s\S]*))?$/;

export function parseCommandLine(line: string): CommandLine {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  const match = SLASH_COMMAND.exec(trimmed);
  if (match === null) return { kind: 'chat', text: trimmed };
  const name = (match[1] ?? '').toLowerCase();
  const command = COMMAND_NAMES.find((known) => known === name);
  if (command === undefined) return { kind: 'unknown', name };
  return { kind: 'command', command, text: (match[2] ?? '').trim() };
}
