// What an adapter hands to the commands layer: who asked, which command, and what they typed.
import type { Requester } from './generate-request.js';

export const COMMAND_NAMES = ['imagine', 'queue', 'settings', 'help', 'admin', 'loras'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** A slash option exactly as the platform delivered it; validation happens in the commands layer. */
export type OptionValue = string | number | boolean | undefined;

export interface InvocationAttachment {
  readonly filename: string;
  /** The slash option it came in (`image`, `mask`), where the platform has named ones. */
  readonly option?: string;
  readonly contentType?: string;
  /** Bytes, as the platform reports it (checked before trusting `data`). */
  readonly size: number;
  /** The downloaded bytes; absent when the adapter could not fetch them. */
  readonly data?: Uint8Array;
}

export interface Invocation {
  readonly requester: Requester;
  readonly command: CommandName;
  /** Discord's sub-command (`/settings set`); without one, the first word of `text` is used. */
  readonly subcommand?: string;
  /** Explicit slash options by their schema name (see options.ts), raw. */
  readonly options: Readonly<Record<string, OptionValue>>;
  /** Free text: Slack's command text, or the prompt with its inline flags. */
  readonly text?: string;
  readonly attachments: readonly InvocationAttachment[];
  /** Set where the platform has one slash command and the others are words after it (Slack's `/imagine queue`). */
  readonly singleCommand?: string;
}
