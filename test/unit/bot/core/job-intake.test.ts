// Admission under a burst: the refusal a user reads names the real reason. A request the queue
// turns away is never charged, so it cannot make another request of the same user read as over
// the limit while that user's bucket still holds images.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply } from '../../../../src/commands/replies.js';
import { UserFacingError } from '../../../../src/commands/user-facing-error.js';
import { PipelineClient } from '../../../../src/pipeline/ipc/client.js';
import { fakeClientOptions } from '../../../fixtures/fake-worker/fake-client-options.js';
import { RecordingObserver, makeHarness, request, requester } from '../../../fixtures/fake-worker/service-harness.js';

const USERS = 20;
const COMMANDS_PER_USER = 10;
const IMAGES_PER_COMMAND = 4;

let dir = '';
let client: PipelineClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagine-intake-'));
  client = await PipelineClient.start({ ...fakeClientOptions({ behaviour: { stepDelayMs: 20 } }), stderr: 'ignore' });
});

afterAll(async () => {
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admission', () => {
  it(`a burst of ${USERS * COMMANDS_PER_USER} commands from ${USERS} users is refused for the pending cap, never as "too fast" while buckets hold images`, async () => {
    const { service } = await harness('burst', { queue: { maxPendingPerUser: 2, maxLength: 50 } });
    const burst = Array.from({ length: USERS * COMMANDS_PER_USER }, (_, index) => {
      const user = `user-${index % USERS}`;
      return service.submit(request(`burst ${index}`, { count: IMAGES_PER_COMMAND, numInferenceSteps: 2 }), requester(user), new RecordingObserver()).then(
        () => ({ user, text: undefined }),
        (error: unknown) => ({ user, text: UserFacingError.is(error) ? errorReply(error).text : String(error) }),
      );
    });
    const outcomes = await Promise.all(burst);

    const refusals = outcomes.flatMap((outcome) => (outcome.text === undefined ? [] : [outcome.text]));
    expect(new Set(refusals)).toEqual(new Set(['You already have 2 jobs queued or running (at most 2). Wait for one to finish, or cancel one.']));
    for (let user = 0; user < USERS; user++) {
      const accepted = outcomes.filter((outcome) => outcome.user === `user-${user}` && outcome.text === undefined);
      expect(accepted).toHaveLength(2);
      // Charged for the two accepted jobs only: 20 − 2 × 4.
      expect(await service.remaining(`discord:user-${user}`)).toMatchObject({ images: 12 });
    }
    await service.shutdown(0);
  });

  it('tells a user who asks for more images than the limit holds to ask for fewer, not to wait', async () => {
    const { service } = await harness('too-many', { limits: { perUser: { capacity: 3, windowMs: 10 * 60_000 } } });
    const refused = await service.submit(request('four at once', { count: 4 }), requester('greedy'), new RecordingObserver()).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!UserFacingError.is(refused)) throw new Error(`expected a refusal, got ${String(refused)}`);
    expect(errorReply(refused).text).toBe('You can make 3 images per 10 min; ask for at most 3 at a time.');
    await service.shutdown(0);
  });
});

function harness(name: string, options: Omit<Parameters<typeof makeHarness>[0], 'generator' | 'dataDir'>) {
  return makeHarness({ generator: client, dataDir: join(dir, name), ...options });
}
