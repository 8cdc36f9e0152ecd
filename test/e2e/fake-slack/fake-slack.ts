// A local stand-in for Slack on 127.0.0.1: the Web API methods the bot calls, the file upload URL,
// response_url, and a Socket Mode WebSocket. It records every call so tests can assert on exactly
// what a user would see, and can inject the failures real Slack produces.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallLog, type RecordedCall } from './call-log.js';
import { FailureRules, type FailureOptions, type InjectedFailure } from './failure-rules.js';
import { FakeWorkspace, type FakeChannel, type FakeUser } from './fake-workspace.js';
import {
  blockActionsPayload,
  DEFAULT_USER_ID,
  DEFAULT_USER_NAME,
  eventCallback,
  messageShortcutPayload,
  reactionAddedEvent,
  slashCommandPayload,
  type BlockActionInput,
  type EventCallbackPayload,
  type PayloadContext,
  type ReactionInput,
  type SlashCommandInput,
  type SlashCommandPayload,
} from './payloads.js';
import { parseRequestBody } from './request-body.js';
import { SocketModeServer, type DeliverOptions, type EnvelopeAck, type EnvelopeType } from './socket-mode-server.js';
import { callMethod, fileJson, isKnownMethod, type MethodContext } from './web-api-methods.js';

export interface FakeSlackOptions {
  readonly botToken?: string;
  readonly appToken?: string;
  /** Channels besides the default #general (public, bot is a member). */
  readonly channels?: readonly FakeChannel[];
  /** People besides the default alice (a plain member). */
  readonly users?: readonly FakeUser[];
  /** Whether files.completeUploadExternal reports where the file was shared; default true. */
  readonly reportShares?: boolean;
  readonly pingIntervalMs?: number;
}

export interface EventDelivery extends EnvelopeAck {
  readonly eventId: string;
}

const API_PREFIX = '/api/';
const UPLOAD_PREFIX = '/upload/';
const RESPONSE_URL_PREFIX = '/response/';
/** Slack's url_private(_download) paths: /files-pri/TEAM-FILE/name or /files-pri/TEAM-FILE/download/name. */
const FILES_PREFIX = '/files-pri/';
const SOCKET_PATH = '/socket-mode';
const HTTP_OK = 200;
const HTTP_FORBIDDEN = 403;
const HTTP_NOT_FOUND = 404;
const HTTP_TOO_MANY_REQUESTS = 429;

export const FAKE_TEAM_ID = 'T0FAKE';
export const FAKE_TEAM_DOMAIN = 'fake-team';
export const FAKE_APP_ID = 'A0IMAGINE';
export const FAKE_BOT_USER_ID = 'U0BOT';
export const FAKE_BOT_ID = 'B0BOT';
export const FAKE_BOT_TOKEN = 'xoxb-fake-bot-token';
export const FAKE_APP_TOKEN = 'xapp-fake-app-token';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length) : undefined;
}

