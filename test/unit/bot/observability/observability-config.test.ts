import { describe, expect, it } from 'vitest';
import { loadObservabilityConfig } from '../../../../src/bot/observability/observability-config.js';

describe('loadObservabilityConfig', () => {
  it('defaults to info logs and no metrics server', () => {
    expect(loadObservabilityConfig({})).toEqual({ logLevel: 'info' });
    expect(loadObservabilityConfig({ LOG_LEVEL: '', METRICS_PORT: ' ' })).toEqual({ logLevel: 'info' });
  });

  it('reads the level and the metrics address', () => {
    expect(loadObservabilityConfig({ LOG_LEVEL: 'DEBUG', METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toEqual({
      logLevel: 'debug',
      metrics: { port: 9464, host: '0.0.0.0' },
    });
    expect(loadObservabilityConfig({ METRICS_PORT: '9100' }).metrics).toEqual({ port: 9100, host: '127.0.0.1' });
  });

  it.each([
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'],
    [{ METRICS_PORT: 'ninety' }, 'METRICS_PORT must be a port number from 1 to 65535'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT must be a port number from 1 to 65535'],
  ])('names the bad variable in %j', (env, message) => {
    expect(() => loadObservabilityConfig(env)).toThrow(message);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadObservabilityConfig({ LOG_LEVEL: 'loud', METRICS_PORT: '0' })).toThrow(/LOG_LEVEL[\s\S]*\n {2}METRICS_PORT/);
  });
});
