// The one list of waiting jobs, in the order they will start: p-queue's `queueClass`. Earlier
// rounds first, arrival order within a round. The fair queue reads places in line from here, so
// what it reports is what p-queue will do.
import type { Queue, QueueAddOptions } from 'p-queue';

type RunFunction = () => Promise<unknown>;

interface Waiting {
  readonly run: RunFunction;
  readonly id: string;
  readonly priority: number;
}

export class FairOrder implements Queue<RunFunction, QueueAddOptions> {
  private readonly items: Waiting[] = [];

  get size(): number {
    return this.items.length;
  }

  enqueue(run: RunFunction, options?: Partial<QueueAddOptions>): void {
    // p-queue runs higher priorities first: the fair queue passes minus the job's round.
    const item: Waiting = { run, id: options?.id ?? '', priority: options?.priority ?? 0 };
    let index = this.items.length;
    while (index > 0 && (this.items[index - 1]?.priority ?? 0) < item.priority) index--;
    this.items.splice(index, 0, item);
  }

  dequeue(): RunFunction | undefined {
    return this.items.shift()?.run;
  }

  filter(options: Readonly<Partial<QueueAddOptions>>): RunFunction[] {
    return this.items.filter((item) => options.priority === undefined || item.priority === options.priority).map((item) => item.run);
  }

  setPriority(id: string, priority: number): void {
    const index = this.items.findIndex((item) => item.id === id);
    const [item] = index === -1 ? [] : this.items.splice(index, 1);
    if (item === undefined) throw new ReferenceError(`no waiting job with id ${id}`);
    this.enqueue(item.run, { id, priority });
  }

  /** p-queue calls this when a waiting job's signal aborts. */
  remove(id: string): void {
    const index = this.items.findIndex((item) => item.id === id);
    if (index !== -1) this.items.splice(index, 1);
  }

  /** Waiting job ids in the order they will start. */
  ids(): string[] {
    return this.items.map((item) => item.id);
  }

  /** 0-based place of a waiting job; -1 when it is not waiting. */
  indexOf(id: string): number {
    return this.items.findIndex((item) => item.id === id);
  }

  /** A p-queue `queueClass` whose one instance is this list. */
  asQueueClass(): new () => FairOrder {
    const order = this;
    // p-queue builds its queue with `new queueClass()`; handing it this instance keeps one list.
    return function SharedFairOrder() {
      return order;
    } as unknown as new () => FairOrder;
  }
}
