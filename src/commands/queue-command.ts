// /queue: the caller's jobs with their place in line, the running and waiting counts, and how many
// images the caller may still ask for.
import type { Requester } from './generate-request.js';
import { messages } from './messages.js';
import { userKeyOf, type LimitsView, type QueueView } from './ports.js';
import { displayPrompt } from './replies.js';
import type { Reply } from './reply.js';
import { clipText } from './clip-text.js';

/** Queue lines quote a prompt briefly; the full one is in the job's own message. */
const QUEUE_PROMPT_CHARS = 80;

export async function queueCommand(requester: Requester, queue: QueueView, limits: LimitsView): Promise<Reply> {
  const user = userKeyOf(requester.platform, requester.userId);
  const [snapshot, remaining] = await Promise.all([queue.snapshot(user), limits.remaining(user)]);
  const jobs = snapshot.mine.map((job) => {
    const prompt = shortPrompt(job.prompt);
    return job.status === 'running'
      ? messages.queue.running(prompt, job.etaMs)
      : messages.queue.waiting(prompt, job.position, job.etaMs);
  });
  const lines = [
    messages.queue.counts(snapshot.running, snapshot.waiting),
    ...(snapshot.paused ? [messages.queue.paused] : []),
    '',
    ...(jobs.length === 0 ? [messages.queue.none] : jobs),
    '',
    messages.queue.limits(remaining.images, remaining.capacity, remaining.refillMs),
  ];
  return { kind: 'queue', title: messages.queue.title, text: lines.join('\n'), ephemeral: true };
}

function shortPrompt(prompt: string): string {
  return clipText(displayPrompt(prompt).replace(/\s+/g, ' '), QUEUE_PROMPT_CHARS);
}
