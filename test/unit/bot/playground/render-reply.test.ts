import { describe, expect, it } from 'vitest';
import type { Reply } from '../../../../src/commands/reply.js';
import { MemoryImageStore } from '../../../../src/bot/playground/image-store.js';
import { pngDataUrl, renderReply } from '../../../../src/bot/playground/render-reply.js';

const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 7);

function render(reply: Partial<Reply> & Pick<Reply, 'kind'>) {
  const images = new MemoryImageStore(10);
  let next = 0;
  const rendered = renderReply({ text: 'hello', ephemeral: false, ...reply }, { images, newImageId: () => `img-${++next}` });
  return { images, rendered };
}

describe('renderReply', () => {
  it.each([
    ['ack', 'pending'],
    ['queued', 'pending'],
    ['progress', 'pending'],
    ['error', 'error'],
    ['result', 'normal'],
    ['help', 'normal'],
    ['deleted', 'normal'],
  ] as const)('shows a %s reply in the %s tone', async (kind, tone) => {
    expect((await render({ kind }).rendered).tone).toBe(tone);
  });

  it('shows a progress image as the live preview, not as a result', async () => {
    const { rendered } = render({ kind: 'progress', text: 'Step 5/20', images: [{ filename: 'preview.png', png }] });
    expect(await rendered).toMatchObject({ preview: { dataUrl: pngDataUrl(png) }, images: [] });
    expect(pngDataUrl(png)).toBe(`data:image/png;base64,${Buffer.from(png).toString('base64')}`);
  });

  it('stores result images byte for byte and links them under their file names', async () => {
    const { rendered, images } = render({
      kind: 'result',
      images: [{ filename: 'imagine-42.png', png, width: 768, height: 512, nsfw: false }],
    });
    expect((await rendered).images).toEqual([{ path: '/images/img-1/imagine-42.png', filename: 'imagine-42.png', width: 768, height: 512 }]);
    expect(await images.get('img-1')).toBe(png);
  });

  it('shows no image the presenter withheld (no PNG left)', async () => {
    const { rendered } = render({ kind: 'result', images: [{ filename: 'x.png', nsfw: true }, { filename: 'y.png', png }] });
    expect((await rendered).images.map((image) => image.filename)).toEqual(['y.png']);
  });

  it('puts button emoji in front of the label and offers 🔄 only where there is a re-roll', async () => {
    const rows = [[{ id: 'im1:rr:j', label: 'Re-roll', style: 'primary', emoji: '🔄' }, { id: 'im1:u:j:0', label: 'U1', style: 'secondary' }]] as const;
    const withReroll = await render({ kind: 'result', buttons: rows }).rendered;
    expect(withReroll.buttonRows).toEqual([[{ id: 'im1:rr:j', label: '🔄 Re-roll', style: 'primary' }, { id: 'im1:u:j:0', label: 'U1', style: 'secondary' }]]);
    expect(withReroll.reactionControls).toEqual(['🔄']);
    const deleteOnly = await render({ kind: 'result', buttons: [[{ id: 'im1:del:j', label: 'Delete', style: 'danger', emoji: '❌' }]] }).rendered;
    expect(deleteOnly.reactionControls).toEqual([]);
  });

  it('keeps title and fields for the page to lay out', async () => {
    const fields = [{ label: 'Seed', value: '42', inline: true }];
    expect(await render({ kind: 'settings', title: 'Your defaults', fields }).rendered).toMatchObject({ title: 'Your defaults', fields });
  });
});
