// A local stand-in for Discord: one HTTP server on 127.0.0.1 hosting the REST API under
// /api/v10, the gateway WebSocket under /gateway and uploaded files under /attachments.
// Point discord.js at it with `rest: { api: fake.apiBase }`.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackType, InteractionType, OptionType, type AttachmentJson, type ChannelJson, type MessageJson, type RegisteredCommandJson, type UserJson } from './discord-json.js';
import { FailureRules } from './failure-rules.js';
import { FakeGateway } from './fake-gateway.js';
import { FakeRestApi, type ParsedRequest, type RestResponse } from './fake-rest-api.js';
import { InteractionRegistry, type InteractionRecord } from './interaction-registry.js';
import {
  buttonInteraction,
  chatInputInteraction,
  modalSubmitInteraction,
  reactionAdd,
  typedOptions,
  type InteractionContext,
  type OptionValues,
} from './interaction-payloads.js';
import { MessageStore } from './message-store.js';
import { submittedRows, type ModalJson } from './modal.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import { RateLimitBuckets, type RateLimitConfig } from './rate-limit-buckets.js';
import { RequestLog, type RecordedFile, type RecordedRequest, type RequestPredicate } from './request-log.js';
import { nextSnowflake } from './snowflake.js';
import { createWorld, dmChannelFor, findChannel, type FakeWorld } from './world.js';

export interface FakeDiscordOptions {
  readonly token?: string;
  /** How long an interaction token accepts webhook calls (Discord: 15 min). */
  readonly interactionTokenLifetimeMs?: number;
  /** How long an interaction waits for its callback (Discord: 3 s). */
  readonly ackDeadlineMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rateLimit?: RateLimitConfig;
}

export interface SentInteraction {
  readonly id: string;
  readonly token: string;
  readonly record: InteractionRecord;
}

interface InteractionTarget {
  readonly user?: UserJson;
  /** A guild channel, or 'dm' for the user's DM with the bot. Defaults to #general. */
  readonly channel?: ChannelJson | 'dm';
  readonly attachmentSizeLimit?: number;
  readonly appPermissions?: string;
  /** The member's permissions (default: a plain member's). */
  readonly memberPermissions?: string;
}

export interface SlashCommandInput extends InteractionTarget {
  readonly name: string;
  /** `/settings server …`: the options below go inside this sub-command. */
  readonly subcommand?: string;
  readonly options?: OptionValues;
}

export const FAKE_BOT_TOKEN = 'fake-bot-token';
const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;
const THREE_SECONDS_MS = 3000;
const DISCORD_HEARTBEAT_INTERVAL_MS = 41_250;
const GENEROUS_RATE_LIMIT: RateLimitConfig = { limit: 50, windowMs: 1000 };
const API_PREFIX = /^\/api\/v\d+(\/.*)$/;
const ATTACHMENT_PATH = /^\/attachments\/[^/]+\/([^/]+)\/[^/]+$/;
const UNLIMITED_TEMPLATE_PREFIX = '/interactions/';

export class FakeDiscord {
  readonly world: FakeWorld = createWorld();
  readonly log = new RequestLog();
  readonly failures = new FailureRules();
  /** Requests carried out at once whose answer waits (the client sees nothing until released). */
  private held: { readonly matches: RequestPredicate; readonly released: Promise<void> } | undefined;
  readonly gateway: FakeGateway;
  readonly token: string;
  private readonly interactions = new InteractionRegistry();
  private readonly store = new MessageStore(() => this.origin);
  private readonly rest: FakeRestApi;
  private readonly buckets: RateLimitBuckets;
  private readonly server: Server;
  private port = 0;

