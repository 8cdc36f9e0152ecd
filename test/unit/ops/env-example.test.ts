import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const example = readFileSync(new URL('.env.example', root), 'utf8');

/** Variables the operator tools and observability read, found in their source. */
function variablesReadIn(folder: string): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(new URL(folder, root), { recursive: true }) as string[]) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(new URL(`${folder}/${file}`, root), 'utf8');
    // Quoted upper-case names with an underscore are environment variables in these folders.
    for (const match of source.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) names.add(match[1] ?? '');
    if (source.includes("value(env, 'MODELS')")) names.add('MODELS');
  }
  return [...names].sort();
}

describe('.env.example', () => {
  const read = [...new Set([...variablesReadIn('src/ops'), ...variablesReadIn('src/bot/observability')])].sort();

  it('finds the variables in the source', () => {
    expect(read).toEqual(expect.arrayContaining(['HF_ENDPOINT', 'HF_TOKEN', 'MODELS', 'MODELS_DIR', 'DATA_DIR', 'REDIS_URL', 'LOG_LEVEL', 'METRICS_PORT', 'METRICS_HOST']));
  });

  it.each(read)('documents %s with its default', (name) => {
    expect(example).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });
});
