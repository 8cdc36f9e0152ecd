// Reads a delivered result PNG the way a user's tools would: the A1111 `parameters` chunk for what
// was generated, the pixels for what it looks like. The oracle model paints one flat colour, so a
// correct image has every pixel within a rounding of the closed form for its prompt, negative and CFG.
import sharp from 'sharp';
import { PARAMETERS_KEYWORD, parseParameterFields } from '../../../src/pipeline/image/a1111-parameters.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import type { OracleRequest, Rgb } from '../support/oracle-pipeline.js';

const NEGATIVE_PREFIX = 'Negative prompt: ';
const RGB_CHANNELS = 3;

export interface ResultImage extends OracleRequest {
  /** The fields line of the chunk: `Seed`, `Steps`, `CFG scale`, `Size`, … */
  readonly fields: ReadonlyMap<string, string>;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  /** Per channel, the lowest and highest value over all pixels. */
  readonly ranges: readonly (readonly [number, number])[];
}

export async function readResultImage(png: Uint8Array): Promise<ResultImage> {
  const text = readPngText(png).get(PARAMETERS_KEYWORD);
  if (text === undefined) throw new Error('the PNG has no parameters chunk');
  const lines = text.split('\n');
  const fields = parseParameterFields(text);
  const negativeLine = lines.find((line) => line.startsWith(NEGATIVE_PREFIX));
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    prompt: lines[0] ?? '',
    negativePrompt: negativeLine?.slice(NEGATIVE_PREFIX.length) ?? '',
    guidanceScale: Number(fields.get('CFG scale')),
    seed: Number(fields.get('Seed')),
    fields,
    width: info.width,
    height: info.height,
    ranges: channelRanges(data),
  };
}

/** How far the image's pixels stray from `colour`, at worst, over all channels. */
export function largestDeviation(image: ResultImage, colour: Rgb): number {
  return Math.max(...image.ranges.map(([low, high], channel) => Math.max(Math.abs(low - colour[channel]!), Math.abs(high - colour[channel]!))));
}

function channelRanges(data: Uint8Array): [number, number][] {
  const ranges: [number, number][] = Array.from({ length: RGB_CHANNELS }, () => [Infinity, -Infinity]);
  for (let i = 0; i < data.length; i += 1) {
    const range = ranges[i % RGB_CHANNELS]!;
    const value = data[i]!;
    if (value < range[0]) range[0] = value;
    if (value > range[1]) range[1] = value;
  }
  return ranges;
}
