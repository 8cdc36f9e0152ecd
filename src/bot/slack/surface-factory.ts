// Creates the per-job surfaces and keeps track of those still running, so shutdown and tests can
// wait until every job's final state is in Slack.
import { SlackJobSurface, type SurfaceDeps, type SurfaceTarget } from './slack-job-surface.js';

export class SurfaceFactory {
  readonly #live = new Set<SlackJobSurface>();

  constructor(private readonly deps: SurfaceDeps) {}

  create(target: SurfaceTarget): SlackJobSurface {
    const surface = new SlackJobSurface(this.deps, target);
    this.#live.add(surface);
    void surface.settled.then(() => this.#live.delete(surface));
    return surface;
  }

  /** Resolves when every surface created so far has settled. */
  async idle(): Promise<void> {
    while (this.#live.size > 0) await Promise.all([...this.#live].map((surface) => surface.settled));
  }
}
