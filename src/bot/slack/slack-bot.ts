// The Slack adapter: a Bolt app in Socket Mode (default) or HTTP mode on top of the commands layer
// (handleInvocation, handleAction, replies) and the job service. The only file that builds Bolt
// objects.
import type { Server } from 'node:http';
import { App, HTTPReceiver, LogLevel, webApi, type BlockAction, type ButtonAction, type MessageShortcut, type ViewSubmitAction } from '@slack/bolt';
import { ACTION_ID_VERSION } from '../../commands/action-id.js';
import type { CommandDeps } from '../../commands/command-deps.js';
import type { JobRecord } from '../../commands/job-record.js';
import type { HttpServerLimits } from '../core/http-server-limits.js';
import type { ChatAdapter } from '../core/chat-adapter.js';
import { interruptedReply } from '../core/interrupted-reply.js';
import { LiveJobs } from '../core/live-jobs.js';
import type { NsfwPolicy } from '../core/nsfw-policy.js';
import type { JobIntake } from '../core/run-outcome.js';
import { ChannelAccess, DEFAULT_CHECK_TIMEOUT_MS } from './channel-access.js';
import { DEFAULT_ACK_BUDGET_MS } from './deadline-ack.js';
import { DeliveredFiles } from './delivered-files.js';
import { createEditListener } from './edit-listener.js';
import { EDIT_SHORTCUT_ID, EDIT_VIEW_ID, editCommandPrompt, editSubmission } from './edit-modal.js';
import { createFormSubmitListener } from './form-submit-listener.js';
import { listeningPort, startSlackHttpServer } from './http-mode-server.js';
import { createReactionListener } from './reaction-listener.js';
import { RecentIds } from './recent-ids.js';
import { createResultActionListener } from './result-action-listener.js';
import { renderReply } from './render-reply.js';
import type { SlackConfig } from './slack-config.js';
import { formOrigin, viewValues } from './slack-form.js';
import { boltLoggerFrom, type SlackLogger } from './slack-logger.js';
import { SlackFileDownload } from './slack-file-download.js';
import { requestedBy } from './slack-messages.js';
import { SlackResumer } from './slack-resumer.js';
import type { SlackHandlerDeps } from './slack-target.js';
import { createSlashCommandListener } from './slash-command-listener.js';
import { SlackWorkspaceAdmins } from './workspace-admins.js';

export interface SlackBotOptions {
  readonly config: SlackConfig;
  /** What the commands layer needs (config, settings, job records, queue, limits, admin). */
  readonly commands: CommandDeps;
  /** The job service: submit, attach messages to jobs, cancel. */
  readonly jobs: JobIntake;
  readonly logger: SlackLogger;
  /** Flagged images outside age-restricted channels: Slack cannot blur, so they are withheld either way. */
  readonly nsfwPolicy?: NsfwPolicy;
  /** Time allowed before a holding ack goes out; Slack's hard limit is 3 s. */
  readonly ackBudgetMs?: number;
  readonly accessCheckTimeoutMs?: number;
  /** HTTP mode: the interface to listen on; SLACK_HOST from the config when absent. */
  readonly httpHost?: string;
  /** HTTP mode: header and request timeouts; the defaults are right outside tests. */
  readonly httpLimits?: HttpServerLimits;
  /** Retries of calls that must arrive (results, final edits); previews never retry. */
  readonly retryConfig?: webApi.RetryOptions;
}

/** Final results are worth waiting for: about half an hour of backoff, as the SDK's default. */
const DEFAULT_RETRY_CONFIG: webApi.RetryOptions = webApi.retryPolicies.tenRetriesInAboutThirtyMinutes;
/** How long a user's picture may take to download before it counts as unreadable. */
const FILE_DOWNLOAD_TIMEOUT_MS = 15_000;
/** Every result button id starts with the commands layer's version prefix. */
const RESULT_BUTTON_IDS = new RegExp(`^${ACTION_ID_VERSION}:`);

