// `npm install` runs no onnxruntime-node install script (package.json allowScripts) and prints no
// warning about project config; onnxruntime still loads with its cpu and webgpu providers, which
// ship inside the package. Only CUDA comes from that script (deploy/Dockerfile.cuda runs it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')) as {
  allowScripts: Record<string, boolean>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('install policy', () => {
  it('denies onnxruntime-node its install script in package.json allowScripts', () => {
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });

  it('gives npm no project config it would warn about', () => {
    const npm = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
    expect(npm.status).toBe(0);
    expect(npm.stderr).not.toMatch(/warn/i);
  });

  it('keeps tsx out of the production dependencies: the build runs on plain node', () => {
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
  });

  it('loads onnxruntime with cpu and webgpu bundled; the install script would add only CUDA', () => {
    const backends = ort.listSupportedBackends();
    expect(backends).toEqual(expect.arrayContaining([{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }]));
    const require = createRequire(import.meta.url);
    const metadata = require('onnxruntime-node/script/install-metadata.js') as { requirements: Record<string, string[]> };
    expect(metadata.requirements['linux/x64']).toEqual(['cuda12']);
  });
});
