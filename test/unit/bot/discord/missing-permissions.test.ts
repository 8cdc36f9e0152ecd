import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { RESULT_PERMISSIONS, missingPermissions, permissionLabel } from '../../../../src/bot/discord/missing-permissions.js';

describe('missingPermissions', () => {
  it('names what the reported permissions lack, as the Discord client labels it', () => {
    const granted = new PermissionsBitField([PermissionFlagsBits.ViewChannel, PermissionFlagsBits.SendMessages, PermissionFlagsBits.ReadMessageHistory]);
    expect(missingPermissions(null, null, RESULT_PERMISSIONS, granted)).toEqual(['Attach Files']);
  });

  it('names every required permission when it cannot tell which one is missing', () => {
    expect(missingPermissions(null, null)).toEqual(['View Channel', 'Send Messages', 'Attach Files', 'Read Message History']);
  });

  it.each([
    ['AttachFiles', 'Attach Files'],
    ['ViewChannel', 'View Channel'],
    ['ReadMessageHistory', 'Read Message History'],
  ])('labels %s as %s', (name, label) => {
    expect(permissionLabel(name)).toBe(label);
  });
});