export class SlackBot implements ChatAdapter {
  readonly platform = 'slack';
  readonly #app: App;
  readonly #live = new LiveJobs();
  /** Takes back the jobs kept across a restart, in the messages that showed them. */
  readonly resumer: SlackResumer;
  /** HTTP mode only: Bolt's receiver, served by a server of our own (see http-mode-server.ts). */
  readonly #receiver: HTTPReceiver | undefined;
  readonly #options: SlackBotOptions;
  #botUserId = '';
  #server: Server | undefined;

  constructor(options: SlackBotOptions) {
    this.#options = options;
    const { config, commands, jobs, logger } = options;
    const boltLogger = boltLoggerFrom(logger);
    const clientOptions: webApi.WebClientOptions = {
      ...(config.apiUrl === undefined ? {} : { slackApiUrl: config.apiUrl }),
      retryConfig: options.retryConfig ?? DEFAULT_RETRY_CONFIG,
    };
    const common = { token: config.botToken, logger: boltLogger, logLevel: LogLevel.INFO, clientOptions, ignoreSelf: true };
    this.#receiver =
      config.connection.mode === 'http'
        ? new HTTPReceiver({ signingSecret: config.connection.signingSecret, logger: boltLogger })
        : undefined;
    this.#app =
      config.connection.mode === 'socket'
        ? new App({ ...common, socketMode: true, appToken: config.connection.appToken })
        : new App({ ...common, receiver: this.#receiver });

    const client = this.#app.client;
    const previewClient = new webApi.WebClient(config.botToken, {
      ...clientOptions,
      logger: boltLogger,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    const files = new DeliveredFiles();
    const botUserId = (): string => this.#botUserId;
    const shared: SlackHandlerDeps = {
      // Workspace admins and owners may change the workspace's defaults; asked without retries, so a failure refuses at once.
      commands: { ...commands, serverManagers: new SlackWorkspaceAdmins(previewClient, logger) },
      jobs,
      client,
      logger,
      files,
      editIntervalMs: config.editIntervalMs,
      nsfwPolicy: options.nsfwPolicy ?? 'spoiler',
      live: this.#live,
      surface: { client, previewClient, files, logger, resultsInThread: config.resultsInThread, botUserId },
      access: new ChannelAccess(client, options.accessCheckTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS),
      botUserId,
    };

    this.resumer = new SlackResumer(shared);
    const onCommand = createSlashCommandListener({ ...shared, ackBudgetMs: options.ackBudgetMs ?? DEFAULT_ACK_BUDGET_MS });
    const onReaction = createReactionListener({ ...shared, seenEvents: new RecentIds() });
    const onButton = createResultActionListener(shared);
    const onFormSubmit = createFormSubmitListener(shared);
    const edit = createEditListener({
      ...shared,
      command: config.command,
      download: new SlackFileDownload(client, logger, {
        botToken: config.botToken,
        ...(config.apiUrl === undefined ? {} : { apiUrl: config.apiUrl }),
        maxBytes: commands.config.initImage.maxBytes,
        timeoutMs: FILE_DOWNLOAD_TIMEOUT_MS,
      }),
    });
    // A signed request replayed within its 5 minutes carries the same trigger_id: run it once.
    const seenTriggers = new RecentIds();

    this.#app.command(config.command, async ({ command, ack }) => {
      if (seenTriggers.seen(command.trigger_id)) {
        logger.warn({ triggerId: command.trigger_id }, 'slack: replayed slash command ignored');
        await ack();
        return;
      }
      const editPrompt = editCommandPrompt(command.text);
      if (editPrompt !== undefined) {
        await ack();
        await edit.openUpload({
          triggerId: command.trigger_id,
          channelId: command.channel_id,
          channelName: command.channel_name,
          userId: command.user_id,
          prompt: editPrompt,
        });
        return;
      }
      await onCommand({ command, ack });
    });
    this.#app.shortcut<MessageShortcut>({ type: 'message_action', callback_id: EDIT_SHORTCUT_ID }, async ({ ack, shortcut }) => {
      await ack();
      await edit.openForMessage({
        triggerId: shortcut.trigger_id,
        channelId: shortcut.channel.id,
        channelName: shortcut.channel.name,
        userId: shortcut.user.id,
        message: shortcut.message,
      });
    });
    this.#app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: EDIT_VIEW_ID }, async ({ ack, body, view }) => {
      await ack();
      const submission = editSubmission(view);
      if (submission === undefined) {
        logger.warn({ callbackId: view.callback_id }, 'slack: a submitted edit form named no channel');
        return;
      }
      await edit.submit({ ...submission, userId: body.user.id, ...(body.team?.id === undefined ? {} : { teamId: body.team.id }) });
    });
    this.#app.event('reaction_added', async ({ event, body }) => onReaction({ event, body }));
    const buttons = { type: 'block_actions', action_id: RESULT_BUTTON_IDS } as const;
    this.#app.action<BlockAction<ButtonAction>>(buttons, async ({ ack, body, action }) => {
      await ack();
      await onButton({
        actionId: action.action_id,
        ...(action.value === undefined ? {} : { value: action.value }),
        userId: body.user.id,
        ...(body.team?.id === undefined ? {} : { teamId: body.team.id }),
        channelId: body.channel?.id ?? String(body.container.channel_id ?? ''),
        triggerId: body.trigger_id,
      });
    });
    const forms = { type: 'view_submission', callback_id: RESULT_BUTTON_IDS } as const;
    this.#app.view<ViewSubmitAction>(forms, async ({ ack, body, view }) => {
      await ack();
      const origin = formOrigin(view.private_metadata);
      if (origin === undefined) {
        logger.warn({ callbackId: view.callback_id }, 'slack: a submitted form named no channel');
        return;
      }
      await onFormSubmit({
        callbackId: view.callback_id,
        values: viewValues(view.state),
        userId: body.user.id,
        ...(body.team?.id === undefined ? {} : { teamId: body.team.id }),
        channelId: origin.channelId,
      });
    });
    // A failing listener must never take the process down; log it and carry on.
    this.#app.error(async (error) => {
      logger.error({ err: error }, 'slack: unhandled listener error');
    });
  }

  /** The port HTTP mode listens on, once started. */
  get httpPort(): number | undefined {
    return this.#server === undefined ? undefined : listeningPort(this.#server);
  }

  /** Checks the bot token (fails loudly if Slack rejects it), then connects or starts listening. */
  async start(): Promise<void> {
    const auth = await this.#app.client.auth.test();
    this.#botUserId = auth.user_id ?? '';
    const { connection } = this.#options.config;
    if (connection.mode === 'socket' || this.#receiver === undefined) {
      await this.#app.start();
    } else {
      this.#server = await startSlackHttpServer({
        boltListener: this.#receiver.requestListener,
        host: this.#options.httpHost ?? connection.host,
        port: connection.port,
        ...(this.#options.httpLimits === undefined ? {} : { limits: this.#options.httpLimits }),
      });
    }
    this.#options.logger.info({ mode: connection.mode, command: this.#options.config.command }, 'slack: ready');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) {
      await this.#app.stop();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  }

  /** Resolves when every job this adapter showed has its final state in Slack. */
  idle(): Promise<void> {
    return this.#live.idle();
  }

  async markInterrupted(record: JobRecord): Promise<void> {
    const message = renderReply(interruptedReply(record), { footer: requestedBy(record.requester.userId) });
    for (const ref of record.messages) {
      if (ref.platform !== 'slack') continue;
      await this.#app.client.chat.update({ channel: ref.channelId, ts: ref.messageId, text: message.text, blocks: [...message.blocks] });
    }
  }
}
