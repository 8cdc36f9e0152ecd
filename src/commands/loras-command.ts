// /loras (Slack: `/imagine loras`): the installed LoRAs, what each is made for, and its trigger
// words, so people know what to write after <lora:…>.
import { messages } from './messages.js';
import type { LoraEntry } from './ports.js';
import type { Reply } from './reply.js';

/** A chat message has room for this many lines; the rest are counted. */
const MAX_LISTED = 40;
const DEFAULT_LORA_DIR = 'loras';

export function lorasCommand(loras: readonly LoraEntry[], loraDir = DEFAULT_LORA_DIR): Reply {
  if (loras.length === 0) return { kind: 'info', title: messages.loras.title, text: messages.loras.none(loraDir), ephemeral: true };
  const sorted = [...loras].sort((a, b) => a.name.localeCompare(b.name));
  const lines = sorted.slice(0, MAX_LISTED).map((lora) => messages.loras.entry(lora.name, messages.loras.familyLabel(lora.family), lora.triggerWords));
  if (sorted.length > MAX_LISTED) lines.push(messages.loras.more(sorted.length - MAX_LISTED));
  return { kind: 'info', title: messages.loras.title, text: [...lines, '', messages.loras.usage].join('\n'), ephemeral: true };
}
