// What a command hands back to the adapter.
import type { FormView } from './form.js';
import type { GenerateRequest, Requester } from './generate-request.js';
import type { MessageRef } from './job-record.js';
import type { Reply } from './reply.js';

export type CommandOutcome =
  /** Enqueue `request` for `requester` (through the job service) and show `ack` at once. */
  | { readonly kind: 'generate'; readonly requester: Requester; readonly request: GenerateRequest; readonly ack: Reply }
  | { readonly kind: 'reply'; readonly reply: Reply }
  /** Open this form for the person who pressed the button (a Discord modal, a Slack modal view, a dialog). */
  | { readonly kind: 'form'; readonly form: FormView }
  /** Delete these messages of job `jobId` (its job was cancelled first if it was still going). */
  | { readonly kind: 'delete'; readonly jobId: string; readonly messages: readonly MessageRef[]; readonly reply: Reply }
  /** Nothing to do, e.g. an unrelated reaction: stay silent. */
  | { readonly kind: 'ignore' };
