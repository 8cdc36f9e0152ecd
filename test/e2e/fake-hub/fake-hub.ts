// A local stand-in for the Hugging Face Hub, speaking the calls @huggingface/hub makes to fetch
// a model: the tree listing (paginated with Link headers) and resolve URLs with Range support.
// Faults can be injected per file: a connection cut mid-transfer, corrupted bytes, Range ignored.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HubFile } from './hub-files.js';

export interface FakeRepo {
  readonly id: string;
  readonly files: readonly HubFile[];
  /** Served for 'main' and for this commit id, which 'main' resolves to. */
  readonly commit?: string;
}

export interface FakeHubOptions {
  readonly repos: readonly FakeRepo[];
  /** Every request must carry `Authorization: Bearer <token>`. */
  readonly requireToken?: string;
  /** Entries per tree page; small values exercise the client's pagination. */
  readonly pageSize?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly range?: string;
  readonly authorization?: string;
}

export interface FakeHub {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The next `times` transfers of `path` stop after `afterBytes` bytes of body, with the socket destroyed. */
  cutConnection(path: string, afterBytes: number, times?: number): void;
  /** Serves `path` with one byte flipped, while the listing keeps the true hash. */
  corrupt(path: string): void;
  /** Answers Range requests for `path` with the whole file and 200, like a server without resume. */
  ignoreRange(path: string): void;
  /** Holds every download of `path` (not size probes) until the returned function is called. */
  hold(path: string): () => void;
  /** Downloads (not size probes) served per file path. */
  transfers(path: string): RecordedRequest[];
  close(): Promise<void>;
}

