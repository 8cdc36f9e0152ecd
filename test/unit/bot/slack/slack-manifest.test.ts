// The manifest is what an admin pastes into Slack; if it lacks a scope or event the adapter relies
// on, the bot fails only after installation. Keep the two in step.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EDIT_SHORTCUT_ID } from '../../../../src/bot/slack/edit-modal.js';
import { DEFAULT_COMMAND } from '../../../../src/bot/slack/slack-config.js';

const manifest = await readFile(new URL('../../../../deploy/slack-manifest.yaml', import.meta.url), 'utf8');
const lines = manifest.split('\n').filter((line) => !line.trimStart().startsWith('#'));

function listUnder(key: string): string[] {
  const start = lines.findIndex((line) => line.trim() === `${key}:`);
  const indent = (lines[start + 1] ?? '').search(/\S/);
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') continue;
    if (line.search(/\S/) < indent || !line.trim().startsWith('- ')) break;
    items.push(line.trim().slice(2));
  }
  return items;
}

describe('deploy/slack-manifest.yaml', () => {
  it('declares the default slash command', () => {
    expect(lines.some((line) => line.trim() === `- command: ${DEFAULT_COMMAND}`)).toBe(true);
  });

  it.each([
    { scope: 'commands', why: 'the slash command' },
    { scope: 'chat:write', why: 'postMessage, update, postEphemeral, delete' },
    { scope: 'files:write', why: 'files.uploadV2 and files.delete' },
    { scope: 'files:read', why: 'files.info, url_private_download and file_input (pictures to edit)' },
    { scope: 'reactions:read', why: 'reaction_added' },
    { scope: 'reactions:write', why: 'the 🔁 on results' },
    { scope: 'channels:read', why: 'conversations.info on public channels' },
    { scope: 'groups:read', why: 'conversations.info on private channels' },
    { scope: 'im:read', why: 'conversations.info on DMs' },
    { scope: 'users:read', why: 'users.info: workspace admins and owners change the workspace defaults' },
  ])('grants $scope for $why', ({ scope }) => {
    expect(listUnder('bot')).toContain(scope);
  });

  it('declares the "Edit with imagine" message shortcut with the callback id the adapter listens for', () => {
    const shortcut = manifest.slice(manifest.indexOf('  shortcuts:'));
    expect(shortcut).toMatch(new RegExp(`- name: Edit with imagine\\n\\s+type: message\\n\\s+callback_id: ${EDIT_SHORTCUT_ID}\\n`));
  });

  it('subscribes to reaction_added (re-roll and delete by reaction)', () => {
    expect(listUnder('bot_events')).toContain('reaction_added');
  });

  it('enables Socket Mode and interactivity (the result buttons)', () => {
    expect(manifest).toMatch(/^\s*socket_mode_enabled: true$/m);
    expect(manifest).toMatch(/interactivity:\n\s*is_enabled: true/);
  });
});
