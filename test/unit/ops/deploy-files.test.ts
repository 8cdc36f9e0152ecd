import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './support/dockerfile-instructions.js';
import type { Instruction } from './support/dockerfile-instructions.js';
import { parseYaml } from './support/mini-yaml.js';
import type { YamlValue } from './support/mini-yaml.js';
import { parseUnitFile } from './support/systemd-unit.js';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../../../src/bot/core/shutdown.js';

const root = new URL('../../../', import.meta.url);
/** The default SHUTDOWN_GRACE_SECONDS, and what follows it at most: interrupted jobs settle (15 s),
 * the last messages go out (5 s), the worker closes (10 s). A stop timeout must exceed both. */
const SHUTDOWN_GRACE_SECONDS = DEFAULT_SHUTDOWN_GRACE_MS / 1000;
const SETTLE_SECONDS = 30;

function seconds(value: string | undefined): number {
  const match = /^(\d+)(s|min|m)?$/.exec(value ?? '');
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * (match[2] === 'min' || match[2] === 'm' ? 60 : 1);
}
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

type Tree = { [key: string]: YamlValue };
function at(value: YamlValue | undefined, ...path: string[]): YamlValue | undefined {
  let current = value;
  for (const key of path) current = current !== null && typeof current === 'object' && !Array.isArray(current) ? (current as Tree)[key] : undefined;
  return current;
}

