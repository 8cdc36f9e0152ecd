import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { MODEL_DEFAULTS, defaultCommandsConfig, parseCommandsConfig } from '../../../src/commands/config.js';

describe('commands config', () => {
  it('fills every model from its kind and the rest from documented defaults', () => {
    const config = parseCommandsConfig({ models: { xl: { kind: 'sdxl', maxCount: 4 } }, defaultModel: 'xl' });
    expect(config.models.xl).toEqual({ ...MODEL_DEFAULTS.sdxl, maxCount: 4 });
    expect(config).toMatchObject({
      styles: {},
      blocklist: { words: [], patterns: [] },
      adminUserKeys: [],
      variationStrength: 0.6,
      upscale: { strength: 0.3, maxPixels: 2048 * 2048 },
      rerollPolicy: 'anyone',
      initImage: { maxBytes: 10 * 1024 * 1024, maxPixels: 4096 * 4096, defaultStrength: 0.75 },
    });
  });

  it.each([
    { kind: 'sd1', native: 512 * 512 },
    { kind: 'sd2', native: 768 * 768 },
    { kind: 'sdxl', native: 1024 * 1024 },
  ] as const)('gives $kind a native budget of $native pixels', ({ kind, native }) => {
    expect(MODEL_DEFAULTS[kind].nativePixels).toBe(native);
  });

  it('builds a working default config from model names or kinds', () => {
    const fromNames = defaultCommandsConfig(['base', 'other']);
    expect(fromNames.defaultModel).toBe('base');
    expect(fromNames.models.other?.kind).toBe('sd1');
    const fromKinds = defaultCommandsConfig({ turbo: 'sd-turbo', xl: 'sdxl' });
    expect(fromKinds.models.turbo).toEqual(MODEL_DEFAULTS['sd-turbo']);
    expect(fromKinds.models.xl?.nativePixels).toBe(1024 * 1024);
  });

  it.each([
    { name: 'no models', input: { models: {}, defaultModel: 'x' }, path: 'models' },
    { name: 'an unknown default model', input: { models: { a: { kind: 'sd1' } }, defaultModel: 'b' }, path: 'defaultModel' },
    { name: 'an unknown kind', input: { models: { a: { kind: 'sd9' } }, defaultModel: 'a' }, path: 'models' },
    { name: 'default steps above max', input: { models: { a: { kind: 'sd1', maxSteps: 10 } }, defaultModel: 'a' }, path: 'models' },
    { name: 'native above max pixels', input: { models: { a: { kind: 'sdxl', maxPixels: 512 * 512 } }, defaultModel: 'a' }, path: 'models' },
    { name: 'a default sampler the model lacks', input: { models: { a: { kind: 'lcm', defaultSampler: 'euler' } }, defaultModel: 'a' }, path: 'models' },
    { name: 'a model name with spaces', input: { models: { 'my model': { kind: 'sd1' } }, defaultModel: 'my model' }, path: 'models' },
    { name: 'names differing only in case', input: { models: { a: { kind: 'sd1' }, A: { kind: 'sd1' } }, defaultModel: 'a' }, path: 'models' },
    { name: 'a broken pattern', input: { models: { a: { kind: 'sd1' } }, defaultModel: 'a', blocklist: { patterns: ['/(unclosed/'] } }, path: 'blocklist' },
    { name: 'a pattern without slashes', input: { models: { a: { kind: 'sd1' } }, defaultModel: 'a', blocklist: { patterns: ['plain'] } }, path: 'blocklist' },
    { name: 'an admin without a platform', input: { models: { a: { kind: 'sd1' } }, defaultModel: 'a', adminUserKeys: ['12345'] }, path: 'adminUserKeys' },
    { name: 'a variation strength above 1', input: { models: { a: { kind: 'sd1' } }, defaultModel: 'a', variationStrength: 2 }, path: 'variationStrength' },
  ])('rejects $name, pointing at $path', ({ input, path }) => {
    let error: unknown;
    try {
      parseCommandsConfig(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues.some((issue) => issue.path[0] === path)).toBe(true);
  });
});
