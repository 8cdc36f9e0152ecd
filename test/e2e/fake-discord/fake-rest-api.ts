// The REST half of the fake: the routes discord.js calls for interactions, webhooks, messages,
// reactions, users and command registration, with Discord's error codes.
import {
  CallbackType,
  InteractionType,
  MessageFlag,
  type ChannelJson,
  type MessageJson,
  type RegisteredCommandJson,
} from './discord-json.js';
import type { InteractionRecord, InteractionRegistry } from './interaction-registry.js';
import type { MessageBody, MessageStore } from './message-store.js';
import { modalProblem } from './modal.js';
import type { RecordedFile } from './request-log.js';
import { RestRouter } from './rest-router.js';
import { nextSnowflake } from './snowflake.js';
import { dmChannelFor, findChannel, findUser, memberJson, type FakeWorld } from './world.js';

export interface ParsedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly json: unknown;
  readonly files: readonly RecordedFile[];
}

export interface RestResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FakeRestOptions {
  readonly token: string;
  readonly interactionTokenLifetimeMs: number;
  readonly ackDeadlineMs: number;
  readonly gatewayUrl: () => string;
}

type Handler = (request: ParsedRequest, params: Readonly<Record<string, string>>) => RestResponse;

/** Discord's JSON error codes the bot has to handle. */
export const DiscordErrorCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  UnknownWebhook: 10015,
  UnknownInteraction: 10062,
  AlreadyAcknowledged: 40060,
  MissingPermissions: 50013,
  InvalidWebhookToken: 50027,
  InvalidFormBody: 50035,
} as const;

const SESSION_START_TOTAL = 1000;
const INTERACTION_RESPONSE_MESSAGE_TYPE = 20;
const NO_CONTENT: RestResponse = { status: 204 };

function error(status: number, code: number, message: string): RestResponse {
  return { status, body: { message, code } };
}

function ok(body: unknown): RestResponse {
  return { status: 200, body };
}

const unknownMessage = (): RestResponse => error(404, DiscordErrorCode.UnknownMessage, 'Unknown Message');

export class FakeRestApi {
  readonly commands = new Map<string, RegisteredCommandJson[]>();
  private readonly router = new RestRouter<Handler>();

  constructor(
    private readonly world: FakeWorld,
    private readonly store: MessageStore,
    private readonly interactions: InteractionRegistry,
    private readonly options: FakeRestOptions,
  ) {
    this.router
      .add('GET', '/gateway/bot', () => this.gatewayBot())
      .add('GET', '/gateway', () => ok({ url: this.options.gatewayUrl() }))
      .add('GET', '/users/@me', () => ok(this.world.bot))
      .add('GET', '/users/:userId', (_, p) => this.user(p['userId'] ?? ''))
      .add('POST', '/users/@me/channels', (r) => this.openDm(r))
      .add('GET', '/applications/@me', () => ok(this.application()))
      .add('GET', '/oauth2/applications/@me', () => ok(this.application()))
      .add('GET', '/applications/:appId/commands', (_, p) => ok(this.commands.get(this.commandKey(p)) ?? []))
      .add('PUT', '/applications/:appId/commands', (r, p) => this.putCommands(r, p))
      .add('GET', '/applications/:appId/guilds/:guildId/commands', (_, p) => ok(this.commands.get(this.commandKey(p)) ?? []))
      .add('PUT', '/applications/:appId/guilds/:guildId/commands', (r, p) => this.putCommands(r, p))
      .add('GET', '/guilds/:guildId/members/:userId', (_, p) => this.member(p['userId'] ?? ''))
      .add('GET', '/channels/:channelId', (_, p) => this.channel(p['channelId'] ?? ''))
      .add('GET', '/channels/:channelId/messages', (_, p) => this.withChannel(p, (c) => ok(this.store.inChannel(c.id).reverse())))
      .add('POST', '/channels/:channelId/messages', (r, p) => this.withChannel(p, (c) => this.createChannelMessage(c, r)))
      .add('GET', '/channels/:channelId/messages/:messageId', (_, p) => this.channelMessage(p, (m) => ok(m)))
      .add('PATCH', '/channels/:channelId/messages/:messageId', (r, p) =>
        this.channelMessage(p, (m) => ok(this.store.edit(m.id, r.json as MessageBody, r.files))),
      )
      .add('DELETE', '/channels/:channelId/messages/:messageId', (_, p) =>
        this.channelMessage(p, (m) => {
          this.store.delete(m.id);
          return NO_CONTENT;
        }),
      )
      .add('PUT', '/channels/:channelId/messages/:messageId/reactions/:emoji/@me', (_, p) =>
        this.channelMessage(p, (m) => {
          this.store.react(m.id, p['emoji'] ?? '', true);
          return NO_CONTENT;
        }),
      )
      .add('POST', '/interactions/:interactionId/:token/callback', (r, p) => this.callback(r, p))
      .add('POST', '/webhooks/:appId/:token', (r, p) => this.withToken(p, (i) => this.followUp(i, r)))
      .add('GET', '/webhooks/:appId/:token/messages/:messageId', (_, p) =>
        this.webhookMessage(p, (m) => ok(m)),
      )
      .add('PATCH', '/webhooks/:appId/:token/messages/:messageId', (r, p) =>
        this.webhookMessage(p, (m) => ok(this.store.edit(m.id, r.json as MessageBody, r.files, MessageFlag.Loading))),
      )
      .add('DELETE', '/webhooks/:appId/:token/messages/:messageId', (_, p) =>
        this.webhookMessage(p, (m) => {
          this.store.delete(m.id);
          return NO_CONTENT;
        }),
      );
  }

