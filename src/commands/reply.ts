// The platform-neutral view model of a message. Adapters render it (embed, Block Kit, HTML) without
// knowing which command made it.

export type ReplyKind =
  | 'ack'
  | 'queued'
  | 'progress'
  | 'result'
  | 'error'
  | 'info'
  | 'queue'
  | 'settings'
  | 'help'
  | 'admin'
  | 'deleted';

export type ButtonStyle = 'primary' | 'secondary' | 'danger';

export interface ReplyButton {
  /** An action id (see action-id.ts), at most 100 characters. */
  readonly id: string;
  readonly label: string;
  readonly style: ButtonStyle;
  readonly emoji?: string;
}

export interface ReplyField {
  readonly label: string;
  readonly value: string;
  /** Short values that may sit side by side. */
  readonly inline: boolean;
}

export interface ReplyImage {
  readonly filename: string;
  readonly png?: Uint8Array;
  readonly width?: number;
  readonly height?: number;
  /** Flagged by the safety checker: adapters apply the channel's NSFW policy (spoiler, withhold). */
  readonly nsfw?: boolean;
}

export interface Reply {
  readonly kind: ReplyKind;
  readonly title?: string;
  /** The main text; may hold `code` markup, nothing else. */
  readonly text: string;
  readonly fields?: readonly ReplyField[];
  readonly images?: readonly ReplyImage[];
  /** Rows of at most 5 buttons. */
  readonly buttons?: readonly (readonly ReplyButton[])[];
  /** Visible only to the person who asked, where the platform allows it. */
  readonly ephemeral: boolean;
}

/** Most buttons Discord puts in one row. */
export const MAX_BUTTONS_PER_ROW = 5;
