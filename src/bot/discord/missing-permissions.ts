// Which permissions the bot lacks for posting results in a channel, by name, so the log line and
// the user's message can say exactly what a server admin has to grant.
import { PermissionFlagsBits, PermissionsBitField, type Channel, type ClientUser } from 'discord.js';

/** Posting a result as the bot (after the 15-minute token switch, or for a 🔄 re-roll). */
export const RESULT_PERMISSIONS = [
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.AttachFiles,
  PermissionFlagsBits.ReadMessageHistory,
] as const;

/** "AttachFiles" → "Attach Files", as the Discord client labels it. */
export function permissionLabel(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2');
}

/**
 * The missing ones among `required`, as labels. When the cache cannot tell (uncached or DM
 * channel), all of `required` is returned so the message still names what to check.
 */
export function missingPermissions(
  channel: Channel | null,
  me: ClientUser | null,
  required: readonly bigint[] = RESULT_PERMISSIONS,
  reported?: Readonly<PermissionsBitField>,
): string[] {
  const granted =
    reported ?? (channel !== null && me !== null && 'permissionsFor' in channel ? channel.permissionsFor(me) : null);
  const wanted = new PermissionsBitField(required);
  const missing = granted ? granted.missing(wanted) : wanted.toArray();
  return (missing.length > 0 ? missing : wanted.toArray()).map(permissionLabel);
}