  /** The route template a path belongs to (for rate-limit buckets), or undefined. */
  templateOf(method: string, path: string): { template: string; params: Readonly<Record<string, string>> } | undefined {
    return this.router.match(method, path);
  }

  handle(request: ParsedRequest): RestResponse {
    const route = this.router.match(request.method, request.path);
    if (!route) return error(404, 0, `404: Not Found (${request.method} ${request.path})`);
    const needsBotToken = !route.template.startsWith('/interactions/') && !route.template.startsWith('/webhooks/');
    if (needsBotToken && request.headers['authorization'] !== `Bot ${this.options.token}`) {
      return error(401, 0, '401: Unauthorized');
    }
    return route.handler(request, route.params);
  }

  private gatewayBot(): RestResponse {
    return ok({
      url: this.options.gatewayUrl(),
      shards: 1,
      session_start_limit: { total: SESSION_START_TOTAL, remaining: SESSION_START_TOTAL, reset_after: 0, max_concurrency: 1 },
    });
  }

  private application(): Record<string, unknown> {
    return { id: this.world.applicationId, name: this.world.bot.username, flags: 0, bot_public: true, bot: this.world.bot };
  }

  private user(userId: string): RestResponse {
    const found = findUser(this.world, userId);
    return found ? ok(found) : error(404, 10013, 'Unknown User');
  }

  private member(userId: string): RestResponse {
    const found = findUser(this.world, userId);
    return found ? ok(memberJson(found)) : error(404, 10007, 'Unknown Member');
  }

  private openDm(request: ParsedRequest): RestResponse {
    const recipientId = (request.json as { recipient_id?: string } | undefined)?.recipient_id ?? '';
    const recipient = findUser(this.world, recipientId);
    return recipient ? ok(dmChannelFor(this.world, recipient)) : error(404, 10013, 'Unknown User');
  }

  private commandKey(params: Readonly<Record<string, string>>): string {
    return params['guildId'] ?? 'global';
  }

  private putCommands(request: ParsedRequest, params: Readonly<Record<string, string>>): RestResponse {
    const guildId = params['guildId'];
    const registered = (request.json as Pick<RegisteredCommandJson, 'name' | 'options'>[]).map(
      (command): RegisteredCommandJson => ({
        ...command,
        name: command.name,
        id: nextSnowflake(),
        application_id: this.world.applicationId,
        version: nextSnowflake(),
        ...(guildId !== undefined ? { guild_id: guildId } : {}),
      }),
    );
    this.commands.set(this.commandKey(params), registered);
    return ok(registered);
  }

  private channel(channelId: string): RestResponse {
    const found = findChannel(this.world, channelId);
    return found ? ok(found) : error(404, DiscordErrorCode.UnknownChannel, 'Unknown Channel');
  }

  private withChannel(params: Readonly<Record<string, string>>, then: (channel: ChannelJson) => RestResponse): RestResponse {
    const found = findChannel(this.world, params['channelId'] ?? '');
    return found ? then(found) : error(404, DiscordErrorCode.UnknownChannel, 'Unknown Channel');
  }

  private channelMessage(params: Readonly<Record<string, string>>, then: (message: MessageJson) => RestResponse): RestResponse {
    return this.withChannel(params, (channel) => {
      const message = this.store.get(params['messageId'] ?? '');
      return message && message.channel_id === channel.id ? then(message) : unknownMessage();
    });
  }

