// The one entry point adapters call for a slash command (or Slack command text). It never throws
// for bad input: every refusal comes back as a reply. Errors of the ports themselves propagate, so
// the adapter can log them and answer with generation_failed.
import { adminCommand } from './admin-command.js';
import type { CommandDeps } from './command-deps.js';
import type { CommandOutcome } from './command-outcome.js';
import { helpCommand } from './help-command.js';
import { buildImagineRequest } from './imagine.js';
import type { Invocation } from './invocation.js';
import { userKeyOf } from './ports.js';
import { lorasCommand } from './loras-command.js';
import { queueCommand } from './queue-command.js';
import { ackReply, errorReply } from './replies.js';
import type { Reply } from './reply.js';
import { effectiveScopeSettings } from './scope-settings.js';
import { settingsCommand } from './settings-command.js';
import { UserFacingError } from './user-facing-error.js';

export async function handleInvocation(invocation: Invocation, deps: CommandDeps): Promise<CommandOutcome> {
  const reply = (value: Reply): CommandOutcome => ({ kind: 'reply', reply: value });
  const { requester } = invocation;
  switch (invocation.command) {
    case 'imagine': {
      const user = userKeyOf(requester.platform, requester.userId);
      const [settings, bounds, loras] = await Promise.all([
        deps.settings.get(user),
        effectiveScopeSettings(deps.scopes, requester),
        deps.loras?.list() ?? Promise.resolve([]),
      ]);
      const request = buildImagineRequest(invocation, { config: deps.config, settings, bounds, random: deps.random ?? Math.random, loras });
      if (UserFacingError.is(request)) return reply(errorReply(request));
      return { kind: 'generate', requester, request, ack: ackReply(request) };
    }
    case 'queue':
      return reply(await queueCommand(requester, deps.queue, deps.limits));
    case 'settings':
      return reply(await settingsCommand(invocation, deps));
    case 'help':
      return reply(helpCommand(deps.config, invocation.singleCommand, await effectiveScopeSettings(deps.scopes, requester)));
    case 'admin':
      return reply(await adminCommand(invocation, deps));
    case 'loras':
      return reply(lorasCommand((await deps.loras?.list()) ?? [], deps.loraDir));
  }
}
