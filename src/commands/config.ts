// The commands configuration: models and their limits, styles, moderation, admins and the knobs of
// the result actions. Validated once at startup; a bad config fails loudly with zod's message.
import { z } from 'zod';
import { MAX_IMAGES_PER_REQUEST, MODEL_KINDS, SAMPLER_NAMES, type ModelKind, type SamplerName } from '../pipeline/types.js';
import { ABSOLUTE_MAX_STEPS, MAX_GUIDANCE_SCALE, MAX_STRENGTH, MIN_STRENGTH, SIZE_STEP } from './limits.js';

/** Model and style names are typed after `--model` / `--style`, so they are single words. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `/body/flags`, as written in the config file. */
const REGEX_LITERAL = /^\/(.+)\/([a-z]*)$/s;
const USER_KEY_PATTERN = /^(discord|slack|playground):\S+$/;

const MIB = 1024 * 1024;
const square = (side: number): number => side * side;

export const DEFAULT_VARIATION_STRENGTH = 0.6;
export const DEFAULT_UPSCALE_STRENGTH = 0.3;
/** A 2048² PNG stays under Discord's default 10 MiB attachment limit. */
export const DEFAULT_UPSCALE_MAX_PIXELS = square(2048);
export const DEFAULT_INIT_IMAGE_STRENGTH = 0.75;
export const DEFAULT_INIT_IMAGE_MAX_BYTES = 10 * MIB;
export const DEFAULT_INIT_IMAGE_MAX_PIXELS = square(4096);

const samplerSchema = z.enum(SAMPLER_NAMES);

const modelSchema = z
  .object({
    kind: z.enum(MODEL_KINDS),
    description: z.string().max(100).optional(),
    /** The pixel count the model was trained at (512² SD1, 768² SD2-768, 1024² SDXL); aspect ratios fill it. */
    nativePixels: z.int().min(square(SIZE_STEP)),
    /** Largest width × height accepted; bigger requests are scaled down with a note. */
    maxPixels: z.int().min(square(SIZE_STEP)),
    maxSteps: z.int().min(1).max(ABSOLUTE_MAX_STEPS),
    defaultSteps: z.int().min(1).max(ABSOLUTE_MAX_STEPS),
    defaultGuidanceScale: z.number().min(0).max(MAX_GUIDANCE_SCALE),
    defaultSampler: samplerSchema,
    samplers: z.array(samplerSchema).min(1),
    supportsClipSkip: z.boolean(),
    maxCount: z.int().min(1).max(MAX_IMAGES_PER_REQUEST),
    defaultCount: z.int().min(1).max(MAX_IMAGES_PER_REQUEST),
  })
  .superRefine((model, ctx) => {
    const problem = (message: string): void => ctx.addIssue({ code: 'custom', message });
    if (model.nativePixels > model.maxPixels) problem('nativePixels must not exceed maxPixels');
    if (model.defaultSteps > model.maxSteps) problem('defaultSteps must not exceed maxSteps');
    if (model.defaultCount > model.maxCount) problem('defaultCount must not exceed maxCount');
    if (!model.samplers.includes(model.defaultSampler)) problem('defaultSampler must be one of samplers');
  });

export type ModelConfig = z.output<typeof modelSchema>;

const ALL_BUT_LCM: readonly SamplerName[] = SAMPLER_NAMES.filter((name) => name !== 'lcm');

/** What each kind of model is good at, so a config only has to name the kind. */
export const MODEL_DEFAULTS: Readonly<Record<ModelKind, ModelConfig>> = {
  sd1: {
    kind: 'sd1', nativePixels: square(512), maxPixels: square(768), maxSteps: 50, defaultSteps: 25,
    defaultGuidanceScale: 7, defaultSampler: 'euler_a', samplers: [...ALL_BUT_LCM], supportsClipSkip: true,
    maxCount: 4, defaultCount: 1,
  },
  sd2: {
    kind: 'sd2', nativePixels: square(768), maxPixels: square(1024), maxSteps: 50, defaultSteps: 25,
    defaultGuidanceScale: 7, defaultSampler: 'euler_a', samplers: [...ALL_BUT_LCM], supportsClipSkip: true,
    maxCount: 4, defaultCount: 1,
  },
  sdxl: {
    kind: 'sdxl', nativePixels: square(1024), maxPixels: 1536 * 1024, maxSteps: 50, defaultSteps: 30,
    defaultGuidanceScale: 6, defaultSampler: 'dpmpp_2m_karras', samplers: [...ALL_BUT_LCM], supportsClipSkip: false,
    maxCount: 2, defaultCount: 1,
  },
  'sd-turbo': {
    kind: 'sd-turbo', nativePixels: square(512), maxPixels: square(768), maxSteps: 4, defaultSteps: 1,
    defaultGuidanceScale: 0, defaultSampler: 'euler_a', samplers: ['euler_a', 'euler'], supportsClipSkip: false,
    maxCount: 4, defaultCount: 1,
  },
  'sdxl-turbo': {
    kind: 'sdxl-turbo', nativePixels: square(512), maxPixels: square(1024), maxSteps: 4, defaultSteps: 1,
    defaultGuidanceScale: 0, defaultSampler: 'euler_a', samplers: ['euler_a', 'euler'], supportsClipSkip: false,
    maxCount: 4, defaultCount: 1,
  },
  lcm: {
    kind: 'lcm', nativePixels: square(512), maxPixels: square(768), maxSteps: 8, defaultSteps: 4,
    defaultGuidanceScale: 8, defaultSampler: 'lcm', samplers: ['lcm'], supportsClipSkip: false,
    maxCount: 4, defaultCount: 1,
  },
};

