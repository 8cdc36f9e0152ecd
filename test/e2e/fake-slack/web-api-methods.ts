// The Web API methods the bot uses, answered from a FakeWorkspace the way Slack answers them.
import type { FakeFile, FakeMessage, FakeUser, FakeWorkspace } from './fake-workspace.js';

export type Args = Readonly<Record<string, string>>;
export type ApiBody = Record<string, unknown>;

/** What the fake needs to build absolute URLs and check tokens. */
export interface MethodContext {
  readonly workspace: FakeWorkspace;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly appId: string;
  readonly uploadUrl: (fileId: string) => string;
  /** Where a stored file is served (Slack's url_private_download), to the bot token only. */
  readonly fileUrl: (file: FakeFile, download: boolean) => string;
  readonly socketUrl: () => string;
  /** Whether files.completeUploadExternal reports `shares`; real Slack may fill them in later. */
  readonly reportShares: boolean;
}

type Handler = (args: Args, ctx: MethodContext) => ApiBody;

const fail = (error: string): ApiBody => ({ ok: false, error });

/** A trigger id opens a view only within 3 s of the interaction that carried it. */
const TRIGGER_LIFETIME_MS = 3000;
/** Slack's limits on a modal view. */
const MAX_VIEW_TITLE = 24;
const MAX_VIEW_BLOCKS = 100;
const MAX_CALLBACK_ID = 255;
const MAX_PRIVATE_METADATA = 3000;
const MAX_TEXT_INPUT = 3000;

/** Why Slack would refuse the view (invalid_arguments), or undefined. */
function viewProblem(view: Record<string, unknown> | undefined): string | undefined {
  if (view?.['type'] !== 'modal') return 'type must be modal';
  const title = (view['title'] as { text?: string } | undefined)?.text ?? '';
  if (title === '' || title.length > MAX_VIEW_TITLE) return 'title';
  const submit = (view['submit'] as { text?: string } | undefined)?.text;
  if (submit !== undefined && submit.length > MAX_VIEW_TITLE) return 'submit';
  if (String(view['callback_id'] ?? '').length > MAX_CALLBACK_ID) return 'callback_id';
  if (String(view['private_metadata'] ?? '').length > MAX_PRIVATE_METADATA) return 'private_metadata';
  const blocks = view['blocks'];
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > MAX_VIEW_BLOCKS) return 'blocks';
  for (const block of blocks as { type?: string; block_id?: string; element?: { type?: string; max_length?: number; initial_value?: string } }[]) {
    if (block.type !== 'input') continue;
    const element = block.element;
    if (element?.type !== 'plain_text_input') continue;
    const max = element.max_length ?? MAX_TEXT_INPUT;
    if (max > MAX_TEXT_INPUT || (element.initial_value ?? '').length > max) return `blocks.${block.block_id ?? ''}.element`;
  }
  return undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseBlocks(text: string | undefined): unknown[] {
  const parsed = parseJson(text);
  return Array.isArray(parsed) ? parsed : [];
}

function messageJson(m: FakeMessage): ApiBody {
  return {
    type: 'message',
    ts: m.ts,
    user: m.user,
    ...(m.botId === undefined ? {} : { bot_id: m.botId }),
    ...(m.threadTs === undefined ? {} : { thread_ts: m.threadTs }),
    text: m.text,
    blocks: m.blocks,
    ...(m.fileIds.length === 0 ? {} : { files: m.fileIds.map((id) => ({ id })) }),
  };
}

/** A file object as Slack's API shows it. */
export function fileJson(file: FakeFile, ctx: MethodContext): ApiBody {
  const shares: Record<string, Record<string, { ts: string; thread_ts?: string }[]>> = {};
  if (ctx.reportShares) {
    for (const share of file.shares) {
      const kind = ctx.workspace.channels.get(share.channel)?.kind === 'public' ? 'public' : 'private';
      const byChannel = shares[kind] ?? {};
      shares[kind] = byChannel;
      const entry = { ts: share.ts, ...(share.threadTs === undefined ? {} : { thread_ts: share.threadTs }) };
      byChannel[share.channel] = [...(byChannel[share.channel] ?? []), entry];
    }
  }
  return {
    id: file.id,
    name: file.filename,
    title: file.title,
    mimetype: file.mimetype ?? (file.filename.endsWith('.png') ? 'image/png' : 'application/octet-stream'),
    filetype: file.filename.split('.').at(-1) ?? '',
    ...(file.user === undefined ? {} : { user: file.user }),
    created: file.created,
    size: file.bytes?.byteLength ?? 0,
    url_private: ctx.fileUrl(file, false),
    url_private_download: ctx.fileUrl(file, true),
    shares,
  };
}

function channelJson(ctx: MethodContext, id: string): ApiBody {
  const channel = ctx.workspace.channels.get(id);
  if (channel === undefined) return {};
  return {
    id: channel.id,
    name: channel.name,
    is_channel: channel.kind !== 'im',
    is_group: false,
    is_im: channel.kind === 'im',
    is_private: channel.kind !== 'public',
    is_member: channel.botIsMember,
  };
}

