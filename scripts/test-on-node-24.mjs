// The second half of `npm test`: the pipeline and worker tests again on Node 24 LTS, whatever Node
// runs the first half. Node ≥ 24 changes what onnxruntime hands over for float16 tensors (native
// Float16Array) and this is where it shows. The Node 24 binary comes from the npm registry (the
// `node-<os>-<arch>` packages) into .cache/, never into node_modules, where its `node` would
// shadow the system one in every npm script.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_MAJOR = 24;
const TEST_PATHS = ['test/integration/pipeline', 'test/unit/pipeline/worker', 'test/unit/pipeline/onnx'];
// Kept out to hold this run near a minute: the CLI tests (one tsx process per case: argument
// handling, whose pipeline work the other files cover in-process) and the client test (timeouts
// against a fake worker, no onnxruntime).
const EXCLUDED = [
  'test/integration/pipeline/cli.test.ts',
  'test/integration/pipeline/cli-lora.test.ts',
  'test/unit/pipeline/worker/client.test.ts',
];

const root = fileURLToPath(new URL('..', import.meta.url));
const current = Number(process.versions.node.split('.')[0]);
if (current === NODE_MAJOR) {
  console.log(`node ${NODE_MAJOR}: the main run already used Node ${process.versions.node}`);
  process.exit(0);
}

const platform = process.platform === 'win32' ? 'win' : process.platform;
const binaryPackage = `node-${platform}-${process.arch}`;
const cacheDir = join(root, '.cache', `node-${NODE_MAJOR}`);
const packageDir = join(cacheDir, 'node_modules', binaryPackage);
const nodeBinary = join(packageDir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (!existsSync(nodeBinary)) {
  console.log(`node ${NODE_MAJOR}: fetching ${binaryPackage}@${NODE_MAJOR} from the npm registry into ${join('.cache', `node-${NODE_MAJOR}`)}`);
  const status = run('npm', ['install', '--prefix', cacheDir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `${binaryPackage}@${NODE_MAJOR}`]);
  if (status !== 0 || !existsSync(nodeBinary)) {
    console.error(`node ${NODE_MAJOR}: could not install ${binaryPackage}@${NODE_MAJOR} (npm exited ${status})`);
    process.exit(1);
  }
}

const version = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`node ${NODE_MAJOR}: running ${TEST_PATHS.join(' ')} on ${version}`);
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const status = run(nodeBinary, [
  vitest,
  'run',
  ...TEST_PATHS,
  ...EXCLUDED.flatMap((path) => ['--exclude', path]),
  '--outputFile.json=test-results/vitest-node-24.json',
]);
process.exit(status);
