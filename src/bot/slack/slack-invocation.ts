// Slack has one slash command, so its text says which command is meant: `help` (or nothing) and
// `queue` and `loras` on their own, `settings …` and `admin …` with their arguments; anything else is a
// prompt for /imagine, inline flags included.
import type { Requester } from '../../commands/generate-request.js';
import type { CommandName, Invocation } from '../../commands/invocation.js';

const WORD_COMMANDS: Readonly<Record<string, CommandName>> = {
  '': 'help',
  help: 'help',
  '--help': 'help',
  queue: 'queue',
  loras: 'loras',
};

/** Commands that take arguments after their name. */
const LEADING_COMMANDS: ReadonlySet<CommandName> = new Set(['settings', 'admin']);

export function slackInvocation(text: string, requester: Requester, command = '/imagine'): Invocation {
  const trimmed = text.trim();
  const word = WORD_COMMANDS[trimmed.toLowerCase()];
  if (word !== undefined) return { requester, command: word, options: {}, attachments: [], singleCommand: command };
  const [first = '', ...rest] = trimmed.split(/\s+/);
  const leading = first.toLowerCase() as CommandName;
  if (LEADING_COMMANDS.has(leading)) return { requester, command: leading, options: {}, text: rest.join(' '), attachments: [], singleCommand: command };
  return { requester, command: 'imagine', options: {}, text: trimmed, attachments: [], singleCommand: command };
}
