// The worker's side of the IPC channel: Node's process.send / 'message', behind a small
// interface so the worker loop does not depend on being a child process.
import type { WorkerMessage } from './protocol.js';

export interface WorkerChannel {
  /** Resolves once the message has been handed to the OS; never rejects (a gone parent is not an error here). */
  send(message: WorkerMessage): Promise<void>;
  onMessage(handler: (value: unknown) => void): void;
  /** The parent went away: the worker must not outlive it. */
  onDisconnect(handler: () => void): void;
}

export function processChannel(proc: NodeJS.Process = process): WorkerChannel {
  const send = proc.send?.bind(proc);
  if (send === undefined) throw new Error('the worker must be started with an IPC channel (child_process.fork)');
  return {
    send: (message) =>
      new Promise((resolve) => {
        if (!proc.connected) {
          resolve();
          return;
        }
        send(message, undefined, undefined, () => resolve());
      }),
    onMessage: (handler) => {
      proc.on('message', handler);
    },
    onDisconnect: (handler) => {
      proc.on('disconnect', handler);
    },
  };
}
