// The parent's handle on one worker child process: spawn it, wait for `ready`, validate what it
// says, notice when it goes quiet, and report how it ended. One instance per process lifetime;
// the client starts a fresh one after a crash.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROTOCOL_VERSION, parseWorkerMessage } from './protocol.js';
import type { ParentMessage, ReadyMessage, WorkerMessage } from './protocol.js';
import { WorkerError } from './worker-error.js';

/** Why the process ended, as the client sees it. */
export type ExitReason =
  /** It exited or was killed by something other than us. */
  | 'crashed'
  /** We killed it: no sign of life for too long, or a job it would not give up. */
  | 'hung'
  /** We asked it to stop. */
  | 'closed';

export interface WorkerExit {
  readonly reason: ExitReason;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when it never became ready. */
  readonly beforeReady: boolean;
}

export interface WorkerProcessOptions {
  readonly script: string | URL;
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly stderr: 'inherit' | 'ignore';
  readonly readyTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly onMessage: (message: WorkerMessage) => void;
  readonly onInvalidMessage: (error: string) => void;
  /** Silent for `silentMs` (well before the timeout), or undefined once it speaks again. */
  readonly onSilence?: (silentMs: number | undefined) => void;
  readonly onExit: (exit: WorkerExit) => void;
}

/** The parent checks for silence every second (more often for a timeout under 4 s). */
const WATCHDOG_INTERVAL_MS = 1_000;
const WATCHDOG_CHECKS_PER_TIMEOUT = 4;
/** Heartbeats come every second: this much silence is reported before the timeout kills it. */
const UNRESPONSIVE_AFTER_MS = 3_000;

/** `--import <tsx loader>` so a `.ts` worker runs without a build step, wherever the cwd is. */
export function tsxExecArgv(): string[] {
  const loader = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(loader).href];
}

/**
 * Node flags a worker script needs: the tsx loader for `.ts` (development, `npm start`), none for
 * `.js` (the build in dist/, which runs without tsx or esbuild).
 */
export function execArgvFor(script: string | URL): string[] {
  const path = typeof script === 'string' ? script : fileURLToPath(script);
  return /\.[cm]?ts$/.test(path) ? tsxExecArgv() : [];
}

export class WorkerProcess {
  readonly ready: Promise<ReadyMessage>;
  readonly exited: Promise<WorkerExit>;
  private readonly child: ChildProcess;
  private lastSeen = Date.now();
  /** While a model loads the worker cannot heartbeat; silence is fine until this time. */
  private loadingUntil = 0;
  private isReady = false;
  private silenceReported = false;
  private killReason: ExitReason | undefined;
  /** The error the worker reported before exiting during start-up, if any. */
  private startError: WorkerError | undefined;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly options: WorkerProcessOptions) {
    const script = typeof options.script === 'string' ? options.script : fileURLToPath(options.script);
    this.child = fork(script, [...options.args], {
      execArgv: [...options.execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', options.stderr, 'ipc'],
      ...(options.env === undefined ? {} : { env: options.env }),
    });

    let resolveReady: (message: ReadyMessage) => void = () => undefined;
    let rejectReady: (error: WorkerError) => void = () => undefined;
    this.ready = new Promise<ReadyMessage>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // A start failure is reported through `ready`; nobody may be listening yet.
    this.ready.catch(() => undefined);

    const readyTimer = setTimeout(() => {
      this.startError = new WorkerError('timed_out', `The image worker did not become ready within ${options.readyTimeoutMs} ms.`);
      this.kill('hung');
    }, options.readyTimeoutMs);

    const watchdogMs = Math.max(1, Math.min(WATCHDOG_INTERVAL_MS, Math.floor(options.heartbeatTimeoutMs / WATCHDOG_CHECKS_PER_TIMEOUT)));
    this.watchdog = setInterval(() => {
      if (this.silentFor() <= this.unresponsiveAfterMs()) return;
      // Timers run before pending I/O is read: if this process itself was stalled, the worker's
      // messages may be waiting in the pipe. Let them in, then decide.
      setImmediate(() => {
        const silentMs = this.silentFor();
        if (silentMs > options.heartbeatTimeoutMs) {
          this.kill('hung');
        } else if (silentMs > this.unresponsiveAfterMs() && !this.silenceReported) {
          this.silenceReported = true;
          options.onSilence?.(silentMs);
        }
      });
    }, watchdogMs);

    this.child.on('message', (value: unknown) => {
      this.lastSeen = Date.now();
      if (this.silenceReported) {
        this.silenceReported = false;
        options.onSilence?.(undefined);
      }
      const parsed = parseWorkerMessage(value);
      if (!parsed.ok) {
        options.onInvalidMessage(parsed.error);
        return;
      }
      const message = parsed.message;
      // A load may await (file reads) before it blocks the worker's event loop, so heartbeats can
      // still arrive after `loading`; only what follows a finished load ends the window.
      if (message.type === 'loading') this.loadingUntil = this.lastSeen + options.readyTimeoutMs;
      else if (message.type !== 'heartbeat' && message.type !== 'pong') this.loadingUntil = 0;
      if (message.type === 'ready') {
        clearTimeout(readyTimer);
        if (message.protocolVersion !== PROTOCOL_VERSION) {
          this.startError = new WorkerError(
            'model_unavailable',
            `The image worker speaks protocol ${message.protocolVersion}, expected ${PROTOCOL_VERSION}.`,
          );
          this.kill('hung');
          return;
        }
        this.isReady = true;
        resolveReady(message);
        return;
      }
      if (message.type === 'error' && message.jobId === undefined && !this.isReady) {
        this.startError = new WorkerError(message.code, message.message);
      }
      options.onMessage(message);
    });

    this.exited = new Promise<WorkerExit>((resolve) => {
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(readyTimer);
        clearInterval(this.watchdog);
        const exit: WorkerExit = { reason: this.killReason ?? 'crashed', code, signal, beforeReady: !this.isReady };
        if (!this.isReady) {
          rejectReady(this.startError ?? new WorkerError('worker_crashed', `The image worker exited during start-up (${describeExit(exit)}).`));
        }
        resolve(exit);
        options.onExit(exit);
      };
      this.child.on('exit', finish);
      this.child.on('error', (error) => {
        // Spawning failed (no exit event follows) or a send failed (the exit event follows).
        if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid === undefined) {
          this.startError = new WorkerError('worker_crashed', `The image worker could not be started: ${error.message}`);
          finish(null, null);
        }
      });
    });
  }

  /** How long the ready worker has been silent; 0 while it loads a model (it cannot heartbeat then). */
  private silentFor(): number {
    const now = Date.now();
    return this.isReady && now > this.loadingUntil ? now - this.lastSeen : 0;
  }

  private unresponsiveAfterMs(): number {
    return Math.min(UNRESPONSIVE_AFTER_MS, this.options.heartbeatTimeoutMs / 2);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a message; false when the channel is gone (the exit handler deals with the jobs). */
  send(message: ParentMessage): boolean {
    if (!this.child.connected) return false;
    try {
      this.child.send(message);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILL, remembering why; a hung process cannot be asked nicely. */
  kill(reason: ExitReason): void {
    this.killReason ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Asks the worker to stop, then kills it if it is still there after `graceMs`. */
  async close(graceMs: number): Promise<WorkerExit> {
    this.killReason ??= 'closed';
    this.send({ type: 'shutdown' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

export function describeExit(exit: Pick<WorkerExit, 'code' | 'signal'>): string {
  return exit.signal === null ? `exit code ${exit.code ?? 'unknown'}` : `signal ${exit.signal}`;
}
