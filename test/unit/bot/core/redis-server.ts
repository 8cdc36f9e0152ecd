// Starts a throwaway redis-server on a free port for tests, when the binary is installed.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const REDIS_SKIP_REASON = 'redis-server is not installed (CI installs it: apt-get install redis-server)';

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Ends the server at once, as a crash would. */
  kill(): Promise<void>;
}

export interface RedisServerOptions {
  /** Same port again, for a restart. */
  readonly port?: number;
  /** Keep an append-only file in this folder, as the compose file does, so a restart loses nothing. */
  readonly aofDir?: string;
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const port = options.port ?? (await freePort());
  const persistence = options.aofDir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.aofDir];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  const end = (signal: NodeJS.Signals) => (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { url: `redis://127.0.0.1:${port}`, port, stop: end('SIGTERM'), kill: end('SIGKILL') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
