// Intake: one admission decision per request. Under one lock it reads the ban, the queue's caps
// and the pause, charges the rate limit only when everything else said yes, stores the record and
// hands the job to the queue. So a refusal always names the real reason: nothing is charged for a
// job the queue then refuses, and no other request sees a bucket drained by one.
import type { GenerateRequest, InitImageSource, MaskRef, Requester } from '../../commands/generate-request.js';
import type { JobImageRecord, JobRecord } from '../../commands/job-record.js';
import { userKeyOf } from '../../commands/ports.js';
import type { UserKey } from '../../commands/ports.js';
import { UserFacingError } from '../../commands/user-facing-error.js';
import type { GenerationParams, MaskSource } from '../../pipeline/types.js';
import { workUnits } from './eta-estimator.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { BanList } from './ports/ban-list.js';
import type { ImageStore } from './ports/image-store.js';
import type { Admission, JobPlace, JobQueue, JobWork, QueueCaps } from './ports/job-queue.js';
import type { JobStore } from './ports/job-store.js';
import type { RateLimitSubject, RateLimiter } from './rate-limiter.js';

export interface JobIntakeOptions {
  readonly queue: JobQueue;
  readonly jobs: JobStore;
  readonly images: ImageStore;
  readonly limiter: RateLimiter;
  readonly bans: BanList;
  readonly caps: QueueCaps;
  /** Configured model names; a request for another gets model_unavailable at once. */
  readonly models?: readonly string[];
  readonly now?: () => number;
  /** A fresh id for an uploaded init image. */
  readonly uploadId: () => string;
}

export interface AdmittedJob {
  readonly record: JobRecord;
  readonly user: UserKey;
  readonly subject: RateLimitSubject;
  readonly place: JobPlace;
}

/** Called with the record just before the queue gets the job, so its first event finds it known. */
export type BeforeQueue = (job: Omit<AdmittedJob, 'place'>) => void;

/** Admissions are decided one at a time: the counts read are the counts the decision acts on. */
const ADMISSION = 'admission';

