// Slash commands, buttons and autocomplete. Every command and button is deferred first, before
// anything that could be slow or fail, so Discord gets its answer within 3 s even when the
// queue is full or the worker is restarting.
import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type Interaction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import { parseActionId } from '../../commands/action-id.js';
import type { CommandOutcome } from '../../commands/command-outcome.js';
import type { MessageRef } from '../../commands/job-record.js';
import { respond, type OutcomeDeps, type OutcomeTarget } from '../core/run-outcome.js';
import type { DiscordConfig } from './discord-config.js';
import { buildInvocation, isCommandName } from './build-invocation.js';
import { discordRequester } from './discord-requester.js';
import { DiscordChatSurface } from './discord-chat-surface.js';
import type { DiscordBackend } from './discord-backend.js';
import { discordModal, modalValues } from './discord-form.js';
import { DiscordJobMessage } from './job-message.js';
import { missingPermissions, RESULT_PERMISSIONS } from './missing-permissions.js';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from './result-files.js';
import { sendableChannel } from './sendable-channel.js';

/** Commands whose answers only concern the person asking. */
const PUBLIC_COMMANDS: ReadonlySet<string> = new Set(['imagine']);
/** Discord shows at most 25 autocomplete choices of at most 100 characters. */
const MAX_CHOICES = 25;
const MAX_CHOICE_CHARS = 100;
const ATTACHMENT_DOWNLOAD_TIMEOUT_MS = 15_000;
/** Discord's own per-request cap; the commands layer applies the configured init-image limit. */
const MAX_ATTACHMENT_DOWNLOAD_BYTES = 25 * 1024 * 1024;

export interface DiscordHandlerDeps extends OutcomeDeps {
  readonly client: Client;
  readonly backend: DiscordBackend;
  readonly config: DiscordConfig;
  readonly deleteMessage: (ref: MessageRef) => Promise<void>;
}

export class DiscordInteractionHandler {
  constructor(private readonly deps: DiscordHandlerDeps) {}

