import { describe, expect, it } from 'vitest';
import { loadPlaygroundConfig } from '../../../../src/bot/playground/playground-config.js';

describe('loadPlaygroundConfig', () => {
  it('binds to loopback on 8787 with half-second edits when nothing is set', () => {
    expect(loadPlaygroundConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8787,
      editIntervalMs: 500,
      historyLimit: 200,
      imageLimit: 400,
    });
  });

  it.each([
    [{ PLAYGROUND_PORT: '9000' }, 'port', 9000],
    [{ PLAYGROUND_PORT: '0' }, 'port', 0],
    [{ PLAYGROUND_HOST: '0.0.0.0' }, 'host', '0.0.0.0'],
    [{ PLAYGROUND_EDIT_INTERVAL_MS: '0' }, 'editIntervalMs', 0],
    [{ PLAYGROUND_EDIT_INTERVAL_MS: '1500' }, 'editIntervalMs', 1500],
    [{ PLAYGROUND_PORT: '' }, 'port', 8787],
  ] as const)('reads %o', (env, key, expected) => {
    expect(loadPlaygroundConfig(env)[key]).toBe(expected);
  });

  it.each([
    [{ PLAYGROUND_PORT: 'eighty' }, 'PLAYGROUND_PORT'],
    [{ PLAYGROUND_PORT: '70000' }, 'PLAYGROUND_PORT'],
    [{ PLAYGROUND_EDIT_INTERVAL_MS: '-1' }, 'PLAYGROUND_EDIT_INTERVAL_MS'],
    [{ PLAYGROUND_HOST: '   ' }, 'PLAYGROUND_HOST'],
  ])('refuses %o, naming the variable', (env, variable) => {
    expect(() => loadPlaygroundConfig(env)).toThrow(variable);
  });
});
