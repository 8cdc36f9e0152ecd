// The JobQueue contract against the local queue (JOB_QUEUE=local), kept in memory and in SQLite,
// running jobs on the fake worker process.
import { afterAll, beforeAll } from 'vitest';
import { LocalJobQueue } from '../../src/bot/core/local-job-queue.js';
import { QueueJournal } from '../../src/bot/core/queue-journal.js';
import { PipelineClient } from '../../src/pipeline/ipc/client.js';
import { fakeClientOptions } from '../fixtures/fake-worker/fake-client-options.js';
import { describeJobQueueContract } from './job-queue.contract.js';
import { keyvBackends } from './keyv-backends.js';

let client: PipelineClient;
beforeAll(async () => {
  client = await PipelineClient.start({ ...fakeClientOptions({ behaviour: { stepDelayMs: 10 } }), stderr: 'ignore' });
});
afterAll(() => client.close());

for (const backend of keyvBackends().filter((candidate) => candidate.name !== 'redis')) {
  afterAll(() => backend.close());
  describeJobQueueContract(`local, kept in ${backend.name}`, {
    async open() {
      const { keyv, reopen } = await backend.open();
      const local = (store = keyv): LocalJobQueue => new LocalJobQueue({ generator: client, journal: new QueueJournal(store) });
      return { queue: local(), reopen: async () => local(reopen()) };
    },
  });
}
