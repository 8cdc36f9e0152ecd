// Shared test inputs: a config with three kinds of model, requesters and invocations.
import { parseCommandsConfig, type CommandsConfig } from '../../../../src/commands/config.js';
import type { Requester } from '../../../../src/commands/generate-request.js';
import type { Invocation, InvocationAttachment, OptionValue } from '../../../../src/commands/invocation.js';

export const ADMIN_ID = 'admin-1';

export function testConfig(overrides: Record<string, unknown> = {}): CommandsConfig {
  return parseCommandsConfig({
    models: {
      sd15: { kind: 'sd1' },
      turbo: { kind: 'sd-turbo' },
      xl: { kind: 'sdxl' },
    },
    defaultModel: 'sd15',
    styles: {
      anime: { prompt: 'anime artwork of {prompt}, key visual', negative: 'photo, realistic' },
      cinematic: { prompt: 'cinematic film still, shallow depth of field' },
    },
    blocklist: { words: ['forbiddenword', 'two words'], patterns: ['/ev+il/'] },
    adminUserKeys: [`discord:${ADMIN_ID}`],
    ...overrides,
  });
}

export function requester(userId = 'user-1', overrides: Partial<Requester> = {}): Requester {
  return { platform: 'discord', userId, channelId: 'channel-1', guildId: 'guild-1', ageRestrictedChannel: false, ...overrides };
}

export function imagineInvocation(
  text: string,
  options: Record<string, OptionValue> = {},
  attachments: InvocationAttachment[] = [],
  who: Requester = requester(),
): Invocation {
  return { requester: who, command: 'imagine', options: { prompt: text, ...options }, attachments };
}

/** A fixed sequence of "random" numbers, repeating. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}
