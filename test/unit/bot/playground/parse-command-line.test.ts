import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../../src/bot/playground/parse-command-line.js';

describe('parseCommandLine', () => {
  it.each([
    ['/imagine a lighthouse at dusk --ar 3:2', { kind: 'command', command: 'imagine', text: 'a lighthouse at dusk --ar 3:2' }],
    ['  /IMAGINE   a fox  ', { kind: 'command', command: 'imagine', text: 'a fox' }],
    ['/imagine', { kind: 'command', command: 'imagine', text: '' }],
    ['/imagine\na fox\n--seed 4', { kind: 'command', command: 'imagine', text: 'a fox\n--seed 4' }],
    ['/queue', { kind: 'command', command: 'queue', text: '' }],
    ['/settings set --steps 30', { kind: 'command', command: 'settings', text: 'set --steps 30' }],
    ['/help', { kind: 'command', command: 'help', text: '' }],
    ['/imagineer a fox', { kind: 'unknown', name: 'imagineer' }],
    ['/', { kind: 'chat', text: '/' }],
    ['hello there', { kind: 'chat', text: 'hello there' }],
    ['a /imagine in the middle', { kind: 'chat', text: 'a /imagine in the middle' }],
    ['   ', { kind: 'empty' }],
  ])('%j', (line, expected) => {
    expect(parseCommandLine(line)).toEqual(expected);
  });
});
