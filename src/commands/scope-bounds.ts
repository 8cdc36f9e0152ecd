// The bounds a server or channel sets, applied to a request. /imagine and every action that runs a
// new job (re-roll, variations, upscale, the edits, Remix) go through these, so a result's buttons
// follow the bounds in force where they are clicked today, not those of the day the job ran.
import type { CommandsConfig, ModelConfig } from './config.js';
import type { GenerateRequest } from './generate-request.js';
import { messages } from './messages.js';
import type { ScopeSettings } from './scope-settings.js';
import { type UserFacingError, invalidOption } from './user-facing-error.js';

/** The configured models this server or channel allows, in the config's order. */
export function allowedModels(config: CommandsConfig, bounds: ScopeSettings): string[] {
  const configured = Object.keys(config.models);
  return bounds.models === undefined ? configured : configured.filter((name) => bounds.models?.includes(name) === true);
}

/** Undefined when `model` may run here; else the refusal naming it and the models allowed. `option`: as the user wrote it. */
export function modelRefusal(model: string, config: CommandsConfig, bounds: ScopeSettings, option: string): UserFacingError | undefined {
  const allowed = allowedModels(config, bounds);
  if (allowed.includes(model)) return undefined;
  return invalidOption(messages.options.modelNotAllowedHere(model, allowed), { option, value: model, allowed: allowed.join(', ') });
}

/** The model's limits, lowered to the server's or channel's where it sets lower ones. */
export function boundedModel(model: ModelConfig, bounds: ScopeSettings): ModelConfig {
  return {
    ...model,
    maxSteps: Math.min(model.maxSteps, bounds.maxSteps ?? model.maxSteps),
    defaultSteps: Math.min(model.defaultSteps, bounds.maxSteps ?? model.defaultSteps),
    maxCount: Math.min(model.maxCount, bounds.maxCount ?? model.maxCount),
    defaultCount: Math.min(model.defaultCount, bounds.maxCount ?? model.defaultCount),
  };
}

/** The note for steps lowered to `max`: "allowed here" when the server's or channel's bound is the one that applies. */
export function stepsLoweredNote(wanted: number, max: number, modelName: string, bounds: ScopeSettings): string {
  return bounds.maxSteps === max ? messages.notes.stepsLoweredHere(wanted, max) : messages.notes.stepsLowered(wanted, max, modelName);
}

export function countLoweredNote(wanted: number, max: number, modelName: string, bounds: ScopeSettings): string {
  return bounds.maxCount === max ? messages.notes.countLoweredHere(wanted, max) : messages.notes.countLowered(wanted, max, modelName);
}

/** The request's NSFW policy is the one set here now; none set, the bot's own applies. */
export function withScopeNsfwPolicy(request: GenerateRequest, bounds: ScopeSettings): GenerateRequest {
  const { nsfwPolicy: _stored, ...rest } = request;
  return bounds.nsfw === undefined ? rest : { ...rest, nsfwPolicy: bounds.nsfw };
}
