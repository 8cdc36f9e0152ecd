import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../../src/bot/core/logger.js';
import { createWorldState, startPlaygroundWorld } from '../../../e2e/playground/playground-world.js';
import type { PlaygroundWorld, WorldState } from '../../../e2e/playground/playground-world.js';
import { ScriptedGenerator } from './scripted-generator.js';

let state: WorldState | undefined;
let world: PlaygroundWorld | undefined;

afterEach(async () => {
  await world?.close();
  await state?.dispose();
});

describe('startPlayground', () => {
  it('prints the URL to open, with a token that only this start accepts, outside the logs', async () => {
    const lines: { details: object; text: string | undefined }[] = [];
    const logger: Logger = {
      info: (details, text) => void lines.push({ details, text }),
      warn: () => undefined,
      error: () => undefined,
    };
    state = await createWorldState();
    const announced: string[] = [];
    world = await startPlaygroundWorld({
      generator: new ScriptedGenerator(),
      model: { name: 'tiny', kind: 'sd1' },
      state,
      logger,
      announce: (line) => announced.push(line),
    });
    const { url, origin } = world.playground;

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    expect(announced).toEqual([`\nPlayground: ${url}\n`]);
    expect(lines.map((line) => JSON.stringify(line)).join('\n')).not.toContain(url);
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${origin}/`)).status).toBe(403);
  });
});
