// The upscalers of UPSCALERS_DIR: every `NAME.onnx` there is upscaler NAME. One is kept loaded
// at a time (they are small next to the diffusion model, but a server may hold several).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError } from '../errors.js';
import type { SessionOptions } from '../onnx/onnx-model.js';
import { OnnxUpscaler } from './onnx-upscaler.js';

const EXTENSION = '.onnx';

export class UpscalerModels {
  private loaded: OnnxUpscaler | undefined;

  constructor(
    private readonly dir: string | undefined,
    private readonly options: SessionOptions,
  ) {}

  /** Names of the upscalers found in the folder; none when it is not configured or missing. */
  async names(): Promise<string[]> {
    if (this.dir === undefined) return [];
    try {
      return (await readdir(this.dir)).filter((file) => file.endsWith(EXTENSION)).map((file) => file.slice(0, -EXTENSION.length)).sort();
    } catch {
      return [];
    }
  }

  async get(name: string): Promise<OnnxUpscaler> {
    if (this.loaded?.name === name) return this.loaded;
    const names = await this.names();
    const dir = this.dir;
    if (dir === undefined || !names.includes(name)) {
      const where = this.dir === undefined ? 'no upscaler folder is configured (UPSCALERS_DIR)' : `the upscalers are ${names.length > 0 ? names.join(', ') : 'none'}`;
      throw new PipelineError('invalid_params', `upscaler must be lanczos${names.length > 0 ? ', latent or one of the models' : ' or latent'}, got "${name}"; ${where}`);
    }
    await this.release();
    this.loaded = await OnnxUpscaler.load(join(dir, `${name}${EXTENSION}`), name, this.options);
    return this.loaded;
  }

  async release(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    await loaded?.release();
  }
}
