// The oldest Node with everything the bot uses: process.loadEnvFile arrived in 20.12.0. package.json's
// `engines` says the same (a test keeps them in step). Node 20 itself is past its end of life.
import type { DoctorRow } from './doctor-row.js';

export const MIN_NODE_VERSION = '20.12.0';
/** The oldest release line still maintained upstream. */
export const OLDEST_MAINTAINED_NODE_MAJOR = 22;

function parts(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
}

function atLeast(version: string, minimum: string): boolean {
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < 3; i++) {
    if (have[i] !== need[i]) return (have[i] ?? 0) > (need[i] ?? 0);
  }
  return true;
}

export function checkNode(version: string = process.versions.node): DoctorRow {
  if (!atLeast(version, MIN_NODE_VERSION)) {
    return { check: 'node', status: 'fail', detail: `v${version} is too old: install Node ${MIN_NODE_VERSION} or newer (Node 24 LTS recommended)` };
  }
  if (parts(version)[0] < OLDEST_MAINTAINED_NODE_MAJOR) {
    return { check: 'node', status: 'warn', detail: `v${version} works but is past its end of life: upgrade to Node 24 LTS` };
  }
  return { check: 'node', status: 'ok', detail: `v${version}` };
}
