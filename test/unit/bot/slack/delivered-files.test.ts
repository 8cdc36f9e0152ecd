import { describe, expect, it } from 'vitest';
import { DeliveredFiles } from '../../../../src/bot/slack/delivered-files.js';

describe('DeliveredFiles', () => {
  it('remembers the files of recent jobs and forgets the oldest beyond its size', () => {
    const files = new DeliveredFiles(2);
    files.remember('job-1', ['F1']);
    files.remember('job-2', ['F2', 'F3']);
    files.remember('job-3', ['F4']);
    expect(files.of('job-1')).toEqual([]);
    expect(files.of('job-2')).toEqual(['F2', 'F3']);
    expect(files.of('job-3')).toEqual(['F4']);
  });
});
