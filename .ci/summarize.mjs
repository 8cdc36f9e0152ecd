// Prints the plain closing line CI reads: "N passed, N failed[, N skipped]", summed over every
// vitest JSON report given (the main run, and the pipeline tests again on Node 24).
import { readFileSync, existsSync } from 'node:fs';

const files = process.argv.length > 2 ? process.argv.slice(2) : ['test-results/vitest.json'];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  if (!existsSync(file)) continue;
  const results = JSON.parse(readFileSync(file, 'utf8'));
  passed += results.numPassedTests ?? 0;
  // A file that failed to load has no test results of its own; count it once so it is not lost.
  const unloadable = (results.testResults ?? []).filter((entry) => entry.status === 'failed' && (entry.assertionResults ?? []).length === 0).length;
  failed += (results.numFailedTests ?? 0) + unloadable;
  skipped += (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
