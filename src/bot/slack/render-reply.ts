// Renders the commands layer's Reply view model for Slack: Block Kit for messages the bot posts
// and edits, plain mrkdwn for acks and ephemeral answers. Reply text may hold `code` markup only,
// so escaping &, < and > is all it needs (and keeps users from pinging @channel via a prompt).
import type { types } from '@slack/bolt';
import type { Reply, ReplyButton, ReplyField } from '../../commands/reply.js';
import { clipText } from '../../commands/clip-text.js';

export type Block = types.KnownBlock;

export interface SlackMessage {
  /** Notification and screen-reader text. */
  readonly text: string;
  readonly blocks: readonly Block[];
}

export interface RenderOptions {
  /** A context line under the reply, e.g. who asked. Already mrkdwn. */
  readonly footer?: string;
  /** Button values by action id (Delete carries the file ids it removes). */
  readonly buttonValues?: ReadonlyMap<string, string>;
}

/** Section text holds 3000 characters, a field 2000; leave room for the markup around them. */
const MAX_SECTION_TEXT = 2900;
const MAX_FIELD_TEXT = 1900;
/** Slack allows 10 fields per section block. */
const MAX_FIELDS_PER_SECTION = 10;
const MAX_BUTTON_LABEL = 75;

export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function fieldText(field: ReplyField): string {
  return clipText(`*${escapeMrkdwn(field.label)}*\n${escapeMrkdwn(field.value)}`, MAX_FIELD_TEXT);
}

function mainText(reply: Reply): string {
  const title = reply.title === undefined ? '' : `*${escapeMrkdwn(reply.title)}*\n`;
  return clipText(`${title}${escapeMrkdwn(reply.text)}`, MAX_SECTION_TEXT);
}

function button(reply: ReplyButton, value: string | undefined): types.Button {
  return {
    type: 'button',
    action_id: reply.id,
    text: { type: 'plain_text', text: clipText(`${reply.emoji === undefined ? '' : `${reply.emoji} `}${reply.label}`, MAX_BUTTON_LABEL), emoji: true },
    ...(value === undefined ? {} : { value }),
    ...(reply.style === 'secondary' ? {} : { style: reply.style }),
    ...(reply.style === 'danger'
      ? {
          confirm: {
            title: { type: 'plain_text' as const, text: `${reply.label}?` },
            text: { type: 'mrkdwn' as const, text: 'This removes it for everyone in the channel.' },
            confirm: { type: 'plain_text' as const, text: reply.label },
            deny: { type: 'plain_text' as const, text: 'Keep' },
          },
        }
      : {}),
  };
}

/** One line per fact for text-only places: `*Seed:* 7 · *Steps:* 20`, long fields on their own lines. */
export function replyToMrkdwn(reply: Reply): string {
  const lines = [mainText(reply)];
  const fields = reply.fields ?? [];
  const inline = fields.filter((field) => field.inline).map((field) => `*${escapeMrkdwn(field.label)}:* ${escapeMrkdwn(field.value)}`);
  for (const field of fields.filter((f) => !f.inline)) lines.push(fieldText(field));
  if (inline.length > 0) lines.push(inline.join(' · '));
  return lines.join('\n');
}

export function renderReply(reply: Reply, options: RenderOptions = {}): SlackMessage {
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: mainText(reply) } }];
  const fields = reply.fields ?? [];
  for (const field of fields.filter((f) => !f.inline)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: fieldText(field) } });
  const inline = fields.filter((f) => f.inline);
  for (let start = 0; start < inline.length; start += MAX_FIELDS_PER_SECTION) {
    blocks.push({
      type: 'section',
      fields: inline.slice(start, start + MAX_FIELDS_PER_SECTION).map((field) => ({ type: 'mrkdwn' as const, text: fieldText(field) })),
    });
  }
  if (options.footer !== undefined) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: options.footer }] });
  for (const [index, row] of (reply.buttons ?? []).entries()) {
    if (row.length === 0) continue;
    blocks.push({
      type: 'actions',
      block_id: `buttons-${index}`,
      elements: row.map((b) => button(b, options.buttonValues?.get(b.id))),
    });
  }
  const firstLine = reply.text.split('\n')[0] ?? '';
  // The notification text is mrkdwn too: a prompt's <!channel> must not ping from here either.
  return { text: escapeMrkdwn(reply.title === undefined ? firstLine : `${reply.title}: ${firstLine}`), blocks };
}
