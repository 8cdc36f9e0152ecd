// Wraps the pipeline client so every job feeds the metrics: waiting time, duration, steps per
// second, and errors by code. The job service sees the same ImageGenerator it always did.
import type { ClientGenerateOptions, GenerationJob } from '../../pipeline/ipc/client.js';
import type { GenerationResult } from '../../pipeline/types.js';
import type { ImageGenerator } from '../core/image-generator.js';
import type { BotMetrics } from './create-metrics.js';

export class InstrumentedGenerator implements ImageGenerator {
  constructor(
    private readonly inner: ImageGenerator,
    private readonly metrics: BotMetrics,
    /** When the job was accepted, to measure its wait; undefined when unknown. */
    private readonly acceptedAt: (jobId: string) => number | undefined,
  ) {}

  async generate(job: GenerationJob, options: ClientGenerateOptions): Promise<GenerationResult> {
    const accepted = this.acceptedAt(job.jobId);
    if (accepted !== undefined) this.metrics.observeWait(Math.max(0, Date.now() - accepted));
    const started = performance.now();
    try {
      const result = await this.inner.generate(job, options);
      this.metrics.observeJob({
        model: job.model,
        durationMs: performance.now() - started,
        steps: job.params.numInferenceSteps * job.params.count,
        denoiseMs: result.timings.denoiseMs,
        images: result.images.length,
      });
      return result;
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'unknown';
      this.metrics.countError(code);
      throw error;
    }
  }
}
