import { describe, expect, it } from 'vitest';
import { uploadedFiles } from '../../../../src/bot/slack/uploaded-files.js';

describe('uploadedFiles', () => {
  it('collects file ids and the ts of every message sharing them', () => {
    const response = {
      ok: true,
      files: [
        {
          ok: true,
          files: [
            { id: 'F1', shares: { public: { C1: [{ ts: '1.1' }] } } },
            { id: 'F2', shares: { public: { C1: [{ ts: '1.1' }] }, private: { G1: [{ ts: '2.2' }] } } },
          ],
        },
      ],
    };
    expect(uploadedFiles(response)).toEqual({ fileIds: ['F1', 'F2'], shareTs: ['1.1', '2.2'] });
  });

  it.each([
    { name: 'shares not reported yet', response: { files: [{ files: [{ id: 'F1', shares: {} }] }] }, expected: { fileIds: ['F1'], shareTs: [] } },
    { name: 'an empty answer', response: {}, expected: { fileIds: [], shareTs: [] } },
  ])('copes with $name', ({ response, expected }) => {
    expect(uploadedFiles(response)).toEqual(expected);
  });
});
