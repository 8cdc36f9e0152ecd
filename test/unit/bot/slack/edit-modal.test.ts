// `/imagine edit` opens the edit modal only when `edit` is the first word on its own; a submitted
// modal gives back its channel, prompt and files, named by the input they came through.
import { describe, expect, it } from 'vitest';
import { editCommandPrompt, editModal, editSubmission, messageImages, typedText } from '../../../../src/bot/slack/edit-modal.js';

describe('editCommandPrompt', () => {
  it.each([
    ['edit', ''],
    ['  Edit  ', ''],
    ['edit a red barn --strength 0.8', 'a red barn --strength 0.8'],
    ['editor of a magazine', undefined],
    ['a red barn, edit', undefined],
    ['', undefined],
  ])('%j → %j', (text, prompt) => {
    expect(editCommandPrompt(text)).toBe(prompt);
  });
});

describe('typedText', () => {
  it("undoes Slack's escaping of &, < and > in message text, once", () => {
    expect(typedText('salt &amp; pepper &lt;3 --no a&gt;b &amp;lt;')).toBe('salt & pepper <3 --no a>b &lt;');
  });
});

describe('messageImages', () => {
  it('keeps the image files of a message and skips the rest', () => {
    const files = [
      { id: 'F1', name: 'barn.png', mimetype: 'image/png' },
      { id: 'F2', name: 'notes.pdf', mimetype: 'application/pdf' },
      { id: 'F3', name: 'mask.webp', mimetype: 'image/webp' },
      { name: 'no-id.png', mimetype: 'image/png' },
    ];
    expect(messageImages(files)).toEqual([
      { id: 'F1', name: 'barn.png' },
      { id: 'F3', name: 'mask.webp' },
    ]);
    expect(messageImages(undefined)).toEqual([]);
  });
});

describe('editSubmission', () => {
  const state = (values: Record<string, Record<string, { value?: string | null; files?: unknown[] }>>) => ({ values });

  it('reads the uploads of the file inputs as the image and the mask', () => {
    const view = editModal({ channelId: 'C1' }, 'a barn');
    const image = { id: 'F1', name: 'photo.png' };
    const mask = { id: 'F2', name: 'left.png' };
    const submitted = editSubmission({
      private_metadata: view.private_metadata ?? '',
      state: state({ image: { image: { files: [image] } }, mask: { mask: { files: [mask] } }, prompt: { prompt: { value: 'a barn at dusk' } } }),
    });
    expect(submitted).toEqual({
      channelId: 'C1',
      prompt: 'a barn at dusk',
      files: [
        { ref: image, option: 'image' },
        { ref: mask, option: 'mask' },
      ],
    });
  });

  it("uses the message's files when the modal came from the shortcut", () => {
    const view = editModal({ channelId: 'C1', fileIds: ['F1', 'F2'], names: ['barn.png', 'mask.png'] }, 'a barn');
    expect(JSON.stringify(view.blocks)).not.toContain('file_input');
    const submitted = editSubmission({ private_metadata: view.private_metadata ?? '', state: state({ prompt: { prompt: { value: 'a barn' } } }) });
    expect(submitted?.files).toEqual([{ ref: { id: 'F1' } }, { ref: { id: 'F2' } }]);
  });

  it('is undefined for a view that names no channel', () => {
    expect(editSubmission({ private_metadata: '{}', state: state({}) })).toBeUndefined();
    expect(editSubmission({ private_metadata: 'not json', state: state({}) })).toBeUndefined();
  });
});