export class JobIntake {
  private readonly lock = new KeyedMutex();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: JobIntakeOptions) {
    this.now = options.now ?? Date.now;
  }

  /** No more admissions: the bot is stopping. */
  close(): void {
    this.closed = true;
  }

  /** Admits the request or rejects with the one UserFacingError that says why. */
  admit(jobId: string, request: GenerateRequest, requester: Requester, beforeQueue: BeforeQueue, onRefused: (jobId: string) => void): Promise<AdmittedJob> {
    return this.lock.run([ADMISSION], () => this.decide(jobId, request, requester, beforeQueue, onRefused));
  }

  private async decide(
    jobId: string,
    request: GenerateRequest,
    requester: Requester,
    beforeQueue: BeforeQueue,
    onRefused: (jobId: string) => void,
  ): Promise<AdmittedJob> {
    const { queue, caps, limiter } = this.options;
    const user = userKeyOf(requester.platform, requester.userId);
    if (this.closed) throw UserFacingError.of('intake_paused', { restarting: true });
    const counts = await queue.counts(user);
    if (counts.paused) throw UserFacingError.of('intake_paused');
    if (await this.options.bans.isBanned(user)) throw UserFacingError.of('banned');
    this.checkModel(request);
    if (counts.pendingOfUser >= caps.maxPerUser) {
      throw UserFacingError.of('too_many_pending', { pending: counts.pendingOfUser, maxPending: caps.maxPerUser });
    }
    if (counts.waiting >= caps.maxWaiting) {
      throw refusalOf({ accepted: false, reason: 'queue_full', retryAfterMs: counts.nextStartMs }, caps);
    }
    const parent = await this.checkInit(request);

    const subject: RateLimitSubject = {
      user,
      ...(requester.guildId === undefined ? {} : { guild: `${requester.platform}:${requester.guildId}` }),
    };
    const decision = await limiter.take(subject, request.count);
    if (!decision.ok) {
      throw UserFacingError.of('rate_limited', {
        retryAfterMs: decision.retryAfterMs,
        limit: { ...decision.limit, scope: decision.scope },
        requested: request.count,
      });
    }

    let queued = false;
    try {
      const stored = await this.storeUpload(request);
      const record: JobRecord = { jobId, requester, request: stored, status: 'queued', createdAt: this.now(), images: [], messages: [] };
      await this.options.jobs.put(record);
      const work = await this.workOf(jobId, stored, parent);
      beforeQueue({ record, user, subject });
      queued = true;
      const admission = await queue.submit(
        {
          jobId,
          user,
          model: stored.model,
          cost: isPlainResize(stored) ? 0 : workUnits({ steps: stepsRun(stored), count: stored.count, width: stored.width, height: stored.height }),
          work,
        },
        caps,
      );
      if (!admission.accepted) throw refusalOf(admission, caps);
      return { record, user, subject, place: admission.place };
    } catch (error) {
      // Only another process sharing the queue, or a store that failed, gets here: give it back.
      if (queued) onRefused(jobId);
      await limiter.refund(subject, request.count).catch(() => undefined);
      throw error;
    }
  }

  private checkModel(request: GenerateRequest): void {
    const models = this.options.models;
    if (models !== undefined && !models.includes(request.model)) {
      throw UserFacingError.of('model_unavailable', { option: 'model', value: request.model, allowed: models.join(', ') });
    }
    if (request.resizeOnly === true && request.init === undefined) {
      throw new UserFacingError('invalid_option', 'Upscaling needs an image to upscale.', { option: 'image' });
    }
  }

  /** Makes sure an init image from an earlier job or a stored upload still exists. */
  private async checkInit(request: GenerateRequest): Promise<JobImageRecord | undefined> {
    const mask = request.mask?.source;
    if (mask?.kind === 'stored' && !(await this.options.images.touch(mask.imageId))) throw expiredImage();
    const source = request.init?.source;
    if (source === undefined || source.kind === 'upload') return undefined;
    if (source.kind === 'stored') {
      if (!(await this.options.images.touch(source.imageId))) throw expiredImage();
      return undefined;
    }
    const image = (await this.options.jobs.get(source.jobId))?.images[source.imageIndex];
    if (image === undefined || !(await this.options.images.touch(image.imageId))) throw expiredImage();
    return image;
  }

  /** Uploads are written to the image store and referred to by id, so the record survives a restart. */
  private async storeUpload(request: GenerateRequest): Promise<GenerateRequest> {
    const { init, mask } = request;
    let stored = request;
    if (init?.source.kind === 'upload') {
      const imageId = this.options.uploadId();
      await this.options.images.put(imageId, init.source.data);
      stored = { ...stored, init: { ...init, source: { kind: 'stored', imageId } } };
    }
    if (mask?.source.kind === 'upload') {
      const imageId = this.options.uploadId();
      await this.options.images.put(imageId, mask.source.data);
      stored = { ...stored, mask: { ...mask, source: { kind: 'stored', imageId } } };
    }
    return stored;
  }

  private async workOf(jobId: string, request: GenerateRequest, parent: JobImageRecord | undefined): Promise<JobWork> {
    const init = request.init;
    if (isPlainResize(request) && init !== undefined) {
      const image = await this.imageBytes(init.source);
      return { kind: 'resize', jobId, model: request.model, image, seed: request.seed, nsfw: parent?.nsfw ?? false };
    }
    const params: GenerationParams = {
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
      seed: request.seed,
      numInferenceSteps: request.numInferenceSteps,
      guidanceScale: request.guidanceScale,
      sampler: request.sampler,
      width: request.width,
      height: request.height,
      count: request.count,
      ...(request.clipSkip === undefined ? {} : { clipSkip: request.clipSkip }),
      // A resize-only upscale with an upscaler model runs the model alone: strength 0, no diffusion pass.
      ...(init === undefined ? {} : { init: { data: await this.imageBytes(init.source), strength: request.resizeOnly === true ? 0 : init.strength } }),
      ...(request.hires === undefined ? {} : { hires: request.hires }),
      ...(request.upscaler === undefined ? {} : { upscaler: request.upscaler }),
      ...(request.loras === undefined || request.loras.length === 0 ? {} : { loras: request.loras }),
      ...(request.mask === undefined ? {} : { mask: { source: await this.maskSource(request.mask.source), blur: request.mask.blur } }),
      ...(request.outpaint === undefined ? {} : { outpaint: request.outpaint }),
    };
    return { kind: 'generate', job: { jobId, model: request.model, params } };
  }

  private async maskSource(source: MaskRef): Promise<MaskSource> {
    if (source.kind === 'region') return source;
    return { kind: 'image', data: await this.imageBytes(source) };
  }

  private async imageBytes(source: InitImageSource): Promise<Uint8Array> {
    switch (source.kind) {
      case 'upload':
        return source.data;
      case 'stored':
        return (await this.options.images.get(source.imageId)) ?? Promise.reject(expiredImage());
      case 'result': {
        const image = (await this.options.jobs.get(source.jobId))?.images[source.imageIndex];
        const bytes = image === undefined ? undefined : await this.options.images.get(image.imageId);
        return bytes ?? Promise.reject(expiredImage());
      }
      default: {
        const unknown: never = source;
        throw new Error(`unknown init image source ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** The queue's refusal in the user's words. */
export function refusalOf(admission: Extract<Admission, { accepted: false }>, caps: QueueCaps): UserFacingError {
  switch (admission.reason) {
    case 'intake_paused':
      return UserFacingError.of('intake_paused');
    case 'too_many_pending':
      return UserFacingError.of('too_many_pending', { pending: admission.pending ?? caps.maxPerUser, maxPending: caps.maxPerUser });
    case 'queue_full':
      return UserFacingError.of('queue_full', {
        maxWaiting: caps.maxWaiting,
        ...(admission.retryAfterMs === undefined ? {} : { retryAfterMs: admission.retryAfterMs }),
      });
  }
}

/** Steps the denoiser actually runs: img2img skips the first (1 − strength) of them. */
function stepsRun(request: GenerateRequest): number {
  const strength = request.init?.strength;
  return strength === undefined ? request.numInferenceSteps : Math.max(1, Math.floor(request.numInferenceSteps * strength));
}

function expiredImage(): UserFacingError {
  return UserFacingError.of('not_found', { option: 'image' });
}

/** An upscale past the model's size without an upscaler model: Lanczos in this process, no worker. */
function isPlainResize(request: GenerateRequest): boolean {
  return request.resizeOnly === true && request.upscaler === undefined;
}
