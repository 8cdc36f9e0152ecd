// What the Discord adapter needs from the layers below it. The composition root builds one from
// the commands layer's entry points and the job service; the adapter reaches no further.
import type { CommandOutcome } from '../../commands/command-outcome.js';
import type { GenerateRequest, Requester } from '../../commands/generate-request.js';
import type { ActionInput } from '../../commands/handle-action.js';
import type { CommandName, Invocation, OptionValue } from '../../commands/invocation.js';
import type { MessageRef } from '../../commands/job-record.js';
import type { OptionChoice } from '../../commands/options.js';
import type { JobObserver } from '../core/job-observer.js';
import type { Accepted } from '../core/job-presenter.js';

export interface AutocompleteRequest {
  readonly command: CommandName;
  /** The option being typed. */
  readonly option: string;
  readonly typed: string;
  /** The other options filled in so far (e.g. `model`, which sizes the `ar` suggestions). */
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly requester: Requester;
}

export interface DiscordBackend {
  /** A slash command (commands layer). Never throws for bad input. */
  handleInvocation(invocation: Invocation): Promise<CommandOutcome>;
  /** A button press or a reaction on a result (commands layer `handleAction`). */
  handleAction(input: ActionInput, actor: Requester): Promise<CommandOutcome>;
  /** Queues a job (job service); rejects with a UserFacingError when it must be refused. */
  submit(request: GenerateRequest, requester: Requester, observer: JobObserver): Promise<Accepted>;
  /** Remembers that `ref` shows `jobId`, so 🔄 and buttons find it after a restart. */
  attachMessage(jobId: string, ref: MessageRef): Promise<unknown>;
  /** Stops a job whose message was deleted. */
  cancel(jobId: string): Promise<boolean>;
  /** Suggestions while the user types an autocomplete option (model, style). */
  autocomplete?(request: AutocompleteRequest): Promise<readonly OptionChoice[]>;
}
