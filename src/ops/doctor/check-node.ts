// Node 20 is the oldest release with everything the bot uses (env files, fetch, statfs, …).
import type { DoctorRow } from './doctor-row.js';

export const MIN_NODE_MAJOR = 20;

export function checkNode(version: string = process.versions.node): DoctorRow {
  const major = Number(version.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { check: 'node', status: 'ok', detail: `v${version}` }
    : { check: 'node', status: 'fail', detail: `v${version} is too old: install Node ${MIN_NODE_MAJOR} or newer` };
}
