// The port the job service generates through; PipelineClient implements it over the worker process.
import type { ClientGenerateOptions, GenerationJob } from '../../pipeline/ipc/client.js';
import type { GenerationResult } from '../../pipeline/types.js';

export type { GenerationJob } from '../../pipeline/ipc/client.js';

export interface ImageGenerator {
  generate(job: GenerationJob, options: ClientGenerateOptions): Promise<GenerationResult>;
}