describe('mini YAML parser', () => {
  it('reads the constructs the compose files use', () => {
    const text = 'a:\n  b: "x: y" # note\n  c: [one, "two", 3]\n  d:\n    - e: 1\n      f: true\n    - plain\n  g:\n  - same-indent\n';
    expect(parseYaml(text)).toEqual({ a: { b: 'x: y', c: ['one', 'two', 3], d: [{ e: 1, f: true }, 'plain'], g: ['same-indent'] } });
  });

  it.each(['a: |\n  text\n', 'a: &anchor 1\n', 'a:\n\tb: 1\n', 'a: 1\n   b: 2\n'])('refuses what it cannot read: %j', (text) => {
    expect(() => parseYaml(text)).toThrow();
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parseYaml(read('deploy/compose.yaml'));
  const bot = at(compose, 'services', 'bot');

  it('builds the bot from deploy/Dockerfile with the repository as context', () => {
    expect(at(bot, 'build')).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
    expect(existsSync(new URL('deploy/Dockerfile', root))).toBe(true);
  });

  it('reads .env and keeps models and data on volumes', () => {
    expect(at(bot, 'env_file')).toEqual([{ path: '../.env', required: false }]);
    expect(at(bot, 'volumes')).toEqual(['../models:/app/models', '../data:/app/data']);
    expect(at(bot, 'environment', 'MODELS_DIR')).toBe('/app/models');
    expect(at(bot, 'environment', 'DATA_DIR')).toBe('/app/data');
    expect(at(bot, 'restart')).toBe('unless-stopped');
  });

  it('publishes the playground and metrics on loopback only', () => {
    expect(at(bot, 'ports')).toEqual(['127.0.0.1:8787:8787', '127.0.0.1:9464:9464']);
  });

  it('runs Redis with an append-only file on its own volume, and waits for its health check', () => {
    const redis = at(compose, 'services', 'redis');
    expect(at(redis, 'command')).toEqual(expect.arrayContaining(['redis-server', '--appendonly', 'yes']));
    expect(at(redis, 'volumes')).toEqual(['redis-data:/data']);
    expect(at(redis, 'healthcheck', 'test')).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(at(compose, 'volumes')).toHaveProperty('redis-data');
    expect(at(bot, 'profiles')).toBeUndefined();
    expect(at(bot, 'depends_on', 'redis', 'condition')).toBe('service_healthy');
  });

  it('has a worker service that --scale worker=N multiplies: the built worker host on the bot image, with the models and Redis', () => {
    const worker = at(compose, 'services', 'worker');
    expect(at(worker, 'image')).toBe(at(bot, 'image'));
    expect(at(worker, 'command')).toEqual(['node', 'dist/bot/worker-host/main.js']);
    expect(at(worker, 'environment', 'REDIS_URL')).toBe('redis://redis:6379');
    expect(at(worker, 'volumes')).toEqual(['../models:/app/models:ro']);
    expect(at(worker, 'depends_on', 'redis', 'condition')).toBe('service_healthy');
    // None by default, so a plain `up` is today's single process; no ports, so replicas never clash.
    expect(at(worker, 'deploy', 'replicas')).toBe(0);
    expect(at(worker, 'ports')).toBeUndefined();
    expect(at(worker, 'container_name')).toBeUndefined();
    const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(packageJson.scripts['worker']).toBeDefined();
  });

  it('gives a stop more time than the shutdown grace plus its wind-down', () => {
    const configured = /SHUTDOWN_GRACE_SECONDS: [^\n]*\.default\((\d+)\)/.exec(read('src/bot/app-config.ts'))?.[1];
    expect(Number(configured)).toBe(SHUTDOWN_GRACE_SECONDS);
    expect(seconds(String(at(bot, 'stop_grace_period')))).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS + SETTLE_SECONDS);
  });

  it('starts the bot after Redis answers its health check', () => {
    expect(at(bot, 'depends_on', 'redis')).toEqual({ condition: 'service_healthy' });
    expect(at(compose, 'services', 'redis', 'profiles')).toBeUndefined();
    expect(at(compose, 'services', 'redis', 'healthcheck', 'test')).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('has a CUDA override that builds deploy/Dockerfile.cuda and reserves the GPU', () => {
    const cuda = parseYaml(read('deploy/compose.cuda.yaml'));
    expect(at(cuda, 'services', 'bot', 'build', 'dockerfile')).toBe('deploy/Dockerfile.cuda');
    expect(at(cuda, 'services', 'bot', 'environment', 'ONNX_PROVIDER')).toBe('cuda');
    expect(at(cuda, 'services', 'bot', 'deploy', 'resources', 'reservations', 'devices')).toEqual([{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
    expect(at(cuda, 'services', 'worker', 'environment', 'ONNX_PROVIDER')).toBe('cuda');
    expect(at(cuda, 'services', 'worker', 'deploy', 'resources', 'reservations', 'devices')).toEqual([{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
  });
});

function finalStage(instructions: readonly Instruction[]): Instruction[] {
  const last = Math.max(...instructions.map((instruction) => instruction.stage));
  return instructions.filter((instruction) => instruction.stage === last);
}

function sources(instruction: Instruction): string[] {
  return instruction.args.split(/\s+/).filter((part) => !part.startsWith('--')).slice(0, -1);
}

const dockerfiles = [
  { file: 'deploy/Dockerfile', user: 'node' },
  { file: 'deploy/Dockerfile.cuda', user: 'imagine' },
];

describe.each(dockerfiles)('$file', ({ file, user }) => {
  const instructions = parseDockerfile(read(file));
  const runtime = finalStage(instructions);
  const deps = instructions.filter((instruction) => instruction.stage === 0);

  it('is multi-stage, with Node 24 LTS on Debian bookworm slim for the build', () => {
    expect(new Set(instructions.map((instruction) => instruction.stage)).size).toBeGreaterThanOrEqual(2);
    expect(instructions.find((instruction) => instruction.keyword === 'ARG' && instruction.args.startsWith('NODE_IMAGE='))?.args).toBe('NODE_IMAGE=node:24-bookworm-slim');
    expect(deps[0]?.args).toBe('${NODE_IMAGE} AS deps');
  });

  it('installs with package.json (its allowScripts), builds dist/, then drops the dev dependencies', () => {
    const runs = deps.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);
    const npmCi = runs.findIndex((args) => /\bnpm ci\b/.test(args));
    const build = runs.findIndex((args) => args.includes('npm run build'));
    expect(npmCi).toBeGreaterThanOrEqual(0);
    expect(build).toBeGreaterThan(npmCi);
    expect(runs[build]).toContain('npm prune --omit=dev');
    expect(deps.some((instruction) => instruction.keyword === 'COPY' && sources(instruction).includes('.npmrc'))).toBe(false);
  });

  it('runs the build with plain node: no tsx, no sources', () => {
    expect(runtime.find((instruction) => instruction.keyword === 'CMD')?.args).toBe('["node", "dist/bot/main.js"]');
    const copies = runtime.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
    expect(copies).toContain('--from=deps /app/dist ./dist');
    expect(copies.some((args) => /\bsrc\b/.test(args))).toBe(false);
  });

  it('lets the playground listen beyond loopback inside the container', () => {
    expect(runtime.find((instruction) => instruction.keyword === 'ENV')?.args).toContain('PLAYGROUND_HOST=0.0.0.0');
  });

  it('runs as a non-root user with models and data on volumes', () => {
    const users = runtime.filter((instruction) => instruction.keyword === 'USER');
    expect(users.map((instruction) => instruction.args)).toEqual([user]);
    const lastUser = runtime.lastIndexOf(users[0] as Instruction);
    expect(runtime.slice(lastUser).some((instruction) => instruction.keyword === 'RUN')).toBe(false);
    expect(runtime.find((instruction) => instruction.keyword === 'VOLUME')?.args).toBe('["/app/models", "/app/data"]');
    expect(runtime.find((instruction) => instruction.keyword === 'RUN' && instruction.args.includes('chown'))?.args).toContain(`chown ${user}:${user} /app/models /app/data`);
  });

  it('starts the bot under an init, with a health check on /healthz', () => {
    expect(runtime.find((instruction) => instruction.keyword === 'ENTRYPOINT')?.args).toBe('["/usr/bin/tini", "--"]');
    const healthcheck = runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain("/healthz')");
    expect(seconds(/--start-period=(\S+)/.exec(healthcheck)?.[1])).toBeGreaterThanOrEqual(600);
  });

  it('copies only files that exist in the repository', () => {
    for (const copy of instructions.filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.includes('--from='))) {
      for (const source of sources(copy)) expect(existsSync(new URL(source, root)), `${file}:${copy.line} ${source}`).toBe(true);
    }
  });
});

describe('deploy/Dockerfile (cpu, webgpu)', () => {
  const instructions = parseDockerfile(read('deploy/Dockerfile'));
  it('installs the Vulkan loader and Mesa drivers for WebGPU, and never the CUDA libraries', () => {
    const runtimeRuns = finalStage(instructions).filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args).join('\n');
    expect(runtimeRuns).toMatch(/apt-get install .*\blibvulkan1\b/);
    expect(runtimeRuns).toMatch(/apt-get install .*\bmesa-vulkan-drivers\b/);
    expect(read('deploy/Dockerfile')).not.toContain('ONNXRUNTIME_NODE_INSTALL');
  });
});

describe('deploy/Dockerfile.cuda', () => {
  const instructions = parseDockerfile(read('deploy/Dockerfile.cuda'));
  it('runs the CUDA provider install step explicitly at build time and checks it landed', () => {
    const build = instructions.filter((instruction) => instruction.stage === 0 && instruction.keyword === 'RUN').map((instruction) => instruction.args).join('\n');
    expect(build).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js');
    expect(build).toContain('test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so');
  });

  it('runs on an NVIDIA CUDA base with cuDNN and the cuda provider selected', () => {
    expect(instructions.find((instruction) => instruction.args.startsWith('CUDA_IMAGE='))?.args).toMatch(/^CUDA_IMAGE=nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/);
    expect(finalStage(instructions)[0]?.args).toBe('${CUDA_IMAGE} AS runtime');
    expect(finalStage(instructions).find((instruction) => instruction.keyword === 'ENV')?.args).toContain('ONNX_PROVIDER=cuda');
  });

  it('gives its user a home it owns, and says so in HOME', () => {
    const runs = finalStage(instructions).filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args).join('\n');
    expect(runs).toMatch(/useradd [^\n]*--create-home --home-dir \/home\/imagine/);
    expect(runs).not.toContain('--no-create-home');
    expect(finalStage(instructions).find((instruction) => instruction.keyword === 'ENV')?.args).toContain('HOME=/home/imagine');
  });
});

describe('deploy/imagine.service', () => {
  const unit = parseUnitFile(read('deploy/imagine.service'));
  const service = unit.get('Service') ?? new Map<string, string[]>();
  const one = (key: string) => service.get(key)?.join(' ');

  it('reads .env, runs the bot as its own user and restarts it on failure', () => {
    expect(one('EnvironmentFile')).toBe('/opt/imagine/.env');
    expect(one('User')).toBe('imagine');
    expect(one('Restart')).toBe('on-failure');
    expect(one('ExecStart')).toMatch(/^\/\S+\/node dist\/bot\/main\.js$/);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('does not restart on a configuration error (exit 2)', () => {
    expect(one('RestartPreventExitStatus')).toBe('2');
  });

  it('gives a stop more time than the shutdown grace plus its wind-down', () => {
    expect(one('KillMode')).toBe('mixed');
    expect(seconds(one('TimeoutStopSec'))).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS + SETTLE_SECONDS);
  });

  it('is hardened, with only the data and models folders writable', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ReadWritePaths')?.split(' ')).toEqual(['/var/lib/imagine', '/opt/imagine/models']);
    expect(service.get('Environment')).toEqual(expect.arrayContaining(['DATA_DIR=/var/lib/imagine', 'MODELS_DIR=/opt/imagine/models']));
  });
});
