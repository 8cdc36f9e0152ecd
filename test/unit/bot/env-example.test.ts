// Every variable the bot reads is documented in .env.example and the README, and every
// documented one is one the bot reads: the configuration reference cannot drift from the code.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const UPPER_CASE_WORD = /\b[A-Z][A-Z0-9_]{2,}\b/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Variables read from the environment: the keys of the config schemas and env lookups. */
function variablesInCode(): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\b([A-Z][A-Z0-9_]{3,})\s*:\s*(?:z\s*\.|intFromEnv|wholeNumber|booleanFlag|flag|positiveInt|nonNegativeInt|userKeyList)/g)) found.add(match[1]!);
    for (const match of text.matchAll(/env\[['"]([A-Z][A-Z0-9_]+)['"]\]/g)) found.add(match[1]!);
  }
  return found;
}

function documented(file: string): Set<string> {
  return new Set(readFileSync(join(ROOT, file), 'utf8').match(UPPER_CASE_WORD) ?? []);
}

describe('configuration reference', () => {
  const inCode = variablesInCode();

  it('finds the variables the code reads', () => {
    expect(inCode.size).toBeGreaterThan(30);
    expect(inCode).toContain('DISCORD_TOKEN');
    expect(inCode).toContain('RATE_LIMIT_IMAGES');
  });

  it.each(['.env.example', 'README.md'])('%s documents every variable the code reads', (file) => {
    const docs = documented(file);
    expect([...inCode].filter((name) => !docs.has(name))).toEqual([]);
  });
});
