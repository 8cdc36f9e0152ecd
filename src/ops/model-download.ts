// Entry point of `npm run model:download -- <preset | owner/repo> [options]`.
import { processIo } from './cli-io.js';
import { loadDotEnv } from './load-dot-env.js';
import { runModelDownload } from './run-model-download.js';

loadDotEnv();
process.exitCode = await runModelDownload(process.argv.slice(2), process.env, processIo);