/** users.info's `user`, with the fields Slack always sends for a person. */
function userJson(user: FakeUser, ctx: MethodContext): ApiBody {
  return {
    id: user.id,
    team_id: user.teamId ?? ctx.teamId,
    name: user.name,
    deleted: user.deleted ?? false,
    real_name: user.name,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile: { real_name: user.name, display_name: user.name, team: user.teamId ?? ctx.teamId },
    is_admin: user.isAdmin ?? false,
    is_owner: user.isOwner ?? false,
    is_primary_owner: user.isPrimaryOwner ?? false,
    is_restricted: user.guest !== undefined,
    is_ultra_restricted: user.guest === 'single',
    is_bot: false,
    is_app_user: false,
    updated: 1_700_000_000,
  };
}

function botUserJson(ctx: MethodContext): ApiBody {
  return {
    id: ctx.workspace.botUserId,
    team_id: ctx.teamId,
    name: 'imagine',
    deleted: false,
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: true,
    is_app_user: false,
    profile: { bot_id: ctx.workspace.botId, real_name: 'imagine' },
    updated: 1_700_000_000,
  };
}

const handlers: Record<string, Handler> = {
  'auth.test': (_args, ctx) => ({
    ok: true,
    url: `https://${ctx.teamDomain}.slack.com/`,
    team: ctx.teamDomain,
    user: 'imagine',
    team_id: ctx.teamId,
    user_id: ctx.workspace.botUserId,
    bot_id: ctx.workspace.botId,
    is_enterprise_install: false,
  }),

  'apps.connections.open': (_args, ctx) => ({ ok: true, url: ctx.socketUrl() }),

  'users.info': (args, ctx) => {
    const id = args.user ?? '';
    if (id === '') return fail('user_not_found');
    if (id === ctx.workspace.botUserId) return { ok: true, user: botUserJson(ctx) };
    const user = ctx.workspace.users.get(id);
    return user === undefined ? fail('user_not_found') : { ok: true, user: userJson(user, ctx) };
  },

  'conversations.info': (args, ctx) => {
    const channel = args.channel ?? '';
    const error = ctx.workspace.visibilityError(channel);
    return error === undefined ? { ok: true, channel: channelJson(ctx, channel) } : fail(error);
  },

  'chat.postMessage': (args, ctx) => {
    const channel = args.channel ?? '';
    const blocks = parseBlocks(args.blocks);
    if ((args.text ?? '') === '' && blocks.length === 0) return fail('no_text');
    const error = ctx.workspace.postingError(channel);
    if (error !== undefined) return fail(error);
    const threadTs = args.thread_ts;
    if (threadTs !== undefined && ctx.workspace.message(channel, threadTs) === undefined) return fail('thread_not_found');
    const message = ctx.workspace.postBotMessage({
      channel,
      text: args.text ?? '',
      blocks,
      ...(threadTs === undefined ? {} : { threadTs }),
    });
    return { ok: true, channel, ts: message.ts, message: messageJson(message) };
  },

  'chat.update': (args, ctx) => {
    const channel = args.channel ?? '';
    const error = ctx.workspace.visibilityError(channel);
    if (error !== undefined) return fail(error);
    const message = ctx.workspace.message(channel, args.ts ?? '');
    if (message === undefined) return fail('message_not_found');
    if (message.user !== ctx.workspace.botUserId) return fail('cant_update_message');
    if (args.text !== undefined) message.text = args.text;
    if (args.blocks !== undefined) message.blocks = parseBlocks(args.blocks);
    message.edits += 1;
    return { ok: true, channel, ts: message.ts, text: message.text, message: messageJson(message) };
  },

  'chat.delete': (args, ctx) => {
    const channel = args.channel ?? '';
    const message = ctx.workspace.message(channel, args.ts ?? '');
    if (message === undefined) return fail('message_not_found');
    if (message.user !== ctx.workspace.botUserId) return fail('cant_delete_message');
    message.deleted = true;
    return { ok: true, channel, ts: message.ts };
  },

  'chat.postEphemeral': (args, ctx) => {
    const channel = args.channel ?? '';
    const user = args.user ?? '';
    if (user === '') return fail('user_not_in_channel');
    const error = ctx.workspace.postingError(channel);
    if (error !== undefined) return fail(error);
    ctx.workspace.ephemerals.push({ channel, user, text: args.text ?? '', blocks: parseBlocks(args.blocks) });
    return { ok: true, message_ts: ctx.workspace.nextTs() };
  },

  'reactions.add': (args, ctx) => {
    const message = ctx.workspace.message(args.channel ?? '', args.timestamp ?? '');
    if (message === undefined) return fail('message_not_found');
    const name = args.name ?? '';
    const reaction = message.reactions.find((r) => r.name === name);
    if (reaction?.users.includes(ctx.workspace.botUserId) === true) return fail('already_reacted');
    if (reaction === undefined) message.reactions.push({ name, users: [ctx.workspace.botUserId] });
    else reaction.users.push(ctx.workspace.botUserId);
    return { ok: true };
  },

  'files.getUploadURLExternal': (args, ctx) => {
    const filename = args.filename ?? '';
    const length = Number(args.length);
    if (filename === '') return fail('invalid_arguments');
    if (!Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
    const id = ctx.workspace.nextFileId();
    ctx.workspace.files.set(id, {
      id,
      filename,
      declaredLength: length,
      ...(args.alt_text === undefined ? {} : { altText: args.alt_text }),
      title: filename,
      completed: false,
      shares: [],
      created: Math.floor(Date.now() / 1000),
    });
    return { ok: true, upload_url: ctx.uploadUrl(id), file_id: id };
  },

  'files.completeUploadExternal': (args, ctx) => {
    const listed = parseJson(args.files);
    if (!Array.isArray(listed) || listed.length === 0) return fail('invalid_arguments');
    const files: FakeFile[] = [];
    for (const entry of listed as { id?: unknown; title?: unknown }[]) {
      const file = typeof entry.id === 'string' ? ctx.workspace.files.get(entry.id) : undefined;
      if (file?.bytes === undefined) return fail('file_not_found');
      if (typeof entry.title === 'string') file.title = entry.title;
      files.push(file);
    }
    const channel = args.channel_id;
    if (channel !== undefined) {
      const error = ctx.workspace.postingError(channel);
      if (error !== undefined) return fail(error);
      const threadTs = args.thread_ts;
      const message = ctx.workspace.postBotMessage({
        channel,
        text: args.initial_comment ?? '',
        blocks: args.initial_comment === undefined ? parseBlocks(args.blocks) : [],
        ...(threadTs === undefined ? {} : { threadTs }),
        fileIds: files.map((f) => f.id),
      });
      for (const file of files) file.shares.push({ channel, ts: message.ts, ...(threadTs === undefined ? {} : { threadTs }) });
    }
    for (const file of files) file.completed = true;
    return { ok: true, files: files.map((f) => fileJson(f, ctx)) };
  },

  'views.open': (args, ctx) => {
    const triggerId = args.trigger_id ?? '';
    const issuedAt = ctx.workspace.triggers.get(triggerId);
    if (issuedAt === undefined) return fail('invalid_trigger_id');
    ctx.workspace.triggers.delete(triggerId);
    if (Date.now() - issuedAt > TRIGGER_LIFETIME_MS) return fail('expired_trigger_id');
    const view = parseJson(args.view) as Record<string, unknown> | undefined;
    const problem = viewProblem(view);
    if (view === undefined || problem !== undefined) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [problem ?? 'view'] } };
    const id = `V${String(ctx.workspace.views.length + 1).padStart(8, '0')}`;
    ctx.workspace.views.push({ id, triggerId, view, submitted: false });
    return { ok: true, view: { ...view, id, team_id: ctx.teamId, app_id: ctx.appId, state: { values: {} }, hash: `hash-${id}` } };
  },

  // Slack lists completed files only, newest first, filtered by where they are shared, who uploaded
  // them, when (Unix seconds, inclusive) and type; `count` per page.
  'files.list': (args, ctx) => {
    const channel = args.channel;
    const from = Number(args.ts_from ?? 0);
    const types = (args.types ?? 'all').split(',');
    const listed = [...ctx.workspace.files.values()]
      .filter((file) => file.completed && file.created >= from)
      .filter((file) => args.user === undefined || (file.user ?? ctx.workspace.botUserId) === args.user)
      .filter((file) => channel === undefined || file.shares.some((share) => share.channel === channel))
      .filter((file) => types.includes('all') || (types.includes('images') && (fileJson(file, ctx)['mimetype'] as string).startsWith('image/')))
      .filter((file) => ctx.workspace.botCanRead(file))
      .reverse();
    const count = Number(args.count ?? 100);
    return { ok: true, files: listed.slice(0, count).map((file) => fileJson(file, ctx)), paging: { count, total: listed.length, page: 1, pages: Math.max(1, Math.ceil(listed.length / count)) } };
  },

  'files.info': (args, ctx) => {
    const file = ctx.workspace.files.get(args.file ?? '');
    if (file === undefined || !ctx.workspace.botCanRead(file)) return fail('file_not_found');
    return { ok: true, file: fileJson(file, ctx) };
  },

  'files.delete': (args, ctx) => {
    const file = ctx.workspace.files.get(args.file ?? '');
    if (file === undefined) return fail('file_not_found');
    ctx.workspace.files.delete(file.id);
    for (const share of file.shares) {
      const message = ctx.workspace.message(share.channel, share.ts);
      if (message !== undefined) message.deleted = true;
    }
    return { ok: true };
  },
};

export function isKnownMethod(method: string): boolean {
  return Object.hasOwn(handlers, method);
}

/** Answers one call; token checks mirror Slack's (an app-level token only opens connections). */
export function callMethod(method: string, args: Args, token: string | undefined, ctx: MethodContext): ApiBody {
  const handler = handlers[method];
  if (handler === undefined) return fail('unknown_method');
  if (token === undefined || token === '') return fail('not_authed');
  const expected = method === 'apps.connections.open' ? ctx.appToken : ctx.botToken;
  if (token !== expected) return fail(method === 'apps.connections.open' ? 'not_allowed_token_type' : 'invalid_auth');
  return handler(args, ctx);
}
