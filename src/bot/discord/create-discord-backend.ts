// The Discord backend from the real pieces: the commands layer's entry points over `commands`
// deps, and the job service. The composition root and the end-to-end tests both build it here.
import { autocompleteChoices } from '../../commands/autocomplete.js';
import type { CommandDeps } from '../../commands/command-deps.js';
import { handleAction } from '../../commands/handle-action.js';
import { handleInvocation } from '../../commands/handle-invocation.js';
import type { JobService } from '../core/job-service.js';
import type { DiscordBackend } from './discord-backend.js';

const MODEL_OPTION = 'model';
const LORA_OPTION = 'lora';

export function createDiscordBackend(commands: CommandDeps, jobs: Pick<JobService, 'submit' | 'attachMessage' | 'cancel'>): DiscordBackend {
  return {
    handleInvocation: (invocation) => handleInvocation(invocation, commands),
    handleAction: (input, actor) => handleAction(input, actor, commands),
    submit: (request, requester, observer) => jobs.submit(request, requester, observer),
    attachMessage: (jobId, ref) => jobs.attachMessage(jobId, ref),
    cancel: (jobId) => jobs.cancel(jobId),
    autocomplete: async ({ option, typed, options }) => {
      const model = options[MODEL_OPTION];
      const loraNames = option === LORA_OPTION ? ((await commands.loras?.list()) ?? []).map((lora) => lora.name) : [];
      return autocompleteChoices(option, typed, commands.config, typeof model === 'string' ? model : undefined, loraNames);
    },
  };
}
