// The commands layer's configuration, assembled from the app configuration: each model folder's
// kind (read from the folder), plus what COMMANDS_CONFIG tunes (styles, blocklist, per-model
// limits) and the ADMINS list. `npm start` and `npm run discord:register` share it, so the
// registered slash commands always match what the bot accepts.
import { parseCommandsConfig, type CommandsConfig } from '../commands/config.js';
import { guessModelKind } from '../pipeline/model/guess-model-kind.js';
import type { ModelKind } from '../pipeline/types.js';
import { ConfigError, type AppConfig } from './app-config.js';

export interface BuiltCommandsConfig {
  readonly kinds: Readonly<Record<string, ModelKind>>;
  readonly commandsConfig: CommandsConfig;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export async function buildCommandsConfig(config: AppConfig): Promise<BuiltCommandsConfig> {
  const kinds: Record<string, ModelKind> = {};
  for (const model of config.models) kinds[model.name] = await guessModelKind(model.dir);
  const file = record(config.commandsFile);
  const fileModels = record(file['models']);
  // The folder decides a model's kind unless the file says otherwise.
  const models = Object.fromEntries(Object.entries(kinds).map(([name, kind]) => [name, { kind, ...record(fileModels[name]) }]));
  const fileAdmins = Array.isArray(file['adminUserKeys']) ? (file['adminUserKeys'] as string[]) : [];
  try {
    const commandsConfig = parseCommandsConfig({
      ...file,
      models,
      defaultModel: config.defaultModel,
      ...(config.core.INPAINT_MODEL === undefined ? {} : { inpaintModel: config.core.INPAINT_MODEL }),
      // UPSCALER is the server's default upscaler model for U1–U4.
      ...(config.core.UPSCALER === undefined ? {} : { upscale: { ...record(file['upscale']), model: config.core.UPSCALER } }),
      adminUserKeys: [...new Set([...fileAdmins, ...config.core.ADMINS])],
    });
    return { kinds, commandsConfig };
  } catch (error) {
    throw new ConfigError([`COMMANDS_CONFIG: ${(error as Error).message}`]);
  }
}
