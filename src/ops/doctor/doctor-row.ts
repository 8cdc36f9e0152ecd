// One line of the doctor's table.

/** `off`: not configured or not available, and not needed by this setup. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'off';

export interface DoctorRow {
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found, and for warn/fail what to do about it. */
  readonly detail: string;
}
