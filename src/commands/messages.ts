// Every user-facing string of the commands layer, in one place. Adapters render these; they never
// write their own wording for a command. Texts use only `code` markup, which Discord and Slack share.
import { SAMPLER_LABELS, type MaskRegion, type PanDirection, type SamplerName } from '../pipeline/types.js';
import type { ErrorCode, UserFacingErrorDetails } from './user-facing-error.js';
import type { Platform } from './generate-request.js';

const MS_PER_SECOND = 1000;
const SECONDS_PER_MINUTE = 60;
const MINUTES_PER_HOUR = 60;
const BYTES_PER_KIB = 1024;
/** ETAs are guesses: under a minute they move in 5 s steps, under ten minutes in 10 s steps. */
const ETA_FINE_STEP_S = 5;
const ETA_COARSE_STEP_S = 10;
const ETA_MINUTES_ONLY_S = 10 * SECONDS_PER_MINUTE;
const LIST_LIMIT = 12;
const WORDS_SHOWN = 20;

const code = (text: string | number): string => `\`${String(text).replaceAll('`', "'")}\``;

// ---- Formatting ---------------------------------------------------------------------------------

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th. */
function ordinal(n: number): string {
  const lastTwo = n % 100;
  const last = n % 10;
  const suffix = lastTwo >= 11 && lastTwo <= 13 ? 'th' : last === 1 ? 'st' : last === 2 ? 'nd' : last === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** Exact, rounded up to the second: "40 s", "2 min 5 s", "1 h 3 min". */
function formatDuration(ms: number): string {
  const totalSeconds = Math.max(1, Math.ceil(ms / MS_PER_SECOND));
  const hours = Math.floor(totalSeconds / (SECONDS_PER_MINUTE * MINUTES_PER_HOUR));
  const minutes = Math.floor(totalSeconds / SECONDS_PER_MINUTE) % MINUTES_PER_HOUR;
  const seconds = totalSeconds % SECONDS_PER_MINUTE;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
  return `${seconds} s`;
}

/** A rough wait: "about 40 s", "about 1 min 20 s", "about 12 min". */
function formatEta(ms: number): string {
  const seconds = Math.max(0, ms / MS_PER_SECOND);
  if (seconds < ETA_FINE_STEP_S) return 'a few seconds';
  const step = seconds < SECONDS_PER_MINUTE ? ETA_FINE_STEP_S : seconds < ETA_MINUTES_ONLY_S ? ETA_COARSE_STEP_S : SECONDS_PER_MINUTE;
  return `about ${formatDuration(Math.round(seconds / step) * step * MS_PER_SECOND)}`;
}

function formatBytes(bytes: number): string {
  if (bytes < BYTES_PER_KIB) return `${bytes} bytes`;
  const kib = bytes / BYTES_PER_KIB;
  if (kib < BYTES_PER_KIB) return `${trimNumber(kib)} KB`;
  return `${trimNumber(kib / BYTES_PER_KIB)} MB`;
}

function formatSize(width: number, height: number): string {
  return `${width}×${height}`;
}

function formatPixels(pixels: number): string {
  const side = Math.sqrt(pixels);
  return Number.isInteger(side) ? `${formatSize(side, side)} pixels` : `${pixels.toLocaleString('en-US')} pixels`;
}

function trimNumber(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function list(items: readonly (string | number)[]): string {
  const shown = items.slice(0, LIST_LIMIT).map(String);
  return items.length > LIST_LIMIT ? `${shown.join(', ')}, …` : shown.join(', ');
}

function range(min: number, max: number): string {
  return `${min}–${max}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function samplerLabel(name: SamplerName): string {
  return SAMPLER_LABELS[name];
}

// ---- Texts --------------------------------------------------------------------------------------

const FLAG_EXAMPLES: Readonly<Record<string, string>> = {
  ar: '--ar 3:2',
  size: '--size 768x512',
  seed: '--seed 42',
  steps: '--steps 30',
  cfg: '--cfg 6',
  sampler: '--sampler euler_a',
  count: '--n 2',
  model: '--model <name>',
  style: '--style <name>',
  strength: '--strength 0.5',
  'clip-skip': '--clip-skip 2',
  negative: '--no text, watermark',
  hires: '--hires 1.5',
  'hires-steps': '--hires-steps 10',
  'hires-denoise': '--hires-denoise 0.5',
  'hires-upscaler': '--hires-upscaler lanczos',
  upscaler: '--upscaler <name>',
  lora: '--lora <name>:0.8',
};

const REGION_LABELS: Readonly<Record<MaskRegion, string>> = {
  left: 'Left half', right: 'Right half', top: 'Top half', bottom: 'Bottom half', centre: 'Centre', border: 'Border',
};
const REGION_PHRASES: Readonly<Record<MaskRegion, string>> = {
  left: 'the left half', right: 'the right half', top: 'the top half', bottom: 'the bottom half', centre: 'the centre', border: 'the border',
};
const PAN_LABELS: Readonly<Record<PanDirection, string>> = { left: 'Left', right: 'Right', up: 'Up', down: 'Down' };

export const messages = {
  ordinal,
  formatDuration,
  formatEta,
  formatBytes,
  formatSize,
  formatPixels,
  samplerLabel,

  options: {
    modelNotAllowedHere: (model: string, allowed: readonly string[]) =>
      `${code(model)} isn't allowed here. Models you can use here: ${list(allowed)}.`,
    upscaler: (option: string, value: string) =>
      `${code(option)} must be ${code('latent')}, ${code('lanczos')} or the name of an upscaler model, e.g. ${code('RealESRGAN_x4plus')}; got ${code(value)}.`,
    upscalerAllowed: 'latent, lanczos or an upscaler model name',
    hiresWithImage: `${code('hires')} works on text-to-image only; with an attached image, use ${code('strength')} instead, or upscale the result with U1–U4.`,
    hiresAllowed: 'text-to-image only',
    wholeNumber: (option: string, value: string, min: number, max: number) =>
      `${code(option)} must be a whole number from ${min} to ${max}, got ${code(value)}.`,
    decimal: (option: string, value: string, min: number, max: number) =>
      `${code(option)} must be a number from ${min} to ${max}, got ${code(value)}.`,
    choice: (option: string, value: string, choices: readonly string[]) =>
      `${code(option)} must be one of ${list(choices)}; got ${code(value)}.`,
    aspect: (option: string, value: string, maxRatio: number) =>
      `${code(option)} must be a shape like ${code('3:2')} or ${code('16:9')}, from 1:${maxRatio} to ${maxRatio}:1; got ${code(value)}.`,
    aspectAllowed: (maxRatio: number) => `W:H from 1:${maxRatio} to ${maxRatio}:1`,
    size: (option: string, value: string, min: number, max: number, maxRatio: number) =>
      `${code(option)} must be a size like ${code('768x512')}, each side ${range(min, max)} and no wider than ${maxRatio}:1; got ${code(value)}.`,
    sizeAllowed: (min: number, max: number, maxRatio: number) => `WxH, sides ${range(min, max)}, up to ${maxRatio}:1`,
    text: (option: string, value: string, maxChars: number) =>
      `${code(option)} must be text of at most ${maxChars} characters, got ${value}.`,
    maxChars: (maxChars: number) => `text, at most ${maxChars} characters`,
    charCount: (chars: number) => plural(chars, 'character', 'characters'),
    emptyPrompt: `${code('prompt')} is empty. Describe what you want to see, e.g. ${code('/imagine a fox in snow --ar 3:2')}.`,
    promptAllowed: 'a description of the image',
    eitherOr: (a: string, b: string, aValue: string, bValue: string) =>
      `Use either ${code(a)} or ${code(b)}, not both; got ${code(aValue)} and ${code(bValue)}.`,
    eitherOrAllowed: (a: string, b: string) => `${a} or ${b}`,
    range,
    list,
  },

  flags: {
    unknown: (typed: string, allowed: string) =>
      `${code(typed)} isn't a flag I know. Flags: ${allowed}. To keep ${code(typed)} in your prompt, write ${code(`\\${typed}`)}.`,
    needsSpace: (typed: string, flag: string) => `${code(typed)}: put a space between ${code(flag)} and its value.`,
    duplicate: (typed: string) => `${code(typed)} is given more than once; keep one.`,
    onceEach: 'each flag once',
    missingValue: (typed: string, example: string) => `${code(typed)} needs a value, e.g. ${code(example)}.`,
    unclosedQuote: (typed: string) => `The value of ${code(typed)} opens a quote but never closes it.`,
    example: (target: string) => FLAG_EXAMPLES[target] ?? `--${target} <value>`,
  },

  image: {
    tooLarge: (name: string, size: string, max: string, option = 'image') =>
      `${code(option)}: ${code(name)} is ${size}; the most I take is ${max}.`,
    maxBytes: (max: string) => `an image of at most ${max}`,
    notAnImage: (name: string, contentType: string, option = 'image') =>
      `${code(option)}: ${code(name)} is ${code(contentType)}, not an image. Attach a PNG, JPEG or WebP.`,
    notDownloaded: (name: string, option = 'image') => `${code(option)}: I couldn't download ${code(name)}. Please attach it again.`,
    unsupported: (name: string, option = 'image') => `${code(option)}: ${code(name)} isn't a PNG, JPEG or WebP image.`,
    formats: 'PNG, JPEG or WebP',
    tooManyPixels: (name: string, size: string, maxPixels: number, option = 'image') =>
      `${code(option)}: ${code(name)} is ${size}; the most I take is ${formatPixels(maxPixels)}.`,
    maskWithoutImage: (name: string) =>
      `${code('mask')}: ${code(name)} says where to repaint, but there is no ${code('image')} to repaint. Attach the picture too.`,
    maskAllowed: 'a mask together with an image',
    maxPixels: (maxPixels: number) => `at most ${formatPixels(maxPixels)}`,
  },

  /** The form that edits a picture of the user's own where a command cannot carry files (Slack). */
  imageEdit: {
    title: 'Edit an image',
    submitLabel: 'Paint',
    imageLabel: 'Image',
    imageHint: 'The picture to start from: PNG, JPEG or WebP.',
    maskLabel: 'Mask',
    maskHint: 'Optional. White repaints, black keeps; without a mask the whole picture changes (see --strength).',
    promptLabel: 'Prompt',
    promptPlaceholder: 'a red barn at dusk --strength 0.8',
    editing: (image: string, mask: string | undefined) =>
      mask === undefined ? `Editing ${code(image)}.` : `Editing ${code(image)}; ${code(mask)} says where to repaint.`,
    noImages: (command: string) =>
      `That message has no picture I can edit. Upload a PNG, JPEG or WebP (and optionally ${code('mask.png')}: white repaints, black keeps) and use the shortcut on it, or run ${code(`${command} edit`)}.`,
  },

  moderation: {
    blocked: "This prompt can't be used here. Please try a different one.",
  },

  notes: {
    stepsLowered: (wanted: number, max: number, model: string) =>
      `Steps lowered from ${wanted} to ${max}, the most ${code(model)} allows.`,
    countLowered: (wanted: number, max: number, model: string) =>
      `Images lowered from ${wanted} to ${max}, the most ${code(model)} makes at once.`,
    stepsLoweredHere: (wanted: number, max: number) => `Steps lowered from ${wanted} to ${max}, the most allowed here.`,
    countLoweredHere: (wanted: number, max: number) => `Images lowered from ${wanted} to ${max}, the most allowed here.`,
    samplerReplaced: (wanted: SamplerName, used: SamplerName, model: string) =>
      `${code(model)} can't use ${samplerLabel(wanted)}, so ${samplerLabel(used)} was used.`,
    clipSkipIgnored: (model: string) => `Clip skip was ignored: ${code(model)} doesn't support it.`,
    strengthWithoutImage: 'Strength was ignored: no image was attached.',
    hiresOptionsWithoutHires: `The hires options were ignored: they need ${code('--hires SCALE')}.`,
    hiresLowered: (wanted: number, used: number, model: string) =>
      `Hires upscale lowered from ${wanted}× to ${used}×, the largest that stays within ${code(model)}'s size limit.`,
    hiresSkipped: (model: string) => `The hires fix was skipped: the image is already as large as ${code(model)} allows.`,
    extraAttachmentsIgnored: (extra: number) => `Only the first image was used; ${plural(extra, 'other was', 'others were')} ignored.`,
    sizeRounded: (size: { width: number; height: number }) =>
      `Size rounded to ${formatSize(size.width, size.height)} (sides are multiples of 64).`,
    sizeLowered: (from: { width: number; height: number }, to: { width: number; height: number }, model: string) =>
      `Size lowered from ${formatSize(from.width, from.height)} to ${formatSize(to.width, to.height)}, the most ${code(model)} allows.`,
    savedStyleGone: (style: string) => `Your saved style ${code(style)} no longer exists, so none was used.`,
    savedSizeIgnored: (size: string) => `Your saved size ${code(size)} is no longer valid, so the default was used.`,
    upscaleHires: 'Upscaled 2× with a hires pass of the model.',
    upscaleResize: (maxPixels: number) =>
      `Upscaled 2× with a plain Lanczos resize: a hires pass would exceed the model's limit of ${formatPixels(maxPixels)}.`,
    upscaleModel: (upscaler: string, maxPixels: number) =>
      `Upscaled 2× with the ${code(upscaler)} upscaler: a hires pass would exceed the model's limit of ${formatPixels(maxPixels)}.`,
    truncated: (words: readonly string[]) =>
      `The prompt was too long for the model; these words were cut: ${words.slice(0, WORDS_SHOWN).join(' ')}${words.length > WORDS_SHOWN ? ' …' : ''}`,
  },

  loras: {
    familyLabel: (family: 'sd1' | 'sd2' | 'sdxl' | 'unknown') => ({ sd1: 'SD1', sd2: 'SD2', sdxl: 'SDXL', unknown: 'an unknown model' })[family],
    unknown: (typed: string, name: string, closest: readonly string[], available: number) =>
      available === 0
        ? `${code(typed)}: there is no LoRA ${code(name)}, and no LoRAs are installed.`
        : `${code(typed)}: there is no LoRA ${code(name)}.${closest.length > 0 ? ` Closest: ${closest.map(code).join(', ')}.` : ''} /loras lists them all.`,
    unknownAllowed: (closest: readonly string[]) => (closest.length > 0 ? `a LoRA name such as ${closest.join(', ')}` : 'the name of an installed LoRA'),
    wrongFamily: (typed: string, name: string, family: string, model: string, modelFamily: string) =>
      `${code(typed)}: the LoRA ${code(name)} is made for ${family} models, and ${code(model)} is an ${modelFamily} model. Pick a ${family} model with --model, or a LoRA for ${modelFamily}.`,
    familyAllowed: (family: string) => `a LoRA made for ${family}`,
    tooMany: (count: number, max: number) => `${code('lora')}: that asks for ${count} LoRAs; at most ${max} can be used at once.`,
    tooManyAllowed: (max: number) => `at most ${max} LoRAs`,
    badWeight: (typed: string, weight: string, min: number, max: number) =>
      `The weight in ${code(typed)} must be a number from ${min} to ${max}, got ${code(weight)}.`,
    weightAllowed: (min: number, max: number) => `a weight from ${min} to ${max}`,
    partlyApplied: (name: string, applied: number, total: number) =>
      `LoRA ${code(name)}: ${applied} of ${total} modules applied; the others match nothing in this model.`,
    title: 'LoRAs',
    none: (folder: string) => `No LoRAs are installed. Put NAME.safetensors files into ${code(folder)}.`,
    entry: (name: string, family: string, triggerWords: readonly string[]) =>
      `${code(name)} (${family})${triggerWords.length > 0 ? ` — trigger words: ${triggerWords.join(', ')}` : ''}`,
    usage: 'Use one with <lora:NAME:0.8> in the prompt, --lora NAME:0.8, or the lora option.',
    more: (count: number) => `… and ${count} more.`,
  },

  actions: {
    invalidButton: "This button doesn't work anymore.",
    jobGone: "I can't find that job anymore.",
    notOwner: 'Only the person who made these images, or an admin, can do that.',
    notFinished: "That job hasn't finished yet.",
    noSuchImage: (index: number, count: number) =>
      `There is no image ${index + 1} in this result; it has ${plural(count, 'image', 'images')}.`,
    tooLargeToUpscale: (width: number, height: number, maxPixels: number) =>
      `Image is already ${formatSize(width, height)}; 2× would exceed the upscale limit of ${formatPixels(maxPixels)}.`,
    upscaleAllowed: (maxPixels: number) => `up to ${formatPixels(maxPixels)} after upscaling`,
    chooseRegion: (index: number) => `Which part of image ${index + 1} should I repaint?`,
    wrongForm: "This form doesn't belong to a Remix anymore. Press 🖌️ Remix again.",
    deleted: 'Deleted.',
  },

  buttons: {
    reroll: 'Re-roll',
    delete: 'Delete',
    upscale: (index: number) => `U${index + 1}`,
    variation: (index: number) => `V${index + 1}`,
    remix: 'Remix',
    varyRegion: 'Vary (Region)',
    zoomOut: (factor: number) => `Zoom Out ${factor}×`,
    pan: (direction: PanDirection) => PAN_LABELS[direction],
    region: (region: MaskRegion) => REGION_LABELS[region],
  },

  remix: {
    title: 'Remix',
    submit: 'Make it',
    labels: { prompt: 'Prompt', negative: 'Negative prompt', size: 'Size (WxH or W:H)', steps: 'Steps', cfg: 'CFG scale' },
    sizePlaceholder: '768x512 or 3:2',
  },

  acks: {
    imagine: (prompt: string) => `Queued: ${prompt}`,
    reroll: (prompt: string) => `Re-rolling: ${prompt}`,
    variation: (index: number, prompt: string) => `Making variations of image ${index + 1}: ${prompt}`,
    varyRegion: (region: MaskRegion | undefined, index: number, prompt: string) =>
      `Repainting ${region === undefined ? 'the painted part' : REGION_PHRASES[region]} of image ${index + 1}: ${prompt}`,
    zoom: (factor: number, index: number, prompt: string) => `Zooming out ${factor}× from image ${index + 1}: ${prompt}`,
    pan: (direction: PanDirection, index: number, prompt: string) => `Panning image ${index + 1} ${direction}: ${prompt}`,
    remix: (prompt: string) => `Remixing: ${prompt}`,
    upscale: (index: number, resizeOnly: boolean, upscaler?: string) =>
      `Upscaling image ${index + 1} 2× with ${!resizeOnly ? 'a hires pass of the model' : upscaler === undefined ? 'a plain Lanczos resize' : `the ${code(upscaler)} upscaler`}.`,
  },

  progress: {
    queued: (position: number, etaMs: number) =>
      position <= 0 ? 'Starting now.' : `Queued: ${ordinal(position)} in line, ${formatEta(etaMs)}.`,
    step: (step: number, total: number) => `Step ${step}/${total}`,
    applyingLora: 'Applying LoRA… (the first image with a new set of LoRAs takes longer)',
    /** The job runs again from the start; the result still comes once. */
    restarted: (reason: 'stalled' | 'restart') =>
      reason === 'stalled'
        ? 'Restarted on another worker: the one making this stopped answering.'
        : 'Restarted: the bot was restarted while making this.',
  },

  result: {
    labels: {
      negative: 'Negative prompt',
      seed: 'Seed',
      seeds: 'Seeds',
      steps: 'Steps',
      sampler: 'Sampler',
      cfg: 'CFG scale',
      size: 'Size',
      model: 'Model',
      strength: 'Strength',
      clipSkip: 'Clip skip',
      loras: 'LoRAs',
      time: 'Time',
    },
    flagged: 'Some images were flagged by the safety checker.',
    withheld: (label: string) => `${label} was flagged as NSFW and is only posted in age-restricted channels and DMs.`,
  },

  errors: {
    /** A job whose worker was lost, then lost again on the worker that took it over. */
    workerLostTwice: (jobId: string) =>
      `Two workers were lost while making this, so it was stopped. Please try again. Job id: ${code(jobId)}.`,
    /** A finished job whose images expired before this bot could collect them. */
    resultLost: (jobId: string) =>
      `The images of this job were lost before they could be posted. Please try again. Job id: ${code(jobId)}.`,
    text: (errorCode: ErrorCode, details: UserFacingErrorDetails = {}): string => {
      const job = details.jobId === undefined ? '' : ` Job id: ${code(details.jobId)}.`;
      switch (errorCode) {
        case 'invalid_option':
          return details.option === undefined
            ? 'One of the options is not valid.'
            : `${code(details.option)} must be ${details.allowed ?? 'valid'}, got ${code(details.value ?? '')}.`;
        case 'prompt_blocked':
          return messages.moderation.blocked;
        case 'rate_limited': {
          const limit = details.limit;
          if (limit === undefined) {
            return details.retryAfterMs === undefined
              ? "You're going a bit fast. Please wait a little."
              : `You're going a bit fast. Try again in ${formatDuration(details.retryAfterMs)}.`;
          }
          const budget = `${limit.scope === 'guild' ? 'This server/workspace' : 'You'} can make ${plural(limit.capacity, 'image', 'images')} per ${formatDuration(limit.windowMs)}`;
          if ((details.requested ?? 0) > limit.capacity) return `${budget}; ask for at most ${limit.capacity} at a time.`;
          return details.retryAfterMs === undefined ? `${budget}.` : `${budget}. Try again in ${formatDuration(details.retryAfterMs)}.`;
        }
        case 'queue_full': {
          const size = details.maxWaiting === undefined ? 'full' : `full (${plural(details.maxWaiting, 'job', 'jobs')} waiting)`;
          return details.retryAfterMs === undefined
            ? `The queue is ${size} right now. Please try again in a few minutes.`
            : `The queue is ${size}. Try again in about ${formatDuration(details.retryAfterMs)}.`;
        }
        case 'too_many_pending':
          return details.maxPending === undefined
            ? 'You already have the most jobs waiting that I allow. Try again when one has finished.'
            : `You already have ${plural(details.pending ?? details.maxPending, 'job', 'jobs')} queued or running (at most ${details.maxPending}). Wait for one to finish, or cancel one.`;
        case 'intake_paused':
          return details.restarting === true
            ? 'The bot is restarting and not taking new jobs. Please try again in a minute.'
            : "I'm not taking new jobs right now. Please try again later.";
        case 'banned':
          return 'You are not allowed to make images with this bot. Ask an admin if you think this is a mistake.';
        case 'forbidden':
          return "You're not allowed to do that.";
        case 'not_found':
          return details.option === 'image'
            ? 'The image this job starts from has expired or was deleted. Start from a new image.'
            : "I can't find that anymore.";
        case 'timed_out':
          return `This took too long and was stopped. Try fewer steps or a smaller size.${job}`;
        case 'cancelled':
          return `Cancelled.${job}`;
        case 'interrupted':
          return (details.attempts ?? 1) > 1
            ? `This job was interrupted by restarts ${details.attempts} times, so it was stopped. Press Re-roll to run it again.${job}`
            : `This job was interrupted by a restart. Press Re-roll to run it again.${job}`;
        case 'worker_crashed':
          return `The image worker crashed while making this. It has restarted; please try again.${job}`;
        case 'generation_failed':
          return `Something went wrong while making your images. If it keeps happening, tell an admin.${job}`;
        case 'model_unavailable':
          return details.value === undefined
            ? 'That model is not available right now.'
            : `The model ${code(details.value)} isn't available.${details.allowed === undefined ? '' : ` Available: ${details.allowed}.`}`;
        case 'storage_unavailable':
          return messages.storage.unavailable;
      }
    },
  },

  storage: {
    /** The state store (bans, limits, job records) cannot be read or written right now. */
    unavailable: 'Storage unavailable, try again shortly.',
  },

  queue: {
    title: 'Queue',
    counts: (running: number, waiting: number) => `Running: ${running} · Waiting: ${waiting}`,
    paused: 'New jobs are paused by an admin.',
    none: 'You have no jobs in the queue.',
    running: (prompt: string, etaMs: number) => `${prompt} — running, ${formatEta(etaMs)} left`,
    waiting: (prompt: string, position: number, etaMs: number) =>
      `${prompt} — ${ordinal(position)} in line, ${formatEta(etaMs)}`,
    limits: (images: number, capacity: number, refillMs: number) =>
      images >= capacity
        ? `You can ask for ${plural(images, 'image', 'images')} now.`
        : `You can ask for ${plural(images, 'more image', 'more images')} now (up to ${capacity}; full again in ${formatDuration(refillMs)}).`,
  },

  settings: {
    title: 'Your defaults for /imagine',
    savedLabel: 'saved size',
    labels: { sampler: 'Sampler', steps: 'Steps', size: 'Size', negative: 'Negative prompt', style: 'Style' },
    unset: "model's default",
    saved: 'Saved. These apply to your next /imagine; options you type still win.',
    cleared: 'Your defaults are cleared.',
    nothingToSave: `Nothing to save. Give at least one of sampler, steps, ar, size, negative or style, e.g. ${code('/settings set steps:30')}.`,
    notSavable: (typed: string, savable: string) => `${code(typed)} can't be saved as a default; you can save ${savable}.`,
    flagsAllowed: 'flags such as --steps 30',
    strayText: (text: string) => `I didn't understand ${code(text)}. Use flags, e.g. ${code('set --steps 30 --ar 3:2')}.`,
    unknownSubcommand: (typed: string, known: readonly string[]) =>
      `${code(`/settings ${typed}`)} isn't a settings command. Use one of ${list(known)}.`,
    clearHint: `Write ${code('default')} as a value to clear one setting.`,
  },

  serverSettings: {
    title: (scope: 'server' | 'channel') => (scope === 'server' ? 'Defaults for this server' : 'Defaults for this channel'),
    labels: { model: 'Default model', style: 'Default style', models: 'Allowed models', maxSteps: 'Most steps', maxCount: 'Most images per job', nsfw: 'Flagged images' },
    unset: 'not set',
    inherited: (value: string) => `${value} (from the server)`,
    showHint: `Change one with ${code('--max-steps 30')} or the options; ${code('default')} clears one, ${code('--reset')} clears all.`,
    saved: (scope: 'server' | 'channel') => `Saved. They apply to every /imagine in this ${scope}; people's own /settings apply within them.`,
    cleared: (scope: 'server' | 'channel') => `The defaults of this ${scope} are cleared.`,
    notAllowed: (platform: Platform) =>
      platform === 'slack'
        ? 'Only workspace admins and owners, or the bot admins, can change the defaults of this workspace and its channels.'
        : 'Only members who can manage this server, or the bot admins, can change its defaults.',
    roleUnknown: (platform: Platform) =>
      platform === 'slack'
        ? "I couldn't check with Slack whether you're a workspace admin, so only the bot admins can change these defaults right now. Try again in a minute."
        : "I couldn't check whether you can manage this server, so only the bot admins can change its defaults right now. Try again in a minute.",
    noServer: 'A direct message has no server; use `channel` to set defaults for this conversation.',
    unavailable: "Server defaults aren't kept by this bot.",
    unknownWord: (word: string) => `I didn't understand ${code(word)}. Use options such as ${code('--max-steps 30')} or ${code('--models sd15,turbo')}.`,
    defaultNotAllowed: (model: string, allowed: readonly string[]) =>
      `The default model ${code(model)} must be one of the allowed models (${list(allowed)}).`,
  },

  admin: {
    title: 'Admin',
    forbidden: 'This command is for the bot admins listed in its configuration.',
    unknownSubcommand: (typed: string, known: readonly string[]) =>
      `${code(`/admin ${typed}`)} isn't an admin command. Use one of ${list(known)}.`,
    needsUser: (subcommand: string) => `${code(`/admin ${subcommand}`)} needs a user, e.g. ${code(`/admin ${subcommand} @someone`)}.`,
    badUser: (value: string) => `${code(value)} isn't a user I can read. Mention them, or give their id.`,
    userAllowed: 'a mention, a user id or platform:id',
    needsJob: `${code('/admin cancel')} needs a job id.`,
    jobAllowed: 'a job id',
    paused: 'New jobs are paused. Running and queued jobs go on. Use /admin resume to take jobs again.',
    resumed: 'Taking new jobs again.',
    banned: (user: string) => `${code(user)} is banned.`,
    unbanned: (user: string) => `${code(user)} is no longer banned.`,
    cancelled: (jobId: string) => `Job ${code(jobId)} is cancelled.`,
    notCancelled: (jobId: string) => `Job ${code(jobId)} is unknown or already over.`,
    limitsOf: (user: string, banned: boolean) => `Limits of ${code(user)}${banned ? ' (banned)' : ''}`,
    intake: (paused: boolean) => (paused ? 'Intake: paused' : 'Intake: open'),
  },

  /** Slash command and option descriptions; Discord allows 100 characters each. */
  describe: {
    commands: {
      imagine: 'Paint a picture from a description',
      queue: 'Your jobs, your place in line and how many images you can still ask for',
      settings: 'Your defaults for /imagine',
      help: 'How to use /imagine, with examples',
      admin: 'Bot admin tools (listed admins only)',
      loras: 'The LoRAs you can use, with their trigger words',
    },
    imagine: {
      prompt: 'What to paint. Flags work here too: --ar 3:2 --seed 42 --no text',
      negative: 'What to leave out, e.g. "text, watermark, blurry"',
      seed: 'Same seed and options give the same image; random when empty',
      steps: (min: number, max: number) => `Denoising steps, ${range(min, max)}; default depends on the model`,
      cfg: (min: number, max: number) => `How closely to follow the prompt, ${range(min, max)}; default depends on the model`,
      sampler: 'Sampling method; default depends on the model',
      ar: (maxRatio: number) => `Shape as W:H, e.g. 3:2 or 16:9 (1:${maxRatio} to ${maxRatio}:1); default 1:1`,
      size: (min: number, max: number) => `Exact size as WxH, e.g. 768x512 (sides ${range(min, max)}); instead of ar`,
      count: (min: number, max: number) => `How many images, ${range(min, max)}`,
      model: 'Which model paints it',
      image: 'A picture to start from (PNG, JPEG or WebP)',
      mask: 'With an image: white repaints, black keeps (PNG, JPEG or WebP)',
      strength: (min: number, max: number) => `With an image: how much to change it, ${min} (little) to ${max} (all)`,
      style: 'A preset that adds to the prompt; "none" turns a saved style off',
      clipSkip: (min: number, max: number) => `Skip last CLIP layers, ${range(min, max)} (some models only)`,
      hires: (min: number, max: number) => `Hires fix: paint, then upscale ${min}–${max}× and refine`,
      hiresSteps: 'Hires fix: steps of the second pass; default the same as the first',
      hiresDenoise: (fallback: number) => `Hires fix: how much the second pass changes, 0–1; default ${fallback}`,
      hiresUpscaler: 'Hires fix: latent, lanczos or an upscaler model',
      upscaler: 'Upscaler model for U1–U4 (default: the server\'s)',
      lora: (max: number) => `A LoRA as NAME or NAME:WEIGHT; more with <lora:NAME:WEIGHT> in the prompt (up to ${max})`,
    },
    settings: {
      show: 'Show your saved defaults',
      set: 'Save defaults; write "default" as a value to clear one',
      reset: 'Clear all your saved defaults',
      negative: 'Negative prompt added to every /imagine',
      style: 'Style used when you give none',
      server: 'Defaults and limits of this server or channel (Manage Server to change)',
      scope: 'The whole server, or only this channel',
      defaultModel: 'Model used when a request names none',
      defaultStyle: 'Style used when a request names none',
      models: 'Models allowed, comma-separated ("all" allows every one)',
      maxSteps: 'Most steps per job',
      maxCount: 'Most images per job',
      nsfw: 'Flagged images: allow, spoiler or withhold',
      resetScope: 'Clear every default of this scope',
    },
    admin: {
      limits: 'Show the limits and queue of a user',
      ban: 'Stop a user from using the bot',
      unban: 'Let a banned user back in',
      pause: 'Stop taking new jobs; queued ones go on',
      resume: 'Take new jobs again',
      cancel: 'Cancel any job by its id',
      user: 'The user (mention or id)',
      job: 'The job id, as shown when a job fails',
    },
    noStyle: 'none',
  },

  help: {
    title: 'How to use /imagine',
    intro: 'Describe a picture and I paint it. Options go after the prompt as flags, or in the slash command fields.',
    examples: [
      '/imagine a fox in snow, golden hour --ar 3:2',
      '/imagine a lighthouse at night --seed 42 --steps 30 --cfg 6',
      '/imagine portrait of a robot --no text, watermark --n 2',
    ],
    examplesLabel: 'Examples',
    flagsLabel: 'Flags',
    flags: [
      '--ar W:H  shape, e.g. 3:2 or 16:9',
      '--size WxH  exact size, e.g. 768x512',
      '--seed N  same seed, same image',
      '--steps N  more steps, more detail, slower',
      '--cfg N  how closely to follow the prompt',
      '--sampler NAME',
      '--n N  how many images (1–4)',
      '--no TEXT  things to leave out',
      '--model NAME, --style NAME',
      '--strength N  with an attached image: how much to change it (0–1)',
      '--clip-skip N',
      '--hires 1.5  paint, then upscale 1–2× and refine (--hires-steps N, --hires-denoise 0.5, --hires-upscaler latent|lanczos|NAME)',
      '--upscaler NAME  upscaler model for U1–U4',
      '--lora NAME:WEIGHT  apply a LoRA (or <lora:NAME:WEIGHT> in the prompt); /loras lists them',
    ],
    buttonsLabel: 'Buttons',
    hereLabel: 'Set for this server or channel',
    buttons: 'U1–U4 upscale an image 2×, V1–V4 make variations of it, 🔄 re-rolls with a new seed, ❌ deletes. Reacting 🔄 or ❌ works too. 🖌️ Remix edits the prompt and options and runs it again. On a single image: Vary (Region) repaints a part of it, Zoom Out 1.5×/2× and ⬅️ ➡️ ⬆️ ⬇️ widen the canvas and paint the new area.',
    otherCommands: 'Also: /queue shows your jobs, /settings saves your defaults, /loras lists the LoRAs.',
    /** Slack has one slash command; the others are words after it. */
    otherCommandsSingleCommand: (command: string) => `Also: \`${command} queue\` shows your jobs, \`${command} settings\` saves your defaults, \`${command} loras\` lists the LoRAs, \`${command} edit\` repaints a picture of your own (or use the “Edit with imagine” shortcut on a message with one).`,
    modelsLabel: 'Models',
    stylesLabel: 'Styles',
    samplersLabel: 'Samplers',
    defaultModel: (name: string) => `${name} (default)`,
  },
} as const;
