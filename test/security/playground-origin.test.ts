// Attacks on the playground from the operator's own browser: a page served from another port of
// the same host (127.0.0.1, then localhost) tries to read the channel, run /imagine and, named
// like an ADMINS entry, pause the queue. Only the playground's own page may do any of it.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageGenerator } from '../../src/bot/core/image-generator.js';
import { ConfigError, loadAppConfig } from '../../src/bot/app-config.js';
import { isAdmin } from '../../src/commands/admins.js';
import { commandsConfigSchema } from '../../src/commands/config.js';
import { playgroundRequester } from '../../src/bot/playground/playground-identity.js';
import { CHROMIUM_MISSING, chromiumInstalled, launchChromium } from '../e2e/playground/chromium.js';
import type { Chromium } from '../e2e/playground/chromium.js';
import { createWorldState, startPlaygroundWorld } from '../e2e/playground/playground-world.js';
import type { PlaygroundWorld, WorldState } from '../e2e/playground/playground-world.js';

/** Jobs never finish: the test only needs to see whether one was accepted. */
const neverFinishes: ImageGenerator = {
  generate: (_job, options) =>
    new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(new Error('cancelled')))),
};

/** The attacker's page: connects with whatever the browser adds by itself (cookies), then tries everything. */
function attackPage(target: string): string {
  return `<!doctype html><script>
  window.report = { opened: false, received: [], closed: false };
  const socket = new WebSocket(${JSON.stringify(target)});
  socket.onopen = () => {
    window.report.opened = true;
    socket.send(JSON.stringify({ type: 'hello', user: 'root' }));
    socket.send(JSON.stringify({ type: 'command', user: 'root', text: '/imagine stolen compute' }));
    socket.send(JSON.stringify({ type: 'command', user: 'root', text: '/admin pause' }));
  };
  socket.onmessage = (event) => window.report.received.push(String(event.data));
  socket.onclose = socket.onerror = () => { window.report.closed = true; };
</script>`;
}

async function serve(html: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

interface Report {
  readonly opened: boolean;
  readonly received: string[];
  readonly closed: boolean;
}

if (!chromiumInstalled) {
  it.skip(`playground origin attacks ${CHROMIUM_MISSING}`, () => undefined);
} else {
  describe('the playground refuses pages that are not its own', () => {
    let state: WorldState;
    let world: PlaygroundWorld;
    let browser: Chromium;

    beforeAll(async () => {
      state = await createWorldState();
      world = await startPlaygroundWorld({
        generator: neverFinishes,
        model: { name: 'oracle', kind: 'sd1' },
        state,
        admins: ['playground:root'],
      });
      browser = await launchChromium();
      world.playground.channel.post({ author: { kind: 'user', name: 'ann' }, text: 'private plans' });
    });

    afterAll(async () => {
      await browser?.close();
      await world?.close();
      await state?.dispose();
    });

    for (const host of ['127.0.0.1', 'localhost']) {
      it(`a page from another port of ${host} cannot read, generate or pause`, async () => {
        const { port } = world.playground;
        // The operator has the real page open, so the browser holds whatever credential it was given.
        const operator = await browser.context.newPage();
        await operator.goto(world.playground.url.replace('127.0.0.1', host));
        await operator.locator('#connection[data-state="open"]').waitFor();

        const attacker = await serve(attackPage(`ws://${host}:${port}/ws`));
        try {
          const tab = await browser.context.newPage();
          await tab.goto(`http://${host}:${attacker.port}/`);
          await expect.poll(() => tab.evaluate('window.report.closed || window.report.received.length >= 2'), { timeout: 10_000 }).toBe(true);
          // Give any accepted command time to land.
          await new Promise((resolve) => setTimeout(resolve, 500));
          const report = (await tab.evaluate('window.report')) as Report;
          expect(report.opened).toBe(false);
          expect(report.received.join('\n')).not.toContain('private plans');
          expect((await world.jobService.snapshot('playground:root')).paused).toBe(false);
          const texts = world.playground.channel.historyFor('root').map((message) => JSON.stringify(message));
          expect(texts.join('\n')).not.toContain('stolen compute');
          await tab.close();
        } finally {
          await operator.close();
          attacker.server.close();
        }
      });
    }

    it('a WebSocket with a forged Origin is refused even with the token', async () => {
      const url = new URL(world.playground.url);
      const { WebSocket } = await import('ws');
      const socket = new WebSocket(`ws://127.0.0.1:${world.playground.port}/ws?token=${url.searchParams.get('token') ?? ''}`, {
        origin: 'http://127.0.0.1:1',
      });
      const outcome = await new Promise<string>((resolve) => {
        socket.on('open', () => resolve('open'));
        socket.on('error', () => resolve('refused'));
      });
      socket.terminate();
      expect(outcome).toBe('refused');
    });
  });
}

describe('admin rights in the playground', () => {
  it('do not follow a name a tab can type', () => {
    const config = commandsConfigSchema.parse({
      models: { oracle: { kind: 'sd1' } },
      defaultModel: 'oracle',
      adminUserKeys: ['playground:alice'],
    });
    // Any tab can call itself alice; being alice must not be what makes it an admin.
    expect(isAdmin(config, playgroundRequester('alice'))).toBe(isAdmin(config, playgroundRequester('mallory')));
  });
});

describe('ADMINS', () => {
  it('refuses a playground name, which any tab could type', () => {
    expect(() => loadAppConfig({ ADMINS: 'playground:alice', MODELS_DIR: '/nonexistent' })).toThrow(ConfigError);
  });
});
