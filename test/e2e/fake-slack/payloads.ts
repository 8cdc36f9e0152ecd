// Builders for what Slack sends an app: slash commands, Events API callbacks and block actions,
// shaped like the real payloads so the same objects work over Socket Mode and over HTTP.

export interface PayloadContext {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly botUserId: string;
  /** A response_url on the fake, so any use of it is recorded. */
  readonly responseUrl: () => string;
  readonly triggerId: () => string;
}

export interface SlashCommandInput {
  readonly text: string;
  readonly command?: string;
  readonly userId?: string;
  readonly userName?: string;
  readonly channelId?: string;
  readonly channelName?: string;
}

export interface SlashCommandPayload extends Record<string, string> {
  readonly command: string;
  readonly text: string;
  readonly user_id: string;
  readonly channel_id: string;
  readonly response_url: string;
}

export const DEFAULT_USER_ID = 'U0ALICE';
export const DEFAULT_USER_NAME = 'alice';
export const DEFAULT_CHANNEL_ID = 'C0GENERAL';
export const DEFAULT_CHANNEL_NAME = 'general';
const MS_PER_SECOND = 1000;

export function slashCommandPayload(ctx: PayloadContext, input: SlashCommandInput): SlashCommandPayload {
  return {
    token: 'deprecated-verification-token',
    team_id: ctx.teamId,
    team_domain: ctx.teamDomain,
    channel_id: input.channelId ?? DEFAULT_CHANNEL_ID,
    channel_name: input.channelName ?? DEFAULT_CHANNEL_NAME,
    user_id: input.userId ?? DEFAULT_USER_ID,
    user_name: input.userName ?? DEFAULT_USER_NAME,
    command: input.command ?? '/imagine',
    text: input.text,
    api_app_id: ctx.appId,
    is_enterprise_install: 'false',
    response_url: ctx.responseUrl(),
    trigger_id: ctx.triggerId(),
  };
}

export interface EventCallbackPayload {
  readonly type: 'event_callback';
  readonly event_id: string;
  readonly event: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

let eventCounter = 0;

/** Wraps an event the way the Events API does; pass the same eventId to model a retry. */
export function eventCallback(ctx: PayloadContext, event: Record<string, unknown>, eventId?: string): EventCallbackPayload {
  eventCounter += 1;
  return {
    token: 'deprecated-verification-token',
    team_id: ctx.teamId,
    api_app_id: ctx.appId,
    event,
    type: 'event_callback',
    event_id: eventId ?? `Ev${String(eventCounter).padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / MS_PER_SECOND),
    authorizations: [{ team_id: ctx.teamId, user_id: ctx.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

export interface ReactionInput {
  readonly channel: string;
  readonly ts: string;
  readonly reaction?: string;
  readonly userId?: string;
  /** Author of the reacted-to message. */
  readonly itemUser?: string;
}

export function reactionAddedEvent(input: ReactionInput): Record<string, unknown> {
  return {
    type: 'reaction_added',
    user: input.userId ?? DEFAULT_USER_ID,
    reaction: input.reaction ?? 'repeat',
    ...(input.itemUser === undefined ? {} : { item_user: input.itemUser }),
    item: { type: 'message', channel: input.channel, ts: input.ts },
    event_ts: `${(Date.now() / MS_PER_SECOND).toFixed(6)}`,
  };
}

export interface BlockActionInput {
  readonly actionId: string;
  readonly value?: string;
  readonly blockId?: string;
  readonly channel: string;
  /** The message carrying the button, as the app posted it (text and blocks). */
  readonly message: Readonly<Record<string, unknown>> & { readonly ts: string };
  readonly userId?: string;
  readonly userName?: string;
}

export function blockActionsPayload(ctx: PayloadContext, input: BlockActionInput): Record<string, unknown> {
  const userId = input.userId ?? DEFAULT_USER_ID;
  return {
    type: 'block_actions',
    user: { id: userId, username: input.userName ?? DEFAULT_USER_NAME, name: input.userName ?? DEFAULT_USER_NAME, team_id: ctx.teamId },
    api_app_id: ctx.appId,
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: input.message.ts, channel_id: input.channel, is_ephemeral: false },
    trigger_id: ctx.triggerId(),
    team: { id: ctx.teamId, domain: ctx.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel, name: input.channel },
    message: input.message,
    state: { values: {} },
    response_url: ctx.responseUrl(),
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: input.blockId ?? 'actions',
        ...(input.value === undefined ? {} : { value: input.value }),
        text: { type: 'plain_text', text: input.actionId, emoji: true },
        action_ts: `${(Date.now() / MS_PER_SECOND).toFixed(6)}`,
      },
    ],
  };
}

export interface MessageShortcutInput {
  readonly callbackId: string;
  readonly channel: string;
  readonly channelName?: string;
  /** The message the shortcut was used on, in full (its files as file objects), as Slack sends it. */
  readonly message: Readonly<Record<string, unknown>> & { readonly ts: string };
  readonly userId?: string;
  readonly userName?: string;
}

export function messageShortcutPayload(ctx: PayloadContext, input: MessageShortcutInput): Record<string, unknown> {
  const userId = input.userId ?? DEFAULT_USER_ID;
  return {
    type: 'message_action',
    token: 'deprecated-verification-token',
    action_ts: `${(Date.now() / MS_PER_SECOND).toFixed(6)}`,
    team: { id: ctx.teamId, domain: ctx.teamDomain },
    user: { id: userId, username: input.userName ?? DEFAULT_USER_NAME, name: input.userName ?? DEFAULT_USER_NAME, team_id: ctx.teamId },
    channel: { id: input.channel, name: input.channelName ?? DEFAULT_CHANNEL_NAME },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: ctx.triggerId(),
    response_url: ctx.responseUrl(),
    message_ts: input.message.ts,
    message: input.message,
  };
}
