// Reads back the A1111 `parameters` chunk of a result PNG, the way a user's image tool would, so a
// test can recompute the image from the request that was actually run.
import { PARAMETERS_KEYWORD, parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';

export interface EmbeddedParameters {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly guidanceScale: number;
  readonly seed: number;
  readonly steps: number;
  /** `WxH`, as written in the chunk. */
  readonly size: string;
}

const NEGATIVE_PREFIX = 'Negative prompt: ';

function field(fields: ReadonlyMap<string, string>, name: string): string {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`the parameters chunk has no ${name}`);
  return value;
}

export function readEmbeddedParameters(png: Uint8Array): EmbeddedParameters {
  const text = readPngText(png).get(PARAMETERS_KEYWORD);
  if (text === undefined) throw new Error(`the PNG has no ${PARAMETERS_KEYWORD} chunk`);
  const fields = parseParameterFields(text);
  // Prompt lines, then optionally the negative prompt, then one line of fields.
  const body = text.split('\n').slice(0, -1);
  const negativeAt = body.findIndex((line) => line.startsWith(NEGATIVE_PREFIX));
  const promptLines = negativeAt === -1 ? body : body.slice(0, negativeAt);
  const negativeLines = negativeAt === -1 ? [] : body.slice(negativeAt);
  return {
    prompt: promptLines.join('\n'),
    negativePrompt: negativeLines.join('\n').slice(NEGATIVE_PREFIX.length),
    guidanceScale: Number(field(fields, 'CFG scale')),
    seed: Number(field(fields, 'Seed')),
    steps: Number(field(fields, 'Steps')),
    size: field(fields, 'Size'),
  };
}
