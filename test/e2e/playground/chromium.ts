// Debian's chromium driven by playwright-core. CI installs it with `apt-get install -y chromium`;
// where it is missing, the browser tests skip and say so instead of failing.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const chromiumInstalled = existsSync(CHROMIUM_PATH);
export const CHROMIUM_MISSING =
  `needs ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\``;

// Quiet, offline, no GPU: the browser must not phone home or depend on this machine's graphics.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const ARTIFACTS_DIR = new URL('../../../test-results/', import.meta.url);

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh browser profile each time, removed again on close. */
export async function launchChromium(): Promise<Chromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'imagine-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Where a screenshot artifact goes: test-results/<name>, next to vitest's JSON report. */
export async function artifactPath(name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return fileURLToPath(new URL(name, ARTIFACTS_DIR));
}
