// INTERACTION_CREATE and MESSAGE_REACTION_ADD bodies, shaped like the ones Discord sends.
import {
  ChannelType,
  InteractionType,
  OptionType,
  type AttachmentJson,
  type ChannelJson,
  type CommandOptionJson,
  type MessageJson,
  type RegisteredCommandJson,
  type UserJson,
} from './discord-json.js';
import { DEFAULT_PERMISSIONS, memberJson } from './world.js';

/** Discord's default upload limit for a server without boosts. */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
const COMPONENT_BUTTON = 2;
const CONTEXT_GUILD = 0;
const CONTEXT_BOT_DM = 1;

export interface InteractionContext {
  readonly id: string;
  readonly token: string;
  readonly applicationId: string;
  readonly user: UserJson;
  readonly channel: ChannelJson;
  readonly attachmentSizeLimit?: number;
  readonly appPermissions?: string;
  /** The member's own permissions in the channel. */
  readonly memberPermissions?: string;
}

function base(context: InteractionContext, type: number): Record<string, unknown> {
  const inGuild = context.channel.type !== ChannelType.DM && context.channel.guild_id !== undefined;
  return {
    id: context.id,
    application_id: context.applicationId,
    type,
    token: context.token,
    version: 1,
    channel_id: context.channel.id,
    channel: context.channel,
    ...(inGuild ? { guild_id: context.channel.guild_id, member: memberJson(context.user, context.memberPermissions ?? DEFAULT_PERMISSIONS) } : { user: context.user }),
    app_permissions: context.appPermissions ?? DEFAULT_PERMISSIONS,
    locale: 'en-US',
    ...(inGuild ? { guild_locale: 'en-US' } : {}),
    entitlements: [],
    authorizing_integration_owners: {},
    context: inGuild ? CONTEXT_GUILD : CONTEXT_BOT_DM,
    attachment_size_limit: context.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT,
  };
}

export type OptionValues = Readonly<Record<string, string | number | boolean | AttachmentJson>>;

/**
 * Types options the way Discord does: from the registered command when the bot registered one,
 * otherwise from the JS value (an integral number counts as INTEGER).
 */
export function typedOptions(values: OptionValues, registered: RegisteredCommandJson | undefined): CommandOptionJson[] {
  return Object.entries(values).map(([name, value]) => {
    const declared = registered?.options?.find((option) => option.name === name)?.type;
    if (typeof value === 'object') return { name, type: OptionType.Attachment, value: value.id };
    return { name, type: declared ?? inferType(value), value };
  });
}

function inferType(value: string | number | boolean): number {
  if (typeof value === 'string') return OptionType.String;
  if (typeof value === 'boolean') return OptionType.Boolean;
  return Number.isInteger(value) ? OptionType.Integer : OptionType.Number;
}

export function chatInputInteraction(
  context: InteractionContext,
  command: { readonly id: string; readonly name: string },
  options: CommandOptionJson[],
  attachments: readonly AttachmentJson[],
  autocomplete = false,
): Record<string, unknown> {
  const resolved = attachments.length > 0 ? { resolved: { attachments: Object.fromEntries(attachments.map((a) => [a.id, a])) } } : {};
  return {
    ...base(context, autocomplete ? InteractionType.Autocomplete : InteractionType.ApplicationCommand),
    data: { id: command.id, name: command.name, type: 1, options, ...resolved },
  };
}

export function buttonInteraction(context: InteractionContext, message: MessageJson, customId: string): Record<string, unknown> {
  return {
    ...base(context, InteractionType.MessageComponent),
    message,
    data: { custom_id: customId, component_type: COMPONENT_BUTTON },
  };
}

/** A MODAL_SUBMIT: the modal's custom_id and its text inputs, with the message whose button opened it. */
export function modalSubmitInteraction(
  context: InteractionContext,
  customId: string,
  rows: readonly unknown[],
  message: MessageJson | undefined,
): Record<string, unknown> {
  return {
    ...base(context, InteractionType.ModalSubmit),
    ...(message === undefined ? {} : { message }),
    data: { custom_id: customId, components: rows },
  };
}

export function reactionAdd(user: UserJson, message: Pick<MessageJson, 'id' | 'channel_id' | 'guild_id' | 'author'>, emoji: string): Record<string, unknown> {
  return {
    user_id: user.id,
    channel_id: message.channel_id,
    message_id: message.id,
    ...(message.guild_id !== undefined ? { guild_id: message.guild_id, member: memberJson(user) } : {}),
    emoji: { id: null, name: emoji },
    message_author_id: message.author.id,
    burst: false,
    burst_colors: [],
    type: 0,
  };
}
