// Finds a job's result files that an earlier bot process shared before it stopped, so a restarted
// bot completes that delivery instead of uploading the images a second time. Slack alone knows
// (no channel history scope is needed): files.list gives the bot's images in the channel since the
// job's message was posted, and files.info says where each is shared. A result file is named by
// its seed (`imagine-<seed>.png`) and, with results in threads, shared in the job message's thread.
import type { webApi } from '@slack/bolt';
import type { UploadedFiles } from './uploaded-files.js';

export interface EarlierUploadQuery {
  readonly channelId: string;
  /** The job's own message: results are shared after it (and, in threads, under it). */
  readonly jobTs: string;
  readonly botUserId: string;
  readonly filenames: readonly string[];
  readonly inThread: boolean;
}

/** Slack's page size; newest first, so a result shared just before its bot died is on it. */
const LISTED_FILES = 100;

interface FileShare {
  readonly ts?: unknown;
  readonly thread_ts?: unknown;
}

type Shares = Readonly<Record<string, Readonly<Record<string, readonly FileShare[] | undefined>> | undefined>>;

/** The files of this job already shared where its result goes, or undefined when there are none. */
export async function findEarlierUpload(client: webApi.WebClient, query: EarlierUploadQuery): Promise<UploadedFiles | undefined> {
  const wanted = new Set(query.filenames);
  const listed = await client.files.list({
    channel: query.channelId,
    user: query.botUserId,
    ts_from: String(Math.floor(Number(query.jobTs))),
    types: 'images',
    count: LISTED_FILES,
  });
  const fileIds: string[] = [];
  const shareTs = new Set<string>();
  for (const file of listed.files ?? []) {
    if (file.id === undefined || file.name === undefined || !wanted.has(file.name)) continue;
    // files.list may leave `shares` out; files.info always says where a file is shared.
    const info = await client.files.info({ file: file.id });
    const shares = sharesIn(info.file?.shares as Shares | undefined, query);
    if (shares.length === 0) continue;
    fileIds.push(file.id);
    for (const ts of shares) shareTs.add(ts);
  }
  return fileIds.length === 0 ? undefined : { fileIds, shareTs: [...shareTs] };
}

/** The ts of the messages sharing a file where this job's result goes. */
function sharesIn(shares: Shares | undefined, query: EarlierUploadQuery): string[] {
  const found: string[] = [];
  for (const byChannel of Object.values(shares ?? {})) {
    for (const share of byChannel?.[query.channelId] ?? []) {
      if (typeof share.ts !== 'string') continue;
      const belongs = query.inThread ? share.thread_ts === query.jobTs : Number(share.ts) > Number(query.jobTs);
      if (belongs) found.push(share.ts);
    }
  }
  return found;
}
