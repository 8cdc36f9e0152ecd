// What the command handlers need; the composition root (src/bot/main.ts) supplies it.
import type { CommandsConfig } from './config.js';
import type { AdminControls, JobRecordReader, LimitsView, LoraCatalog, QueueView, ServerManagers } from './ports.js';
import type { ScopeSettingsStore } from './scope-settings.js';
import type { UserSettingsStore } from './user-settings.js';

export interface CommandDeps {
  readonly config: CommandsConfig;
  readonly settings: UserSettingsStore;
  /** Server and channel defaults (`/settings server`); without a store none apply. */
  readonly scopes?: ScopeSettingsStore;
  /** Where the platform must be asked who may change those (Slack); Discord says so in the interaction. */
  readonly serverManagers?: ServerManagers;
  readonly jobs: JobRecordReader;
  readonly queue: QueueView;
  readonly limits: LimitsView;
  readonly admin: AdminControls;
  /** The LoRA folder; without it LoRAs are refused as unknown. */
  readonly loras?: LoraCatalog;
  /** Where the LoRA folder is, for the text of an empty /loras. */
  readonly loraDir?: string;
  /** Uniform [0, 1) for seeds; Math.random when absent. */
  readonly random?: () => number;
}
