// The stored record of one job. It is what makes re-roll, Variations and Upscale work on a
// message from before a restart. The job service writes it; commands read it through ports.
import type { GenerateRequest, Requester } from './generate-request.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** A message that shows this job, in the platform's own terms (Discord message id, Slack channel+ts). */
export interface MessageRef {
  readonly platform: Requester['platform'];
  readonly channelId: string;
  readonly messageId: string;
}

export interface JobImageRecord {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly nsfw: boolean;
  /** Key of the PNG in the job service's image store. */
  readonly imageId: string;
}

export interface JobRecord {
  readonly jobId: string;
  readonly requester: Requester;
  readonly request: GenerateRequest;
  readonly status: JobStatus;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly images: readonly JobImageRecord[];
  readonly messages: readonly MessageRef[];
  readonly error?: { readonly code: string; readonly message: string };
}
