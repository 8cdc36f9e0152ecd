import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_ACTION_ID_LENGTH, encodeActionId, parseActionId, type ActionRef } from '../../../src/commands/action-id.js';
import { actionForReaction } from '../../../src/commands/reactions.js';

const UUID = randomUUID();
const LONGEST_JOB_ID = 'j'.repeat(64);

describe('button ids', () => {
  it.each<ActionRef>([
    { kind: 'reroll', jobId: UUID },
    { kind: 'delete', jobId: UUID },
    { kind: 'variation', jobId: UUID, imageIndex: 0 },
    { kind: 'variation', jobId: UUID, imageIndex: 3 },
    { kind: 'upscale', jobId: UUID, imageIndex: 2 },
    { kind: 'upscale', jobId: LONGEST_JOB_ID, imageIndex: 3 },
  ])('round-trips $kind', (ref) => {
    const id = encodeActionId(ref);
    expect(id.length).toBeLessThanOrEqual(MAX_ACTION_ID_LENGTH);
    expect(parseActionId(id)).toEqual(ref);
  });

  it('keeps the documented, versioned shape, so buttons from before a restart still parse', () => {
    expect(encodeActionId({ kind: 'reroll', jobId: 'abc' })).toBe('im1:rr:abc');
    expect(encodeActionId({ kind: 'variation', jobId: 'abc', imageIndex: 1 })).toBe('im1:v:abc:1');
    expect(encodeActionId({ kind: 'upscale', jobId: 'abc', imageIndex: 0 })).toBe('im1:u:abc:0');
    expect(encodeActionId({ kind: 'delete', jobId: 'abc' })).toBe('im1:del:abc');
  });

  it('stays well under 100 characters for the longest realistic ids', () => {
    expect(encodeActionId({ kind: 'variation', jobId: UUID, imageIndex: 3 }).length).toBeLessThanOrEqual(45);
    expect(encodeActionId({ kind: 'upscale', jobId: LONGEST_JOB_ID, imageIndex: 3 }).length).toBeLessThanOrEqual(MAX_ACTION_ID_LENGTH);
  });

  it.each([
    '',
    'im1',
    'im1:rr',
    'im1:rr:',
    'im2:rr:abc',
    'IM1:rr:abc',
    'im1:xx:abc',
    'im1:rr:abc:0',
    'im1:del:abc:extra',
    'im1:v:abc',
    'im1:v:abc:',
    'im1:v:abc:4',
    'im1:v:abc:-1',
    'im1:v:abc:01',
    'im1:v:abc:1.0',
    'im1:u:abc:1:2',
    'im1:u:a b:1',
    'im1:rr:a/b',
    `im1:rr:${'j'.repeat(65)}`,
    `im1:rr:${'j'.repeat(200)}`,
    'im1:rr:abc\n',
  ])('rejects %j', (id) => {
    expect(parseActionId(id)).toBeUndefined();
  });

  it.each([
    { kind: 'reroll' as const, jobId: 'has:colon' },
    { kind: 'reroll' as const, jobId: '' },
    { kind: 'reroll' as const, jobId: 'j'.repeat(65) },
  ])('refuses to build an id from job id $jobId', (ref) => {
    expect(() => encodeActionId(ref)).toThrow(RangeError);
  });

  it('refuses to build an id for an image index out of range', () => {
    expect(() => encodeActionId({ kind: 'upscale', jobId: 'abc', imageIndex: 4 })).toThrow(RangeError);
  });
});

describe('reactions', () => {
  it.each([
    ['🔄', 'reroll'],
    ['repeat', 'reroll'],
    [':repeat:', 'reroll'],
    ['arrows_counterclockwise', 'reroll'],
    ['❌', 'delete'],
    ['x', 'delete'],
    [':x:', 'delete'],
    ['❌\uFE0F', 'delete'],
    ['👍', undefined],
    ['heart', undefined],
    ['', undefined],
    ['xx', undefined],
  ])('%j → %s', (emoji, action) => {
    expect(actionForReaction(emoji)).toBe(action);
  });
});