  private constructor(options: FakeDiscordOptions) {
    this.token = options.token ?? FAKE_BOT_TOKEN;
    this.gateway = new FakeGateway(this.world, {
      token: this.token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? DISCORD_HEARTBEAT_INTERVAL_MS,
    });
    this.rest = new FakeRestApi(this.world, this.store, this.interactions, {
      token: this.token,
      interactionTokenLifetimeMs: options.interactionTokenLifetimeMs ?? FIFTEEN_MINUTES_MS,
      ackDeadlineMs: options.ackDeadlineMs ?? THREE_SECONDS_MS,
      gatewayUrl: () => this.gatewayUrl,
    });
    this.buckets = new RateLimitBuckets(options.rateLimit ?? GENEROUS_RATE_LIMIT);
    this.server = createServer((request, response) => void this.onRequest(request, response));
    this.server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
      if (request.url?.startsWith('/gateway')) this.gateway.handleUpgrade(request, socket, head);
      else socket.destroy();
    });
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.gateway.setUrl(fake.gatewayUrl);
    return fake;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What `rest.api` / DISCORD_API_BASE should be. */
  get apiBase(): string {
    return `${this.origin}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  get requests(): readonly RecordedRequest[] {
    return this.log.requests;
  }

  waitForRequest(predicate: RequestPredicate, options?: { timeoutMs?: number; afterSeq?: number }): Promise<RecordedRequest> {
    return this.log.waitFor(predicate, options);
  }

  /** Commands the bot registered, globally or for a guild. */
  registeredCommands(guildId?: string): readonly RegisteredCommandJson[] {
    return this.rest.commands.get(guildId ?? 'global') ?? [];
  }

  message(messageId: string): MessageJson | undefined {
    return this.store.get(messageId);
  }

  messagesIn(channelId: string): MessageJson[] {
    return this.store.inChannel(channelId);
  }

  interaction(interactionId: string): InteractionRecord | undefined {
    return this.interactions.withId(interactionId);
  }

  /** The bytes behind an attachment the bot uploaded. */
  attachmentBytes(attachment: AttachmentJson): Buffer | undefined {
    return this.store.file(attachment.id)?.data;
  }

  /** Hosts a file as if a user had attached it, for attachment options (img2img). */
  uploadAttachment(data: Buffer, filename: string, contentType?: string): AttachmentJson {
    return this.store.host(this.world.channels.general.id, data, filename, contentType);
  }

  /**
   * Carries out the requests that match at once (they show in messages and in `requests`) but
   * holds their answers until `release` is called: a client killed meanwhile never learns that
   * its request went through.
   */
  holdAnswers(matches: RequestPredicate): { release(): void } {
    let release = (): void => undefined;
    this.held = { matches, released: new Promise<void>((resolve) => (release = resolve)) };
    return {
      release: () => {
        this.held = undefined;
        release();
      },
    };
  }

  slashCommand(input: SlashCommandInput): SentInteraction {
    return this.sendCommand(input, undefined);
  }

  /** An autocomplete request while the user types option `focused`. */
  autocomplete(input: SlashCommandInput & { readonly focused: string }): SentInteraction {
    return this.sendCommand(input, input.focused);
  }

  clickButton(input: InteractionTarget & { readonly messageId: string; readonly customId: string }): SentInteraction {
    const message = this.store.get(input.messageId);
    if (!message) throw new Error(`no message ${input.messageId} to click on`);
    const channel = findChannel(this.world, message.channel_id);
    if (!channel) throw new Error(`message ${input.messageId} is in an unknown channel`);
    const { context, sent } = this.newInteraction({ ...input, channel }, message.id);
    this.gateway.dispatch('INTERACTION_CREATE', buttonInteraction(context, message, input.customId));
    return sent;
  }

  /**
   * The user submits the modal that `opened` answered with (response type 9): every text input
   * keeps its prefilled value unless `values` changes it, as in Discord's client.
   */
  submitModal(input: { readonly opened: SentInteraction; readonly values?: Readonly<Record<string, string>> }): SentInteraction {
    const { record } = input.opened;
    const callback = record.callback;
    if (callback?.type !== CallbackType.Modal) throw new Error('that interaction was not answered with a modal');
    const modal = callback.data as unknown as ModalJson;
    const channel = findChannel(this.world, record.channelId);
    if (!channel) throw new Error(`the modal was opened in an unknown channel ${record.channelId}`);
    const message = record.sourceMessageId === undefined ? undefined : this.store.get(record.sourceMessageId);
    const { context, sent } = this.newInteraction({ user: record.user, channel }, record.sourceMessageId, InteractionType.ModalSubmit);
    this.gateway.dispatch('INTERACTION_CREATE', modalSubmitInteraction(context, modal.custom_id, submittedRows(modal, input.values ?? {}), message));
    return sent;
  }

  /** A user adds a reaction; discord.js gets it even when the message is not in its cache. */
  react(input: { readonly messageId: string; readonly user?: UserJson; readonly emoji?: string }): void {
    const message = this.store.get(input.messageId);
    if (!message) throw new Error(`no message ${input.messageId} to react to`);
    const user = input.user ?? this.world.users.alice;
    const emoji = input.emoji ?? '🔄';
    this.store.react(message.id, emoji, false);
    this.gateway.dispatch('MESSAGE_REACTION_ADD', reactionAdd(user, message, emoji));
  }

  /** Someone (a moderator, the author) deletes a message: gone from REST, MESSAGE_DELETE sent. */
  deleteMessage(messageId: string): void {
    const message = this.store.get(messageId);
    if (!message) return;
    this.store.delete(messageId);
    this.gateway.dispatch('MESSAGE_DELETE', {
      id: message.id,
      channel_id: message.channel_id,
      ...(message.guild_id !== undefined ? { guild_id: message.guild_id } : {}),
    });
  }

  async close(): Promise<void> {
    this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `focused` set: an autocomplete request while the user types that option. */
  private sendCommand(input: SlashCommandInput, focused: string | undefined): SentInteraction {
    const registered =
      this.registeredCommands(this.world.guild.id).find((command) => command.name === input.name) ??
      this.registeredCommands().find((command) => command.name === input.name);
    const values = input.options ?? {};
    const sub = input.subcommand;
    const declared = sub === undefined ? registered : (registered?.options?.find((option) => option.name === sub) as RegisteredCommandJson | undefined);
    const typed = typedOptions(values, declared).map((option) => (option.name === focused ? { ...option, focused: true } : option));
    const options = sub === undefined ? typed : [{ name: sub, type: OptionType.Subcommand, options: typed }];
    const attachments = Object.values(values).filter((value): value is AttachmentJson => typeof value === 'object');
    const { context, sent } = this.newInteraction(input, undefined);
    const command = { id: registered?.id ?? nextSnowflake(), name: input.name };
    this.gateway.dispatch('INTERACTION_CREATE', chatInputInteraction(context, command, options, attachments, focused !== undefined));
    return sent;
  }

  private newInteraction(
    target: InteractionTarget,
    sourceMessageId: string | undefined,
    type?: number,
  ): { context: InteractionContext; sent: SentInteraction } {
    const user = target.user ?? this.world.users.alice;
    const channel = target.channel === 'dm' ? dmChannelFor(this.world, user) : (target.channel ?? this.world.channels.general);
    const context: InteractionContext = {
      id: nextSnowflake(),
      token: `itoken-${nextSnowflake()}`,
      applicationId: this.world.applicationId,
      user,
      channel,
      ...(target.attachmentSizeLimit !== undefined ? { attachmentSizeLimit: target.attachmentSizeLimit } : {}),
      ...(target.appPermissions !== undefined ? { appPermissions: target.appPermissions } : {}),
      ...(target.memberPermissions !== undefined ? { memberPermissions: target.memberPermissions } : {}),
    };
    const record: InteractionRecord = {
      id: context.id,
      token: context.token,
      type: type ?? (sourceMessageId === undefined ? InteractionType.ApplicationCommand : InteractionType.MessageComponent),
      channelId: channel.id,
      guildId: channel.guild_id,
      user,
      createdAt: Date.now(),
      sourceMessageId,
      callback: undefined,
      originalMessageId: undefined,
    };
    this.interactions.add(record);
    return { context, sent: { id: record.id, token: record.token, record } };
  }

  private async onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const body = await readBody(request);
    const attachment = ATTACHMENT_PATH.exec(url.pathname);
    if (attachment) {
      const file = this.store.file(attachment[1] ?? '');
      response.writeHead(file ? 200 : 404, { 'content-type': file?.contentType ?? 'text/plain' }).end(file?.data ?? 'not found');
      return;
    }
    const apiPath = API_PREFIX.exec(url.pathname)?.[1];
    if (apiPath === undefined) {
      response.writeHead(404).end();
      return;
    }
    const parsed = parseRequest(request, apiPath, url, body);
    const answer = this.answer(parsed);
    const recorded: RecordedRequest = {
      seq: this.log.lastSeq + 1,
      at: Date.now(),
      ...parsed,
      status: answer.status,
      response: answer.body,
    };
    this.log.record(recorded);
    const held = this.held;
    if (held?.matches(recorded)) await held.released;
    const headers: Record<string, string> = { ...answer.headers };
    if (answer.body === undefined) {
      response.writeHead(answer.status, headers).end();
      return;
    }
    response.writeHead(answer.status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }

  private answer(request: ParsedRequest): RestResponse {
    const route = this.rest.templateOf(request.method, request.path);
    const limits =
      route && !route.template.startsWith(UNLIMITED_TEMPLATE_PREFIX)
        ? this.buckets.take(request.method, route.template, route.params)
        : undefined;
    if (limits?.limited) {
      return { status: 429, headers: limits.headers, body: { message: 'You are being rate limited.', retry_after: Number(limits.headers['retry-after']), global: false } };
    }
    const failure = this.failures.take({
      method: request.method,
      path: request.path,
      json: request.json,
      filenames: request.files.map((file) => file.filename),
    });
    if (failure) return failure;
    const answer = this.rest.handle(request);
    return { ...answer, headers: { ...limits?.headers, ...answer.headers } };
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseRequest(request: IncomingMessage, path: string, url: URL, body: Buffer): ParsedRequest {
  const contentType = request.headers['content-type'] ?? '';
  const boundary = boundaryOf(contentType);
  let json: unknown;
  const files: RecordedFile[] = [];
  if (boundary !== undefined && contentType.startsWith('multipart/form-data')) {
    for (const part of parseMultipart(body, boundary)) {
      if (part.name === 'payload_json') json = JSON.parse(part.data.toString('utf8'));
      else if (part.filename !== undefined) {
        files.push({ field: part.name, filename: part.filename, data: part.data, ...(part.contentType !== undefined ? { contentType: part.contentType } : {}) });
      }
    }
  } else if (body.length > 0) {
    json = JSON.parse(body.toString('utf8'));
  }
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    // Decoded, so tests read `@original` and `🔄` rather than percent escapes.
    path: decodeURIComponent(path),
    query: Object.fromEntries(url.searchParams),
    headers: request.headers,
    json,
    files,
  };
}
