// The oracle's closed form: SD's schedule facts, and colours that make pipeline mistakes visible.
import { describe, expect, it } from 'vitest';
import {
  ALPHAS_CUMPROD,
  ORACLE_DEFAULT_SCALING_FACTOR,
  SIGMAS,
  oracleAlphaBar,
  oracleColour,
  oracleEncodedLatent,
  oracleEpsilon,
  oracleGuidedX0,
  oracleSigma,
  oracleVelocity,
  oracleX0,
  simpleTokenIds,
  type OracleVariant,
  type Rgb,
} from '../../fixtures/oracle/index.js';

type Pad = '<|endoftext|>' | '!';
const PADS: readonly Pad[] = ['<|endoftext|>', '!'];
const HIDDEN_SIZES = [768, 1024] as const;
const CAT = 'a photo of a cat';
const FOX = 'a red fox in snow';
const TYPICAL_PROMPTS = [
  CAT,
  FOX,
  'a castle',
  'portrait of a dog',
  'landscape',
  'a blue car',
  'green tree',
  'a cute dog in a field of flowers',
  'a painting of a ship at sea',
  'an astronaut riding a horse on the moon',
  'the city at night',
  'a bowl of fruit',
  '',
];
/** Colours this far from 0 and 255 are safely unclipped. */
const CLIP_MARGIN = 16;

function colour(variant: OracleVariant, prompt: string, guidance: number, negative = ''): Rgb {
  const pad = variant.padToken ?? '<|endoftext|>';
  const guided = oracleGuidedX0(variant, simpleTokenIds(prompt, pad), simpleTokenIds(negative, pad), guidance);
  return oracleColour(variant, guided);
}

function maxChannelDifference(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, k) => Math.abs(v - (b[k] ?? NaN))));
}

const VARIANTS: readonly OracleVariant[] = HIDDEN_SIZES.flatMap((hiddenSize) =>
  PADS.map((padToken) => ({ hiddenSize, padToken })),
);

/** The reference figures come from diffusers' float32 tables; ours are float64. */
const SCHEDULE_RELATIVE_TOLERANCE = 5e-5;

describe('noise schedule (scaled_linear, 1000 steps)', () => {
  it.each([
    ['ᾱ[0]', () => ALPHAS_CUMPROD[0], 0.99915],
    ['ᾱ[999]', () => ALPHAS_CUMPROD[999], 0.0046601],
    ['σ_min', () => SIGMAS[0], 0.029168],
    ['σ_max', () => SIGMAS[999], 14.6147],
    ['σ(951), leading spacing’s first step', () => oracleSigma(951), 11.0283],
  ] as const)('%s', (_name, value, expected) => {
    expect(Math.abs((value() ?? NaN) / expected - 1)).toBeLessThan(SCHEDULE_RELATIVE_TOLERANCE);
  });

  it('interpolates σ linearly at fractional t and clamps t to [0, 999]', () => {
    const lo = SIGMAS[946] ?? NaN;
    const hi = SIGMAS[947] ?? NaN;
    expect(oracleSigma(946.42)).toBeCloseTo(lo + 0.42 * (hi - lo), 12);
    expect(oracleSigma(-3)).toBe(SIGMAS[0]);
    expect(oracleSigma(1200)).toBe(SIGMAS[999]);
    expect(oracleAlphaBar(500)).toBeCloseTo(ALPHAS_CUMPROD[500] ?? NaN, 12);
  });
});

describe('UNet closed form', () => {
  it.each([1, 250.5, 946.42, 999])('ε and v at t=%s recover x0 as Euler and v-prediction do', (t) => {
    const x0 = 0.13;
    const sigma = oracleSigma(t);
    // A noisy latent x = x0 + σ·n, fed to the UNet scaled by 1/√(σ²+1).
    const noisy = x0 + sigma * 0.7;
    const scaled = noisy / Math.sqrt(sigma ** 2 + 1);
    expect(noisy - sigma * oracleEpsilon(scaled, t, x0)).toBeCloseTo(x0, 10);
    const v = oracleVelocity(scaled, t, x0);
    expect((-sigma / Math.sqrt(sigma ** 2 + 1)) * v + noisy / (sigma ** 2 + 1)).toBeCloseTo(x0, 10);
  });
});

describe('guidance', () => {
  it('lands on x0(neg) at g=0 and x0(prompt) at g=1', () => {
    const prompt = simpleTokenIds(CAT);
    const negative = simpleTokenIds('blurry');
    expect(oracleGuidedX0({}, prompt, negative, 0)).toEqual(oracleX0({}, negative));
    oracleGuidedX0({}, prompt, negative, 1).forEach((x, c) =>
      expect(x).toBeCloseTo(oracleX0({}, prompt)[c] ?? NaN, 12),
    );
  });
});