  async handle(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) await this.autocomplete(interaction);
    else if (interaction.isChatInputCommand()) await this.command(interaction);
    else if (interaction.isButton()) await this.button(interaction);
    else if (interaction.isModalSubmit()) await this.modalSubmit(interaction);
  }

  private async command(interaction: ChatInputCommandInteraction): Promise<void> {
    const receivedAt = Date.now();
    if (!(await this.defer(interaction, !PUBLIC_COMMANDS.has(interaction.commandName)))) return;
    const target = this.targetFor(interaction, receivedAt);
    await respond(
      async () => {
        const invocation = await buildInvocation(interaction, {
          maxDownloadBytes: MAX_ATTACHMENT_DOWNLOAD_BYTES,
          downloadTimeoutMs: ATTACHMENT_DOWNLOAD_TIMEOUT_MS,
          ...(this.deps.config.attachmentOrigins === undefined ? {} : { allowedOrigins: this.deps.config.attachmentOrigins }),
        });
        return this.deps.backend.handleInvocation(invocation);
      },
      target,
      this.deps,
    );
  }

  private async button(interaction: ButtonInteraction): Promise<void> {
    const receivedAt = Date.now();
    const action = parseActionId(interaction.customId);
    // A form must be the first answer, so it cannot be deferred; finding the job is a quick read.
    if (action?.kind === 'remix') {
      await this.openForm(interaction, receivedAt);
      return;
    }
    // A new job gets a public message of its own; deletes, the choice of a region and unknown buttons answer privately.
    const privately = action === undefined || action.kind === 'delete' || (action.kind === 'vary_region' && action.region === undefined);
    if (!(await this.defer(interaction, privately))) return;
    const target = this.targetFor(interaction, receivedAt);
    const actor = discordRequester(interaction.user, interaction);
    await respond(() => this.deps.backend.handleAction({ kind: 'button', id: interaction.customId }, actor), target, this.deps);
  }

  /** A form must be the first answer, so it cannot be deferred; finding the job is a quick read. */
  private async openForm(interaction: ButtonInteraction, receivedAt: number): Promise<void> {
    const actor = discordRequester(interaction.user, interaction);
    let decided: CommandOutcome | undefined;
    try {
      decided = await this.deps.backend.handleAction({ kind: 'button', id: interaction.customId }, actor);
    } catch (error) {
      this.deps.logger.error({ err: error, interactionId: interaction.id, user: interaction.user.id }, 'could not find the form');
    }
    if (decided?.kind === 'form') {
      await interaction.showModal(discordModal(decided.form)).catch((error: unknown) => {
        this.deps.logger.error({ err: error, interactionId: interaction.id, user: interaction.user.id }, 'could not open the form');
      });
      return;
    }
    if (!(await this.defer(interaction, true))) return;
    const outcome = decided;
    await respond(
      () => (outcome === undefined ? Promise.reject(new Error('the form could not be found')) : Promise.resolve(outcome)),
      this.targetFor(interaction, receivedAt),
      this.deps,
    );
  }

  /** A submitted form (Remix) starts a new job with a public message of its own. */
  private async modalSubmit(interaction: ModalSubmitInteraction): Promise<void> {
    const receivedAt = Date.now();
    if (!(await this.defer(interaction, false))) return;
    const actor = discordRequester(interaction.user, {
      channelId: interaction.channelId ?? '',
      guildId: interaction.guildId,
      channel: interaction.channel,
    });
    const input = { kind: 'form' as const, id: interaction.customId, values: modalValues(interaction) };
    await respond(() => this.deps.backend.handleAction(input, actor), this.targetFor(interaction, receivedAt), this.deps);
  }

  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const suggest = this.deps.backend.autocomplete?.bind(this.deps.backend);
    const options = Object.fromEntries(
      interaction.options.data.filter((option) => !option.focused).map((option) => [option.name, option.value ?? undefined]),
    );
    const choices =
      suggest !== undefined && isCommandName(interaction.commandName)
        ? await suggest({
            command: interaction.commandName,
            option: focused.name,
            typed: String(focused.value),
            options,
            requester: discordRequester(interaction.user, interaction),
          }).catch((error: unknown) => {
            this.deps.logger.warn({ err: error, option: focused.name }, 'autocomplete failed');
            return [];
          })
        : [];
    await interaction.respond(
      choices.slice(0, MAX_CHOICES).map((choice) => ({
        name: choice.name.slice(0, MAX_CHOICE_CHARS),
        value: typeof choice.value === 'string' ? choice.value.slice(0, MAX_CHOICE_CHARS) : choice.value,
      })),
    );
  }

  /** Acknowledges at once. False when Discord no longer accepts it (then nothing else can be sent). */
  private async defer(interaction: RepliableInteraction, ephemeral: boolean): Promise<boolean> {
    try {
      await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
      return true;
    } catch (error) {
      this.deps.logger.error({ err: error, interactionId: interaction.id, user: interaction.user.id }, 'could not acknowledge the interaction');
      return false;
    }
  }

  private targetFor(interaction: RepliableInteraction, receivedAt: number): OutcomeTarget {
    const { client, config, logger } = this.deps;
    const logContext = { interactionId: interaction.id, user: interaction.user.id, channel: interaction.channelId, guild: interaction.guildId };
    const message = new DiscordJobMessage({
      interaction,
      interactionCreatedAt: receivedAt,
      channel: () => sendableChannel(client, interaction.channelId ?? '', interaction.user),
      tokenLifetimeMs: config.tokenLifetimeMs,
      tokenSwitchMarginMs: config.tokenSwitchMarginMs,
    });
    const surface = new DiscordChatSurface(message, {
      deliveryAttempts: config.deliveryAttempts,
      files: { sizeLimitBytes: interaction.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT },
      logger,
      logContext,
      reportMissingPermissions: async (error) => {
        const labels = missingPermissions(interaction.channel, client.user, RESULT_PERMISSIONS, interaction.appPermissions);
        logger.warn({ ...logContext, err: error, missingPermissions: labels }, `missing permission in channel: ${labels.join(', ')}`);
        await interaction.followUp({ content: missingPermissionsText(labels), flags: MessageFlags.Ephemeral });
      },
      dismiss: () => interaction.deleteReply().then(() => undefined, () => undefined),
    });
    return {
      surface,
      logContext,
      deleteResult: (outcome) => deleteMessages(outcome.messages, this.deps.deleteMessage),
      confirmDeletes: true,
    };
  }
}

/** Deletes a result's Discord messages; the others belong to other platforms. */
export async function deleteMessages(refs: readonly MessageRef[], deleteMessage: (ref: MessageRef) => Promise<void>): Promise<void> {
  await Promise.all(refs.filter((ref) => ref.platform === 'discord').map((ref) => deleteMessage(ref)));
}

export function missingPermissionsText(labels: readonly string[]): string {
  const named = labels.map((label) => `**${label}**`).join(', ');
  return `I can't post in this channel: I'm missing the ${named} permission${labels.length === 1 ? '' : 's'}. Ask a server admin to grant ${labels.length === 1 ? 'it' : 'them'}, or use me in another channel.`;
}