export class FakeSlack {
  readonly calls = new CallLog();
  readonly workspace = new FakeWorkspace(FAKE_BOT_USER_ID, FAKE_BOT_ID);
  readonly botToken: string;
  readonly appToken: string;
  readonly botUserId = FAKE_BOT_USER_ID;
  readonly teamId = FAKE_TEAM_ID;
  readonly #failures = new FailureRules();
  readonly #socket: SocketModeServer;
  readonly #server: Server;
  readonly #reportShares: boolean;
  readonly #startedAt = performance.now();
  #port = 0;
  #counter = 0;

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? FAKE_BOT_TOKEN;
    this.appToken = options.appToken ?? FAKE_APP_TOKEN;
    this.#reportShares = options.reportShares ?? true;
    this.#socket = new SocketModeServer(FAKE_APP_ID, options.pingIntervalMs);
    this.workspace.addChannel({ id: 'C0GENERAL', name: 'general', kind: 'public', botIsMember: true });
    for (const channel of options.channels ?? []) this.workspace.addChannel({ ...channel });
    this.workspace.addUser({ id: DEFAULT_USER_ID, name: DEFAULT_USER_NAME });
    for (const user of options.users ?? []) this.workspace.addUser({ ...user });
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    this.#server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', this.baseUrl).pathname === SOCKET_PATH) this.#socket.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.#server.listen(0, '127.0.0.1');
    await once(fake.#server, 'listening');
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** For `clientOptions.slackApiUrl` (the trailing slash matters to @slack/web-api). */
  get apiUrl(): string {
    return `${this.baseUrl}${API_PREFIX}`;
  }

  get acks(): readonly EnvelopeAck[] {
    return this.#socket.acks;
  }

  get strayAcks(): readonly unknown[] {
    return this.#socket.strayAcks;
  }

  get socketConnections(): number {
    return this.#socket.connectionCount;
  }

  addChannel(channel: FakeChannel): FakeChannel {
    return this.workspace.addChannel({ ...channel });
  }

  addUser(user: FakeUser): FakeUser {
    return this.workspace.addUser({ ...user });
  }

  /** Makes the next matching call(s) of `method` fail (`{ retryAfterSec: 1 }`, `{ error: 'not_in_channel' }`) or answer late (`{ delayMs }`). */
  failNext(method: string, failure: InjectedFailure, options?: FailureOptions): void {
    this.#failures.add(method, failure, options);
  }

  clearFailures(): void {
    this.#failures.clear();
  }

  waitForConnection(timeoutMs?: number): Promise<void> {
    return this.#socket.waitForConnection(timeoutMs);
  }

  waitForCall(predicate: (call: RecordedCall) => boolean, timeoutMs?: number, description?: string): Promise<RecordedCall> {
    return this.calls.waitFor(predicate, timeoutMs, description);
  }

  get payloadContext(): PayloadContext {
    return {
      teamId: FAKE_TEAM_ID,
      teamDomain: FAKE_TEAM_DOMAIN,
      appId: FAKE_APP_ID,
      botUserId: FAKE_BOT_USER_ID,
      responseUrl: () => `${this.baseUrl}${RESPONSE_URL_PREFIX}${this.#nextId()}`,
      triggerId: () => {
        const id = `trigger-${this.#nextId()}`;
        this.workspace.triggers.set(id, Date.now());
        return id;
      },
    };
  }

  slashCommandPayload(input: SlashCommandInput): SlashCommandPayload {
    return slashCommandPayload(this.payloadContext, input);
  }

  eventPayload(event: Record<string, unknown>, eventId?: string): EventCallbackPayload {
    return eventCallback(this.payloadContext, event, eventId);
  }

  blockActionsPayload(input: BlockActionInput): Record<string, unknown> {
    return blockActionsPayload(this.payloadContext, input);
  }

  /** Delivers any envelope over Socket Mode and resolves with the app's ack. */
  deliver(type: EnvelopeType, payload: object, options?: DeliverOptions): Promise<EnvelopeAck> {
    return this.#socket.deliver(type, payload, options);
  }

  sendSlashCommand(input: SlashCommandInput, options?: DeliverOptions): Promise<EnvelopeAck> {
    return this.deliver('slash_commands', this.slashCommandPayload(input), options);
  }

  /** Delivers an event; reuse `eventId` with `retryAttempt` ≥ 1 to model Slack redelivering it. */
  async sendEvent(
    event: Record<string, unknown>,
    options: DeliverOptions & { readonly eventId?: string } = {},
  ): Promise<EventDelivery> {
    const payload = this.eventPayload(event, options.eventId);
    const ack = await this.deliver('events_api', payload, options);
    return { ...ack, eventId: payload.event_id };
  }

  sendReaction(input: ReactionInput, options?: DeliverOptions & { readonly eventId?: string }): Promise<EventDelivery> {
    return this.sendEvent(reactionAddedEvent(input), options);
  }

  /** Presses a button on a message the bot posted (its current text and blocks are sent along, as Slack does). */
  sendBlockAction(
    input: Omit<BlockActionInput, 'message'> & { readonly ts: string },
    options?: DeliverOptions,
  ): Promise<EnvelopeAck> {
    const stored = this.workspace.message(input.channel, input.ts);
    const message = {
      type: 'message',
      ts: input.ts,
      user: stored?.user ?? FAKE_BOT_USER_ID,
      text: stored?.text ?? '',
      blocks: stored?.blocks ?? [],
      ...(stored?.threadTs === undefined ? {} : { thread_ts: stored.threadTs }),
    };
    return this.deliver('interactive', this.blockActionsPayload({ ...input, message }), options);
  }

  /** Uses a message shortcut on a message (as stored, its files as full file objects), as Slack's message menu does. */
  sendMessageShortcut(
    input: { readonly callbackId: string; readonly channel: string; readonly ts: string; readonly userId?: string },
    options?: DeliverOptions,
  ): Promise<EnvelopeAck> {
    const stored = this.workspace.message(input.channel, input.ts);
    if (stored === undefined) throw new Error(`no message ${input.ts} in ${input.channel}`);
    const files = stored.fileIds.flatMap((id) => {
      const file = this.workspace.files.get(id);
      return file === undefined ? [] : [fileJson(file, this.#methodContext())];
    });
    const message = {
      type: 'message',
      ts: stored.ts,
      user: stored.user,
      text: stored.text,
      ...(files.length === 0 ? {} : { files, upload: true }),
    };
    const payload = messageShortcutPayload(this.payloadContext, {
      callbackId: input.callbackId,
      channel: input.channel,
      message,
      ...(input.userId === undefined ? {} : { userId: input.userId }),
    });
    return this.deliver('interactive', payload, options);
  }

  /**
   * The user submits a modal the app opened: every input keeps its initial value unless `values`
   * changes it, as in Slack's client; `files` fills file inputs by action id, with uploaded file
   * ids (shown to the app as Slack's file objects) or with file objects as given, to model a forged
   * payload. The envelope's ack is resolved as Slack sees it.
   */
  submitView(
    input: {
      readonly viewId: string;
      readonly values?: Readonly<Record<string, string>>;
      readonly files?: Readonly<Record<string, readonly (string | Readonly<Record<string, unknown>>)[]>>;
      readonly userId?: string;
    },
    options?: DeliverOptions,
  ): Promise<EnvelopeAck> {
    const opened = this.workspace.views.find((view) => view.id === input.viewId);
    if (opened === undefined) throw new Error(`no view ${input.viewId} was opened`);
    if (opened.submitted) throw new Error(`view ${input.viewId} was already submitted`);
    opened.submitted = true;
    const changes = input.values ?? {};
    const values: Record<string, Record<string, { type: string; value?: string | null; files?: unknown[] }>> = {};
    for (const block of (opened.view['blocks'] ?? []) as { type?: string; block_id?: string; element?: { type?: string; action_id?: string; initial_value?: string } }[]) {
      if (block.type === 'input' && block.element?.type === 'file_input') {
        const actionId = block.element.action_id ?? '';
        values[block.block_id ?? ''] = { [actionId]: { type: 'file_input', files: (input.files?.[actionId] ?? []).map((file) => this.#grantFile(file)) } };
        continue;
      }
      if (block.type !== 'input' || block.element?.type !== 'plain_text_input') continue;
      const actionId = block.element.action_id ?? '';
      const value = changes[actionId] ?? block.element.initial_value ?? '';
      values[block.block_id ?? ''] = { [actionId]: { type: 'plain_text_input', value: value === '' ? null : value } };
    }
    const userId = input.userId ?? DEFAULT_USER_ID;
    const payload = {
      type: 'view_submission',
      team: { id: FAKE_TEAM_ID, domain: FAKE_TEAM_DOMAIN },
      user: { id: userId, username: DEFAULT_USER_NAME, name: DEFAULT_USER_NAME, team_id: FAKE_TEAM_ID },
      api_app_id: FAKE_APP_ID,
      token: 'deprecated-verification-token',
      trigger_id: this.payloadContext.triggerId(),
      view: {
        ...opened.view,
        id: opened.id,
        team_id: FAKE_TEAM_ID,
        app_id: FAKE_APP_ID,
        bot_id: this.workspace.botId,
        state: { values },
        hash: `hash-${opened.id}`,
        root_view_id: opened.id,
        previous_view_id: null,
      },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.deliver('interactive', payload, options);
  }

  async close(): Promise<void> {
    await this.#socket.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** A file put into a file input: the app may read it from then on. */
  #grantFile(file: string | Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
    if (typeof file !== 'string') return file;
    const stored = this.workspace.files.get(file);
    if (stored === undefined) throw new Error(`no file ${file} was uploaded`);
    stored.sharedWithApp = true;
    return fileJson(stored, this.#methodContext());
  }

  #nextId(): string {
    this.#counter += 1;
    return String(this.#counter);
  }

  #methodContext(): MethodContext {
    return {
      workspace: this.workspace,
      teamId: FAKE_TEAM_ID,
      teamDomain: FAKE_TEAM_DOMAIN,
      botToken: this.botToken,
      appToken: this.appToken,
      appId: FAKE_APP_ID,
      uploadUrl: (fileId) => `${this.baseUrl}${UPLOAD_PREFIX}${fileId}`,
      fileUrl: (file, download) =>
        `${this.baseUrl}${FILES_PREFIX}${FAKE_TEAM_ID}-${file.id}/${download ? 'download/' : ''}${encodeURIComponent(file.filename)}`,
      socketUrl: () => `ws://127.0.0.1:${this.#port}${SOCKET_PATH}?ticket=${this.#nextId()}`,
      reportShares: this.#reportShares,
    };
  }

  /** A file's bytes, only to the bot token (Slack turns anyone else away) and only if the bot may see the file. */
  #serveFile(path: string, token: string | undefined, record: (status: number, response: Record<string, unknown>) => void, res: ServerResponse): void {
    const fileId = path.slice(FILES_PREFIX.length).split('/')[0]?.replace(`${FAKE_TEAM_ID}-`, '') ?? '';
    const file = this.workspace.files.get(fileId);
    const refuse = (status: number, error: string): void => {
      record(status, { ok: false, error });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(error);
    };
    if (token !== this.botToken) {
      refuse(HTTP_FORBIDDEN, 'not_authed');
      return;
    }
    if (file?.bytes === undefined || !this.workspace.botCanRead(file)) {
      refuse(HTTP_NOT_FOUND, 'file_not_found');
      return;
    }
    record(HTTP_OK, { ok: true, file_id: file.id });
    res.writeHead(HTTP_OK, { 'content-type': file.mimetype ?? 'application/octet-stream', 'content-length': String(file.bytes.byteLength) });
    res.end(file.bytes);
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.baseUrl).pathname;
    const raw = await readBody(req);
    const { args: rawArgs, file } = await parseRequestBody(req.headers['content-type'], raw);
    const { token: argToken, ...args } = rawArgs;
    const token = bearer(req) ?? argToken;
    const at = performance.now() - this.#startedAt;
    const reply = (method: string, status: number, response: Record<string, unknown>, headers: Record<string, string> = {}): void => {
      this.calls.record({
        method,
        args,
        ...(file === undefined ? {} : { file }),
        ...(token === undefined ? {} : { token }),
        response,
        status,
        at,
      });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(response));
    };

    if (path.startsWith(API_PREFIX)) {
      const method = path.slice(API_PREFIX.length);
      const failure = isKnownMethod(method) ? this.#failures.take(method, args) : undefined;
      if (failure !== undefined && 'delayMs' in failure) {
        await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
        reply(method, HTTP_OK, callMethod(method, args, token, this.#methodContext()));
      } else if (failure !== undefined && 'retryAfterSec' in failure) {
        reply(method, HTTP_TOO_MANY_REQUESTS, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfterSec) });
      } else if (failure !== undefined) {
        reply(method, HTTP_OK, { ok: false, error: failure.error });
      } else {
        reply(method, HTTP_OK, callMethod(method, args, token, this.#methodContext()));
      }
      return;
    }
    if (path.startsWith(UPLOAD_PREFIX)) {
      const stored = this.workspace.files.get(path.slice(UPLOAD_PREFIX.length));
      if (stored === undefined || file === undefined) {
        reply('upload', HTTP_NOT_FOUND, { ok: false, error: 'file_not_found' });
        return;
      }
      stored.bytes = file;
      this.calls.record({ method: 'upload', args: { ...args, file_id: stored.id }, file, response: { ok: true }, status: HTTP_OK, at });
      res.writeHead(HTTP_OK, { 'content-type': 'text/plain' });
      res.end(`OK - ${file.byteLength}`);
      return;
    }
    if (path.startsWith(FILES_PREFIX)) {
      this.#serveFile(path, token, (status, response) => this.calls.record({ method: 'file_download', args: { path }, ...(token === undefined ? {} : { token }), response, status, at }), res);
      return;
    }
    if (path.startsWith(RESPONSE_URL_PREFIX)) {
      reply('response_url', HTTP_OK, { ok: true });
      return;
    }
    reply('unknown', HTTP_NOT_FOUND, { ok: false, error: 'not_found' });
  }
}