  private createChannelMessage(channel: ChannelJson, request: ParsedRequest): RestResponse {
    const message = this.store.create(channel.id, channel.guild_id, this.world.bot, request.json as MessageBody, request.files);
    channel.last_message_id = message.id;
    return ok(message);
  }

  private callback(request: ParsedRequest, params: Readonly<Record<string, string>>): RestResponse {
    const interaction = this.interactions.withId(params['interactionId'] ?? '');
    const late = interaction !== undefined && Date.now() - interaction.createdAt > this.options.ackDeadlineMs;
    if (!interaction || interaction.token !== params['token'] || late) {
      return error(404, DiscordErrorCode.UnknownInteraction, 'Unknown interaction');
    }
    if (interaction.callback) {
      return error(400, DiscordErrorCode.AlreadyAcknowledged, 'Interaction has already been acknowledged.');
    }
    const body = request.json as { type: number; data?: Record<string, unknown> };
    if (body.type === CallbackType.Modal) {
      const problem = modalProblem(body.data);
      if (problem !== undefined) return error(400, DiscordErrorCode.InvalidFormBody, `Invalid Form Body: ${problem}`);
      // A modal can only answer a command or a button, never a submitted modal.
      if (interaction.type === InteractionType.ModalSubmit) return error(400, DiscordErrorCode.InvalidFormBody, 'Invalid Form Body: type');
    }
    interaction.callback = { type: body.type, at: Date.now(), data: body.data };
    const message = this.respond(interaction, body.type, (body.data ?? {}) as MessageBody, request.files);
    if (request.query['with_response'] !== 'true') return NO_CONTENT;
    return ok({
      interaction: { id: interaction.id, type: interaction.type, response_message_id: message?.id },
      resource: { type: body.type, ...(message ? { message } : {}) },
    });
  }

  private respond(interaction: InteractionRecord, type: number, data: MessageBody, files: readonly RecordedFile[]): MessageJson | undefined {
    switch (type) {
      case CallbackType.ChannelMessage:
        interaction.originalMessageId = this.createResponseMessage(interaction, data, files).id;
        break;
      case CallbackType.DeferredChannelMessage:
        interaction.originalMessageId = this.createResponseMessage(
          interaction,
          { flags: (data.flags ?? 0) | MessageFlag.Loading },
          [],
        ).id;
        break;
      case CallbackType.DeferredUpdateMessage:
        interaction.originalMessageId = interaction.sourceMessageId;
        break;
      case CallbackType.UpdateMessage:
        interaction.originalMessageId = interaction.sourceMessageId;
        if (interaction.sourceMessageId !== undefined) this.store.edit(interaction.sourceMessageId, data, files);
        break;
      default:
        // Autocomplete results and modals leave no message behind.
        break;
    }
    return interaction.originalMessageId === undefined ? undefined : this.store.get(interaction.originalMessageId);
  }

  private createResponseMessage(interaction: InteractionRecord, data: MessageBody, files: readonly RecordedFile[]): MessageJson {
    return this.store.create(interaction.channelId, interaction.guildId, this.world.bot, data, files, {
      type: INTERACTION_RESPONSE_MESSAGE_TYPE,
      webhook_id: this.world.applicationId,
      application_id: this.world.applicationId,
      interaction_metadata: { id: interaction.id, type: interaction.type, user: interaction.user, authorizing_integration_owners: {} },
    });
  }

  private withToken(params: Readonly<Record<string, string>>, then: (interaction: InteractionRecord) => RestResponse): RestResponse {
    const interaction = this.interactions.withToken(params['token'] ?? '');
    if (!interaction || params['appId'] !== this.world.applicationId) {
      return error(404, DiscordErrorCode.UnknownWebhook, 'Unknown Webhook');
    }
    if (Date.now() - interaction.createdAt > this.options.interactionTokenLifetimeMs) {
      return error(401, DiscordErrorCode.InvalidWebhookToken, 'Invalid Webhook Token');
    }
    return then(interaction);
  }

  private webhookMessage(params: Readonly<Record<string, string>>, then: (message: MessageJson) => RestResponse): RestResponse {
    return this.withToken(params, (interaction) => {
      const messageId = params['messageId'] === '@original' ? interaction.originalMessageId : params['messageId'];
      const message = messageId === undefined ? undefined : this.store.get(messageId);
      return message ? then(message) : unknownMessage();
    });
  }

  private followUp(interaction: InteractionRecord, request: ParsedRequest): RestResponse {
    if (!interaction.callback) return error(400, DiscordErrorCode.UnknownInteraction, 'Interaction has not been acknowledged.');
    return ok(this.createResponseMessage(interaction, request.json as MessageBody, request.files));
  }
}
