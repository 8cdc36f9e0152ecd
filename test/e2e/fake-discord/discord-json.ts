// The slice of Discord's JSON shapes the fake produces. snake_case because that is the wire format.

export interface UserJson {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  bot?: boolean;
}

export const ChannelType = { GuildText: 0, DM: 1 } as const;

export interface ChannelJson {
  id: string;
  type: (typeof ChannelType)[keyof typeof ChannelType];
  name?: string;
  guild_id?: string;
  nsfw?: boolean;
  position?: number;
  permission_overwrites?: unknown[];
  recipients?: UserJson[];
  last_message_id?: string | null;
  flags: number;
}

export interface AttachmentJson {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  description?: string;
  width?: number;
  height?: number;
}

export interface ReactionJson {
  emoji: { id: string | null; name: string };
  count: number;
  me: boolean;
}

export interface MessageJson {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: UserJson;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: unknown[];
  mention_roles: unknown[];
  attachments: AttachmentJson[];
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  reactions: ReactionJson[];
  flags: number;
  type: number;
  pinned: boolean;
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: Record<string, unknown>;
}

export const OptionType = {
  Subcommand: 1,
  String: 3,
  Integer: 4,
  Boolean: 5,
  Number: 10,
  Attachment: 11,
} as const;

export interface CommandOptionJson {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: CommandOptionJson[];
}

/** What the bot registered with PUT /applications/{id}/commands, as the fake stores it. */
export interface RegisteredCommandJson {
  id: string;
  application_id: string;
  guild_id?: string;
  name: string;
  description?: string;
  type?: number;
  options?: { name: string; type: number; options?: RegisteredCommandJson['options'] }[];
  [key: string]: unknown;
}

export const MessageFlag = { Ephemeral: 1 << 6, Loading: 1 << 7 } as const;
export const InteractionType = { ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;
export const CallbackType = {
  ChannelMessage: 4,
  DeferredChannelMessage: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
} as const;
