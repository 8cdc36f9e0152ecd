// WORKER_CONCURRENCY pipeline processes on one host: each job goes to the least busy one. One is
// right for one GPU; more suit a large GPU or many CPU cores.
import { PipelineClient } from '../../pipeline/ipc/client.js';
import type { ClientGenerateOptions, GenerationJob, PipelineClientOptions } from '../../pipeline/ipc/client.js';
import type { GenerationResult } from '../../pipeline/types.js';

export class PipelinePool {
  private readonly busy: number[];

  private constructor(private readonly clients: readonly PipelineClient[]) {
    this.busy = clients.map(() => 0);
  }

  static async start(size: number, options: PipelineClientOptions): Promise<PipelinePool> {
    const clients: PipelineClient[] = [];
    try {
      for (let index = 0; index < size; index++) clients.push(await PipelineClient.start(options));
    } catch (error) {
      await Promise.all(clients.map((client) => client.close()));
      throw error;
    }
    return new PipelinePool(clients);
  }

  get provider(): string {
    return this.clients[0]?.info?.provider ?? 'unknown';
  }

  async generate(job: GenerationJob, options: ClientGenerateOptions): Promise<GenerationResult> {
    let index = 0;
    this.busy.forEach((count, candidate) => {
      if (count < (this.busy[index] ?? 0)) index = candidate;
    });
    const client = this.clients[index];
    if (client === undefined) throw new Error('no pipeline process');
    this.busy[index] = (this.busy[index] ?? 0) + 1;
    try {
      return await client.generate(job, options);
    } finally {
      this.busy[index] = (this.busy[index] ?? 1) - 1;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }
}
