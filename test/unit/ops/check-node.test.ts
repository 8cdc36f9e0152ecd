import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIN_NODE_VERSION, checkNode } from '../../../src/ops/doctor/check-node.js';

describe('doctor: node', () => {
  it('asks for the same Node as package.json engines', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE_VERSION}`);
  });

  it.each([
    ['20.11.1', 'fail', /too old: install Node 20\.12\.0 or newer/],
    ['18.20.0', 'fail', /too old/],
    ['20.12.0', 'warn', /end of life: upgrade to Node 24 LTS/],
    ['20.20.2', 'warn', /end of life/],
    ['22.0.0', 'ok', /^v22\.0\.0$/],
    ['24.22.3', 'ok', /^v24\.22\.3$/],
    ['26.1.0', 'ok', /^v26\.1\.0$/],
  ] as const)('Node %s → %s', (version, status, detail) => {
    const row = checkNode(version);
    expect(row.status).toBe(status);
    expect(row.detail).toMatch(detail);
  });
});
