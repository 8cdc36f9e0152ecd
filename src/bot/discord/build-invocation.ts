// A slash command interaction → the platform-neutral Invocation the commands layer reads.
import { ApplicationCommandOptionType, type ChatInputCommandInteraction, type CommandInteractionOption } from 'discord.js';
import { COMMAND_NAMES, type CommandName, type Invocation, type InvocationAttachment, type OptionValue } from '../../commands/invocation.js';
import { DISCORD_ATTACHMENT_ORIGINS, fetchAttachment } from '../core/attachment-fetch.js';
import { discordRequester } from './discord-requester.js';

export interface BuildInvocationOptions {
  /** Attachments larger than this are not downloaded; the commands layer refuses them by size. */
  readonly maxDownloadBytes: number;
  readonly downloadTimeoutMs: number;
  readonly fetch?: typeof fetch;
  /** Where attachments may come from: Discord's CDN; tests point it at a local fake. */
  readonly allowedOrigins?: readonly string[];
}

export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

export async function buildInvocation(interaction: ChatInputCommandInteraction, options: BuildInvocationOptions): Promise<Invocation> {
  if (!isCommandName(interaction.commandName)) throw new Error(`unknown command /${interaction.commandName}`);
  const { subcommand, leaves } = flatten(interaction.options.data);
  const values: Record<string, OptionValue> = {};
  const attachments: InvocationAttachment[] = [];
  for (const option of leaves) {
    if (option.type === ApplicationCommandOptionType.Attachment) {
      if (option.attachment) attachments.push({ ...(await download(option.attachment, options)), option: option.name });
      continue;
    }
    values[option.name] = option.value ?? undefined;
  }
  return {
    requester: discordRequester(interaction.user, interaction),
    command: interaction.commandName,
    ...(subcommand !== undefined ? { subcommand } : {}),
    options: values,
    attachments,
  };
}

function flatten(data: readonly CommandInteractionOption[]): { subcommand?: string; leaves: CommandInteractionOption[] } {
  const group = data.find(
    (option) => option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup,
  );
  if (!group) return { leaves: [...data] };
  const inner = flatten(group.options ?? []);
  // `/admin user ban` → subcommand "user ban"; one level is the usual case.
  return { subcommand: inner.subcommand !== undefined ? `${group.name} ${inner.subcommand}` : group.name, leaves: inner.leaves };
}

async function download(
  attachment: { readonly name: string; readonly contentType: string | null; readonly size: number; readonly url: string },
  options: BuildInvocationOptions,
): Promise<InvocationAttachment> {
  const described: InvocationAttachment = {
    filename: attachment.name,
    size: attachment.size,
    ...(attachment.contentType !== null ? { contentType: attachment.contentType } : {}),
  };
  if (attachment.size > options.maxDownloadBytes) return described;
  const fetched = await fetchAttachment(attachment.url, {
    allowedOrigins: options.allowedOrigins ?? DISCORD_ATTACHMENT_ORIGINS,
    maxBytes: options.maxDownloadBytes,
    timeoutMs: options.downloadTimeoutMs,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  // Without data the commands layer tells the user to attach it again.
  return fetched.ok ? { ...described, data: fetched.data } : described;
}
