// Download progress on stderr: a redrawn bar with bytes, speed and ETA on a terminal, and plain
// lines every few percent when the output is a log file or a pipe (CI, docker logs, systemd).
import { formatBytes } from './format-bytes.js';

export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressBarOptions {
  readonly now?: () => number;
  /** Least time between redraws on a terminal. */
  readonly redrawMs?: number;
  /** Plain output prints a line each time this many percent pass. */
  readonly plainStepPercent?: number;
}

const BAR_WIDTH = 24;
const DEFAULT_REDRAW_MS = 100;
const DEFAULT_PLAIN_STEP_PERCENT = 10;
/** Speed is measured over the last few seconds so it follows the connection, not the average. */
const SPEED_WINDOW_MS = 5000;
const SAMPLE_EVERY_MS = 200;
const MS_PER_SECOND = 1000;
const SECONDS_PER_MINUTE = 60;
const MINUTES_PER_HOUR = 60;
const PERCENT = 100;
const DEFAULT_COLUMNS = 100;
const CLEAR_LINE = '\r\u001b[2K';

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const whole = Math.ceil(seconds);
  if (whole < SECONDS_PER_MINUTE) return `${whole}s`;
  const minutes = Math.floor(whole / SECONDS_PER_MINUTE);
  if (minutes < MINUTES_PER_HOUR) return `${minutes}m${String(whole % SECONDS_PER_MINUTE).padStart(2, '0')}s`;
  return `${Math.floor(minutes / MINUTES_PER_HOUR)}h${String(minutes % MINUTES_PER_HOUR).padStart(2, '0')}m`;
}

export class ProgressBar {
  private done = 0;
  private network = 0;
  private label = '';
  private lastDraw = -Infinity;
  private lastPlainStep = -1;
  private drawn = false;
  private readonly samples: Array<{ at: number; network: number }> = [];
  private readonly now: () => number;

  constructor(
    private readonly sink: ProgressSink,
    private readonly total: number,
    private readonly options: ProgressBarOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Counts confirmed bytes; only `network` bytes count towards the speed. */
  add(bytes: number, source: 'network' | 'local'): void {
    this.done += bytes;
    if (source === 'network') {
      this.network += bytes;
      this.sample();
    }
    this.render(false);
  }

  setLabel(label: string): void {
    this.label = label;
    this.render(false);
  }

  /** A line of its own (file finished, retrying …), printed above the bar. */
  log(line: string): void {
    if (this.sink.isTTY === true && this.drawn) this.sink.write(CLEAR_LINE);
    this.sink.write(`${line}\n`);
    this.drawn = false;
    this.render(true);
  }

  finish(): void {
    this.render(true);
    if (this.sink.isTTY === true && this.drawn) this.sink.write('\n');
    this.drawn = false;
  }

  /** Bytes per second over the recent window. */
  speed(): number {
    const now = this.now();
    const oldest = this.samples.find((sample) => sample.at >= now - SPEED_WINDOW_MS);
    if (oldest === undefined || now <= oldest.at) return 0;
    return ((this.network - oldest.network) / (now - oldest.at)) * MS_PER_SECOND;
  }

  private sample(): void {
    const now = this.now();
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && now - last.at < SAMPLE_EVERY_MS) return;
    this.samples.push({ at: now, network: this.network });
    while ((this.samples[0]?.at ?? now) < now - SPEED_WINDOW_MS) this.samples.shift();
  }

  private line(): string {
    const fraction = this.total > 0 ? Math.min(1, Math.max(0, this.done / this.total)) : 1;
    const percent = Math.floor(fraction * PERCENT);
    const speed = this.speed();
    const eta = speed > 0 ? formatEta((this.total - this.done) / speed) : '--';
    return `${String(percent).padStart(3)}%  ${formatBytes(this.done)} / ${formatBytes(this.total)}  ${formatBytes(speed)}/s  ETA ${eta}  ${this.label}`;
  }

  private render(force: boolean): void {
    const now = this.now();
    if (this.sink.isTTY === true) {
      if (!force && now - this.lastDraw < (this.options.redrawMs ?? DEFAULT_REDRAW_MS)) return;
      this.lastDraw = now;
      const fraction = this.total > 0 ? Math.min(1, Math.max(0, this.done / this.total)) : 1;
      const filled = Math.round(fraction * BAR_WIDTH);
      const text = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.line()}`;
      this.sink.write(`${CLEAR_LINE}${text.slice(0, (this.sink.columns ?? DEFAULT_COLUMNS) - 1)}`);
      this.drawn = true;
      return;
    }
    const step = this.options.plainStepPercent ?? DEFAULT_PLAIN_STEP_PERCENT;
    const reached = this.total > 0 ? Math.floor(((this.done / this.total) * PERCENT) / step) : 0;
    if (reached <= this.lastPlainStep) return;
    this.lastPlainStep = reached;
    this.sink.write(`download ${this.line()}\n`);
  }
}
