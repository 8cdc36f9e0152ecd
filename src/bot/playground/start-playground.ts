// Starts the playground: the channel (restored from its last run when a history store is given),
// the adapter, and the token-guarded server. The composition root calls this when no chat
// platform is configured, or with --playground next to them.
import type { CommandDeps } from '../../commands/command-deps.js';
import type { Logger } from '../core/logger.js';
import type { NsfwPolicy } from '../core/nsfw-policy.js';
import { AccessToken } from './access-token.js';
import type { ChannelHistoryStore } from './channel-history-store.js';
import { reviveMessages, saveChannelOnChange } from './channel-persistence.js';
import type { ChannelSaver } from './channel-persistence.js';
import { MemoryImageStore } from './image-store.js';
import type { PlaygroundImageStore } from './image-store.js';
import { PlaygroundAdapter } from './playground-adapter.js';
import type { PlaygroundJobs } from './playground-adapter.js';
import { PlaygroundChannel } from './playground-channel.js';
import type { PlaygroundConfig } from './playground-config.js';
import { PlaygroundResumer } from './playground-resumer.js';
import { PlaygroundServer } from './playground-server.js';
import type { ConversationResumer } from '../core/ports/conversation-resumer.js';

export interface StartPlaygroundOptions {
  readonly config: PlaygroundConfig;
  readonly commands: CommandDeps;
  readonly jobs: PlaygroundJobs;
  readonly logger: Logger;
  /** Where shown PNGs are kept: in memory when absent; a FileImageStore keeps them across restarts. */
  readonly images?: PlaygroundImageStore;
  /** Where the channel is saved between starts; not saved when absent. */
  readonly history?: ChannelHistoryStore;
  readonly nsfwPolicy?: NsfwPolicy;
  /** A fresh random token when absent (the normal case). */
  readonly token?: AccessToken;
  /**
   * Where the start-up URL, token included, is printed once for the operator: standard error by
   * default. Never the JSON logs, which are shipped and kept where others can read them.
   */
  readonly announce?: (line: string) => void;
}

const printToStderr = (line: string): void => void process.stderr.write(`${line}\n`);

export interface RunningPlayground {
  /** The start-up URL, token included. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly channel: PlaygroundChannel;
  readonly adapter: PlaygroundAdapter;
  /** Brings jobs kept across a restart back to their messages (give it to the job service). */
  readonly resumer: ConversationResumer;
  /** Stops serving and saves the channel. */
  close(): Promise<void>;
}

export async function startPlayground(options: StartPlaygroundOptions): Promise<RunningPlayground> {
  const { config, logger } = options;
  const images = options.images ?? new MemoryImageStore(config.imageLimit);
  const saved = options.history === undefined ? [] : await options.history.load();
  // Unfinished jobs may resume (the job service says which); until then their messages stay as they were.
  const pending = saved.filter((message) => message.tone === 'pending' && message.jobId !== undefined);
  const channel = new PlaygroundChannel(
    { historyLimit: config.historyLimit },
    reviveMessages(saved, new Set(pending.flatMap((message) => (message.jobId === undefined ? [] : [message.jobId])))),
  );
  const saver: ChannelSaver | undefined =
    options.history === undefined ? undefined : saveChannelOnChange(channel, options.history, { logger });
  const adapter = new PlaygroundAdapter({
    channel,
    images,
    commands: options.commands,
    jobs: options.jobs,
    logger,
    editIntervalMs: config.editIntervalMs,
    ...(options.nsfwPolicy === undefined ? {} : { nsfwPolicy: options.nsfwPolicy }),
  });
  const server = await PlaygroundServer.start({
    host: config.host,
    port: config.port,
    token: options.token ?? AccessToken.generate(),
    channel,
    images,
    onClientMessage: (message) => adapter.receive(message),
    logger,
  });
  (options.announce ?? printToStderr)(`\nPlayground: ${server.url}\n`);
  logger.info({ origin: server.origin }, 'Playground ready: its URL with the access token is printed on standard error');
  return {
    url: server.url,
    origin: server.origin,
    port: server.port,
    channel,
    adapter,
    resumer: new PlaygroundResumer(
      {
        channel,
        images,
        jobs: options.jobs,
        logger,
        editIntervalMs: config.editIntervalMs,
        ...(options.nsfwPolicy === undefined ? {} : { nsfwPolicy: options.nsfwPolicy }),
      },
      pending.map((message) => message.id),
    ),
    async close() {
      await server.close();
      await saver?.close();
    },
  };
}
