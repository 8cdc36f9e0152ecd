// What a result PNG says it was made from: its A1111 `parameters` chunk, read back the way
// another tool (WebUI's PNG Info, say) would, so the test checks the colour against what was used.
import { PARAMETERS_KEYWORD, parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';

export interface EmbeddedParameters {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly guidanceScale: number;
  readonly seed: number;
  /** Every field of the last line, e.g. `Steps` → "16". */
  readonly fields: ReadonlyMap<string, string>;
}

const NEGATIVE_PREFIX = 'Negative prompt: ';

export function embeddedParameters(png: Uint8Array): EmbeddedParameters {
  const text = readPngText(png).get(PARAMETERS_KEYWORD);
  if (text === undefined) throw new Error(`the PNG has no "${PARAMETERS_KEYWORD}" text chunk`);
  const fields = parseParameterFields(text);
  // Prompt lines, then optionally the negative prompt's, then the fields line.
  const lines = text.split('\n').slice(0, -1);
  const negativeAt = lines.findIndex((line) => line.startsWith(NEGATIVE_PREFIX));
  const promptLines = negativeAt === -1 ? lines : lines.slice(0, negativeAt);
  const negativeLines = negativeAt === -1 ? [] : lines.slice(negativeAt);
  return {
    prompt: promptLines.join('\n'),
    negativePrompt: negativeLines.join('\n').slice(NEGATIVE_PREFIX.length),
    guidanceScale: numberField(fields, 'CFG scale'),
    seed: numberField(fields, 'Seed'),
    fields,
  };
}

function numberField(fields: ReadonlyMap<string, string>, name: string): number {
  const value = Number(fields.get(name));
  if (!Number.isFinite(value)) throw new Error(`the parameters chunk has no numeric "${name}" (got ${String(fields.get(name))})`);
  return value;
}
