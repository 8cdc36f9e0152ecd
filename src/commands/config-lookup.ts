// Lookups into a validated CommandsConfig that several commands share.
import type { CommandsConfig, ModelConfig, StyleConfig } from './config.js';

/** A configured model by its exact name; undefined when the config no longer has it. */
export function findModel(config: CommandsConfig, name: string): ModelConfig | undefined {
  return Object.hasOwn(config.models, name) ? config.models[name] : undefined;
}

/** The default model; the config schema guarantees it exists. */
export function defaultModel(config: CommandsConfig): ModelConfig {
  const model = findModel(config, config.defaultModel);
  if (model === undefined) throw new Error(`config.defaultModel "${config.defaultModel}" is not a configured model`);
  return model;
}

/** A configured style by name, ignoring case; undefined when there is none. */
export function findStyle(config: CommandsConfig, name: string): { readonly name: string; readonly style: StyleConfig } | undefined {
  const folded = name.trim().toLowerCase();
  for (const [styleName, style] of Object.entries(config.styles)) {
    if (styleName.toLowerCase() === folded) return { name: styleName, style };
  }
  return undefined;
}

/** The most steps any model allows: the range of the `steps` option. */
export function largestMaxSteps(config: CommandsConfig): number {
  return Math.max(...Object.values(config.models).map((model) => model.maxSteps));
}