/** The commit every repo's 'main' resolves to unless the repo names its own. */
export const FAKE_HUB_COMMIT = '0123456789abcdef0123456789abcdef01234567';
const DEFAULT_COMMIT = FAKE_HUB_COMMIT;
const DEFAULT_PAGE_SIZE = 1000;
const PROBE_RANGE = 'bytes=0-0';
const CORRUPT_BYTE_MASK = 0xff;

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function notFound(response: ServerResponse, code: string, message: string): void {
  json(response, 404, { error: message }, { 'x-error-code': code });
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return 'invalid';
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start > end || start >= size ? 'invalid' : { start, end };
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const requests: RecordedRequest[] = [];
  const cuts = new Map<string, { afterBytes: number; times: number }>();
  const corrupted = new Set<string>();
  const rangeIgnored = new Set<string>();
  const held = new Map<string, Promise<void>>();
  const repos = new Map(options.repos.map((repo) => [repo.id, repo]));
  let url = '';

  function findRepo(owner: string, name: string, revision: string, response: ServerResponse): FakeRepo | undefined {
    const repo = repos.get(`${owner}/${name}`);
    if (repo === undefined) {
      notFound(response, 'RepoNotFound', `Repository ${owner}/${name} not found`);
      return undefined;
    }
    if (revision !== 'main' && revision !== (repo.commit ?? DEFAULT_COMMIT)) {
      notFound(response, 'RevisionNotFound', `Invalid rev id: ${revision}`);
      return undefined;
    }
    return repo;
  }

  function tree(request: URL, owner: string, name: string, revision: string, folder: string, response: ServerResponse): void {
    const repo = findRepo(owner, name, revision, response);
    if (repo === undefined) return;
    const recursive = request.searchParams.get('recursive') === 'true';
    const prefix = folder === '' ? '' : `${folder}/`;
    const entries: Array<Record<string, unknown>> = [];
    const directories = new Set<string>();
    for (const file of repo.files) {
      if (!file.path.startsWith(prefix)) continue;
      const rest = file.path.slice(prefix.length).split('/');
      // Directories along the way, as the Hub lists them.
      for (let depth = 1; depth < rest.length && (recursive || depth === 1); depth++) {
        const dir = prefix + rest.slice(0, depth).join('/');
        if (!directories.has(dir)) {
          directories.add(dir);
          entries.push({ type: 'directory', oid: DEFAULT_COMMIT, size: 0, path: dir });
        }
      }
      if (!recursive && rest.length > 1) continue;
      entries.push({
        type: 'file',
        oid: file.gitOid,
        size: file.data.length,
        path: file.path,
        ...(file.lfs ? { lfs: { oid: file.lfs.sha256, size: file.data.length, pointerSize: file.lfs.pointerSize } } : {}),
      });
    }
    if (folder !== '' && entries.length === 0) {
      notFound(response, 'EntryNotFound', `${folder} does not exist on "${revision}"`);
      return;
    }
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const cursor = Number(request.searchParams.get('cursor') ?? '0');
    const page = entries.slice(cursor, cursor + pageSize);
    const headers: Record<string, string> = {};
    if (cursor + pageSize < entries.length) {
      const next = new URL(request.href);
      next.searchParams.set('cursor', String(cursor + pageSize));
      headers['link'] = `<${url}${next.pathname}${next.search}>; rel="next"`;
    }
    json(response, 200, page, headers);
  }

  function resolve(request: IncomingMessage, owner: string, name: string, revision: string, path: string, response: ServerResponse): void {
    const repo = findRepo(owner, name, revision, response);
    if (repo === undefined) return;
    const file = repo.files.find((candidate) => candidate.path === path);
    if (file === undefined) {
      notFound(response, 'EntryNotFound', `${path} does not exist on "${revision}"`);
      return;
    }
    let data = file.data;
    if (corrupted.has(path)) {
      data = Uint8Array.from(file.data);
      const middle = Math.floor(data.length / 2);
      data[middle] = (data[middle] ?? 0) ^ CORRUPT_BYTE_MASK;
    }
    const etag = `"${file.lfs?.sha256 ?? file.gitOid}"`;
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag,
      'x-repo-commit': repo.commit ?? DEFAULT_COMMIT,
      ...(file.lfs ? { 'x-linked-etag': etag, 'x-linked-size': String(data.length) } : {}),
    };
    const rangeHeader = request.headers.range;
    const range = rangeIgnored.has(path) && rangeHeader !== PROBE_RANGE ? undefined : parseRange(rangeHeader, data.length);
    if (range === 'invalid') {
      response.writeHead(416, { 'content-range': `bytes */${data.length}` });
      response.end();
      return;
    }
    const body = range === undefined ? data : data.subarray(range.start, range.end + 1);
    const status = range === undefined ? 200 : 206;
    response.writeHead(status, {
      ...headers,
      'content-length': String(body.length),
      ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${data.length}` } : {}),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const gate = rangeHeader === PROBE_RANGE ? undefined : held.get(path);
    if (gate !== undefined) {
      void gate.then(() => response.end(body));
      return;
    }
    const cut = cuts.get(path);
    if (cut !== undefined && cut.times > 0 && rangeHeader !== PROBE_RANGE && body.length > cut.afterBytes) {
      cut.times--;
      response.write(body.subarray(0, cut.afterBytes), () => setImmediate(() => response.socket?.destroy()));
      return;
    }
    response.end(body);
  }

  const server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://fake-hub.invalid');
    const path = decodeURIComponent(target.pathname);
    const authorization = request.headers.authorization;
    requests.push({
      method: request.method ?? 'GET',
      path,
      ...(request.headers.range !== undefined ? { range: request.headers.range } : {}),
      ...(authorization !== undefined ? { authorization } : {}),
    });
    if (options.requireToken !== undefined && authorization !== `Bearer ${options.requireToken}`) {
      json(response, 401, { error: 'Invalid credentials in Authorization header' });
      return;
    }
    const treeMatch = /^\/api\/models\/([^/]+)\/([^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (treeMatch && request.method === 'GET') {
      tree(target, treeMatch[1] ?? '', treeMatch[2] ?? '', treeMatch[3] ?? '', treeMatch[4] ?? '', response);
      return;
    }
    const revisionMatch = /^\/api\/models\/([^/]+)\/([^/]+)\/revision\/([^/]+)$/.exec(path);
    if (revisionMatch && request.method === 'GET') {
      const repo = findRepo(revisionMatch[1] ?? '', revisionMatch[2] ?? '', revisionMatch[3] ?? '', response);
      if (repo !== undefined) json(response, 200, { id: repo.id, sha: repo.commit ?? DEFAULT_COMMIT });
      return;
    }
    const resolveMatch = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolveMatch && (request.method === 'GET' || request.method === 'HEAD')) {
      resolve(request, resolveMatch[1] ?? '', resolveMatch[2] ?? '', resolveMatch[3] ?? '', resolveMatch[4] ?? '', response);
      return;
    }
    notFound(response, 'NotFound', `no route for ${request.method ?? ''} ${path}`);
  });

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    cutConnection: (path, afterBytes, times = 1) => cuts.set(path, { afterBytes, times }),
    corrupt: (path) => corrupted.add(path),
    ignoreRange: (path) => rangeIgnored.add(path),
    hold: (path) => {
      let release: () => void = () => undefined;
      held.set(path, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        held.delete(path);
        release();
      };
    },
    transfers: (path) => requests.filter((entry) => /\/resolve\/[^/]+\//.test(entry.path) && entry.path.endsWith(`/${path}`) && entry.range !== PROBE_RANGE),
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}