/** In a config file only `kind` is required; the rest defaults from MODEL_DEFAULTS. */
const modelInputSchema = z
  .looseObject({ kind: z.enum(MODEL_KINDS) })
  .transform((input) => ({ ...MODEL_DEFAULTS[input.kind], ...input }))
  .pipe(modelSchema);

const styleSchema = z.object({
  /** Added to the prompt: `{prompt}` marks where the user's prompt goes, otherwise it is appended. */
  prompt: z.string().default(''),
  negative: z.string().default(''),
  description: z.string().max(100).optional(),
});
export type StyleConfig = z.output<typeof styleSchema>;

const regexLiteralSchema = z.string().refine((text) => compileRegexLiteral(text) !== undefined, {
  message: 'must be a valid /regex/flags literal',
});

export const commandsConfigSchema = z
  .object({
    models: z.record(z.string().regex(NAME_PATTERN), modelInputSchema),
    defaultModel: z.string(),
    styles: z.record(z.string().regex(NAME_PATTERN), styleSchema).default({}),
    blocklist: z
      .object({
        /** Whole words, matched case-insensitively. */
        words: z.array(z.string().trim().min(1)).default([]),
        patterns: z.array(regexLiteralSchema).default([]),
      })
      .prefault({}),
    /** `platform:userId`; only these may use the admin command. Platform roles are not enough. */
    adminUserKeys: z.array(z.string().regex(USER_KEY_PATTERN)).default([]),
    variationStrength: z.number().min(MIN_STRENGTH).max(MAX_STRENGTH).default(DEFAULT_VARIATION_STRENGTH),
    upscale: z
      .object({
        strength: z.number().min(MIN_STRENGTH).max(MAX_STRENGTH).default(DEFAULT_UPSCALE_STRENGTH),
        /** Largest output of a plain resize; a hires pass is bounded by the model's maxPixels. */
        maxPixels: z.int().positive().default(DEFAULT_UPSCALE_MAX_PIXELS),
        /** Upscaler model (a name in UPSCALERS_DIR) for U1–U4 when a request names none; Lanczos when absent. */
        model: z.string().min(1).optional(),
      })
      .prefault({}),
    /** The model Vary (Region), Zoom Out and Pan repaint with; without one, each image's own model does (masked img2img). */
    inpaintModel: z.string().optional(),
    /** Who may re-roll or vary someone else's result. Admins always may. */
    rerollPolicy: z.enum(['anyone', 'owner']).default('anyone'),
    initImage: z
      .object({
        maxBytes: z.int().positive().default(DEFAULT_INIT_IMAGE_MAX_BYTES),
        maxPixels: z.int().positive().default(DEFAULT_INIT_IMAGE_MAX_PIXELS),
        defaultStrength: z.number().min(MIN_STRENGTH).max(MAX_STRENGTH).default(DEFAULT_INIT_IMAGE_STRENGTH),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    if (Object.keys(config.models).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['models'], message: 'at least one model is required' });
    }
    if (!Object.hasOwn(config.models, config.defaultModel)) {
      ctx.addIssue({ code: 'custom', path: ['defaultModel'], message: 'must be one of the configured models' });
    }
    if (config.inpaintModel !== undefined && !Object.hasOwn(config.models, config.inpaintModel)) {
      ctx.addIssue({ code: 'custom', path: ['inpaintModel'], message: 'must be one of the configured models' });
    }
    assertUniqueIgnoringCase(Object.keys(config.models), ['models'], ctx);
    assertUniqueIgnoringCase(Object.keys(config.styles), ['styles'], ctx);
  });

export type CommandsConfig = z.output<typeof commandsConfigSchema>;

/** Validates a config read from a file or the environment. Throws a ZodError naming the bad field. */
export function parseCommandsConfig(input: unknown): CommandsConfig {
  return commandsConfigSchema.parse(input);
}

/**
 * A working config for the given models: a name list (all treated as SD1) or names mapped to kinds.
 * The first model becomes the default.
 */
export function defaultCommandsConfig(
  models: readonly string[] | Readonly<Record<string, ModelKind>>,
): CommandsConfig {
  const kinds: Record<string, ModelKind> = Array.isArray(models)
    ? Object.fromEntries((models as readonly string[]).map((name) => [name, 'sd1' as const]))
    : { ...(models as Readonly<Record<string, ModelKind>>) };
  const names = Object.keys(kinds);
  return parseCommandsConfig({
    models: Object.fromEntries(names.map((name) => [name, { kind: kinds[name] }])),
    defaultModel: names[0] ?? '',
  });
}

/** Compiles `/body/flags`; `g` and `y` are dropped because they make `test` stateful. */
export function compileRegexLiteral(text: string): RegExp | undefined {
  const match = REGEX_LITERAL.exec(text);
  if (match === null) return undefined;
  try {
    return new RegExp(match[1] ?? '', (match[2] ?? '').replace(/[gy]/g, ''));
  } catch {
    return undefined;
  }
}

function assertUniqueIgnoringCase(names: readonly string[], path: string[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const name of names) {
    const folded = name.toLowerCase();
    if (seen.has(folded)) ctx.addIssue({ code: 'custom', path, message: `"${name}" differs from another name only in case` });
    seen.add(folded);
  }
}