describe.each(VARIANTS)('colours for hidden size $hiddenSize, pad $padToken', (variant) => {
  it('stay mid-range (never clipped) for typical prompts at guidance 0…8', () => {
    const pad = variant.padToken ?? '<|endoftext|>';
    const negative = oracleX0(variant, simpleTokenIds('', pad));
    for (const prompt of TYPICAL_PROMPTS) {
      const cond = oracleX0(variant, simpleTokenIds(prompt, pad));
      for (let guidance = 0; guidance <= 8; guidance += 0.5) {
        // oracleGuidedX0, without recomputing both x0 for every guidance
        const guided = negative.map((u, c) => u + guidance * ((cond[c] ?? NaN) - u));
        for (const value of oracleColour(variant, guided)) {
          expect(value, `${prompt} at g=${guidance}`).toBeGreaterThan(CLIP_MARGIN);
          expect(value, `${prompt} at g=${guidance}`).toBeLessThan(255 - CLIP_MARGIN);
        }
      }
    }
  });

  it('tell "a photo of a cat" from "a red fox in snow" by ≥ 30/255 at guidance 7', () => {
    expect(maxChannelDifference(colour(variant, CAT, 7), colour(variant, FOX, 7))).toBeGreaterThanOrEqual(30);
  });

  it.each([CAT, FOX])('move "%s" by ≥ 20/255 between guidance 1 and 7', (prompt) => {
    expect(maxChannelDifference(colour(variant, prompt, 1), colour(variant, prompt, 7))).toBeGreaterThanOrEqual(20);
  });
});

describe('export variants change the colour', () => {
  const guidances = [1, 7];
  const prompts = [CAT, ''];

  it.each(HIDDEN_SIZES.flatMap((h) => guidances.flatMap((g) => prompts.map((p) => [h, g, p] as const))))(
    'pad token (hidden %s, guidance %s, "%s") by ≥ 10/255',
    (hiddenSize, guidance, prompt) => {
      const eos = colour({ hiddenSize, padToken: '<|endoftext|>' }, prompt, guidance);
      const bang = colour({ hiddenSize, padToken: '!' }, prompt, guidance);
      expect(maxChannelDifference(eos, bang)).toBeGreaterThanOrEqual(10);
    },
  );

  it.each(PADS.flatMap((pad) => guidances.flatMap((g) => prompts.map((p) => [pad, g, p] as const))))(
    'hidden size 768 vs 1024 (pad %s, guidance %s, "%s") by ≥ 10/255',
    (padToken, guidance, prompt) => {
      const small = colour({ hiddenSize: 768, padToken }, prompt, guidance);
      const large = colour({ hiddenSize: 1024, padToken }, prompt, guidance);
      expect(maxChannelDifference(small, large)).toBeGreaterThanOrEqual(10);
    },
  );

  it('a forgotten division by the scaling factor', () => {
    const x0 = oracleGuidedX0({}, simpleTokenIds(CAT), simpleTokenIds(''), 7.5);
    expect(maxChannelDifference(oracleColour({}, x0), oracleColour({}, x0, 1))).toBeGreaterThanOrEqual(30);
  });
});

describe('scaling factor', () => {
  const x0 = oracleX0({}, simpleTokenIds(CAT));

  it('defaults to 0.18215, else comes from the variant, else from the argument', () => {
    expect(oracleColour({}, x0)).toEqual(oracleColour({}, x0, ORACLE_DEFAULT_SCALING_FACTOR));
    expect(oracleColour({ scalingFactor: 0.13025 }, x0)).toEqual(oracleColour({}, x0, 0.13025));
    expect(oracleColour({ scalingFactor: 0.13025 }, x0, 0.5)).toEqual(oracleColour({}, x0, 0.5));
  });

  it.each([
    [[200, 90, 40], undefined],
    [[12, 128, 250], undefined],
    [[128, 128, 128], 0.13025],
  ] as const)('encoding %j then decoding gives the colour back (scale %s)', (rgb, scalingFactor) => {
    const variant: OracleVariant = scalingFactor === undefined ? {} : { scalingFactor };
    oracleColour(variant, oracleEncodedLatent(variant, rgb)).forEach((value, k) =>
      expect(value).toBeCloseTo(rgb[k] ?? NaN, 3),
    );
  });
});
