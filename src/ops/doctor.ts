// Entry point of `npm run doctor [-- --full]`: exit code 0 only when the configured setup can run.
import { runDoctor } from './doctor/run-doctor.js';
import { loadDotEnv } from './load-dot-env.js';

const EXIT_OK = 0;
const EXIT_PROBLEMS = 1;
const EXIT_USAGE = 2;

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--full');
if (unknown.length > 0) {
  process.stderr.write(`doctor: unknown argument ${unknown.join(' ')}; the only option is --full (open every model with onnxruntime)\n`);
  process.exitCode = EXIT_USAGE;
} else {
  loadDotEnv();
  const { ok } = await runDoctor(process.env, { stdout: process.stdout }, { full: args.includes('--full') });
  process.exitCode = ok ? EXIT_OK : EXIT_PROBLEMS;
}
