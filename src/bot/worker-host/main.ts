// `npm run worker`: a worker host for the Redis queue. Run one per GPU box, with the same models.
import { pathToFileURL } from 'node:url';
import { loadDotEnv } from '../../ops/load-dot-env.js';
import { ConfigError } from '../app-config.js';
import { createLogger } from '../observability/create-logger.js';
import { loadWorkerHostConfig } from './worker-host-config.js';
import { startWorkerHost } from './worker-host.js';

const EXIT_CONFIG = 2;
const EXIT_FAILED = 1;

async function main(): Promise<void> {
  loadDotEnv();
  try {
    const config = loadWorkerHostConfig(process.env);
    const logger = createLogger({ level: config.app.observability.logLevel, env: process.env });
    const host = await startWorkerHost({ config, logger, installSignals: true });
    await host.done;
    process.exit(0);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`imagine worker: ${error.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`imagine worker: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_FAILED);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
