// The doctor's table as plain text: one row per check, details wrapped under their column.
import type { CheckStatus, DoctorRow } from './doctor-row.js';

const STATUS_LABELS: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', off: '-' };
const GAP = '  ';
const HEADER = { check: 'CHECK', status: 'STATUS', detail: 'DETAILS' };

export function formatDoctorTable(rows: readonly DoctorRow[]): string {
  const checkWidth = Math.max(HEADER.check.length, ...rows.map((row) => row.check.length));
  const statusWidth = Math.max(HEADER.status.length, ...Object.values(STATUS_LABELS).map((label) => label.length));
  const line = (check: string, status: string, detail: string) => `${check.padEnd(checkWidth)}${GAP}${status.padEnd(statusWidth)}${GAP}${detail}`.trimEnd();
  return [line(HEADER.check, HEADER.status, HEADER.detail), ...rows.map((row) => line(row.check, STATUS_LABELS[row.status], row.detail))].join('\n');
}
