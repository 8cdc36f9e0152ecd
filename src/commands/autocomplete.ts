// Suggestions for options marked `autocomplete` in options.ts: aspect ratios with the size each
// gives on the chosen model, and model or style names when there are too many for fixed choices.
import type { CommandsConfig } from './config.js';
import { defaultModel, findModel } from './config-lookup.js';
import { NO_STYLE } from './imagine.js';
import { messages } from './messages.js';
import { MAX_CHOICES, type OptionChoice } from './options.js';
import { sizeForAspect } from './sizes.js';

export const COMMON_ASPECT_RATIOS = ['1:1', '3:2', '2:3', '4:3', '3:4', '16:9', '9:16', '21:9', '9:21', '5:4', '4:5', '2:1', '1:2'];

/** Up to MAX_CHOICES suggestions for what the user has typed so far. */
export function autocompleteChoices(
  option: string,
  typed: string,
  config: CommandsConfig,
  modelName?: string,
  /** Installed LoRA names, for the `lora` option. */
  loraNames: readonly string[] = [],
): OptionChoice[] {
  const prefix = typed.trim().toLowerCase();
  const matching = (values: readonly string[]): string[] => values.filter((value) => value.toLowerCase().startsWith(prefix));
  switch (option) {
    case 'ar': {
      const model = (modelName === undefined ? undefined : findModel(config, modelName)) ?? defaultModel(config);
      return matching(COMMON_ASPECT_RATIOS)
        .slice(0, MAX_CHOICES)
        .map((ratio) => {
          const [w, h] = ratio.split(':').map(Number);
          const size = sizeForAspect((w ?? 1) / (h ?? 1), model.nativePixels);
          return { name: `${ratio} (${messages.formatSize(size.width, size.height)})`, value: ratio };
        });
    }
    case 'model':
      return toChoices(matching(Object.keys(config.models)));
    case 'style':
      return toChoices(matching([...Object.keys(config.styles), NO_STYLE]));
    case 'lora': {
      // Names that start with what was typed first, then names that merely contain it.
      const starting = matching(loraNames);
      return toChoices([...starting, ...loraNames.filter((name) => !starting.includes(name) && name.toLowerCase().includes(prefix))]);
    }
    default:
      return [];
  }
}

function toChoices(values: readonly string[]): OptionChoice[] {
  return values.slice(0, MAX_CHOICES).map((value) => ({ name: value, value }));
}
