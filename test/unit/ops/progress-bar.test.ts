import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/ops/format-bytes.js';
import { ProgressBar } from '../../../src/ops/progress-bar.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, target: { write: (text: string) => writes.push(text), isTTY, columns: 200 } };
}

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [1_536_000, '1.54 MB'],
    [34_500_000, '34.5 MB'],
    [3_440_000_000, '3.44 GB'],
    [10_300_000_000, '10.3 GB'],
    [-5, '0 B'],
  ])('%i → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('ProgressBar', () => {
  it('prints plain lines every tenth with bytes, speed and ETA when not on a terminal', () => {
    let now = 0;
    const { writes, target } = sink(false);
    const bar = new ProgressBar(target, 100_000_000, { now: () => now });
    bar.setLabel('unet/model.onnx_data');
    for (let step = 0; step < 20; step++) {
      now += 500;
      bar.add(5_000_000, 'network');
    }
    bar.finish();
    const lines = writes.join('').trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^download +0%/);
    expect(lines[5]).toBe('download  50%  50.0 MB / 100 MB  10.0 MB/s  ETA 5s  unet/model.onnx_data');
    expect(lines.at(-1)).toMatch(/^download 100% {2}100 MB \/ 100 MB/);
    expect(writes.join('')).not.toContain('\r');
  });

  it('redraws one line on a terminal, at most every redraw interval, and keeps logged lines', () => {
    let now = 0;
    const { writes, target } = sink(true);
    const bar = new ProgressBar(target, 1000, { now: () => now, redrawMs: 100 });
    bar.add(100, 'network');
    bar.add(100, 'network'); // same instant: no redraw
    now += 150;
    bar.add(300, 'network');
    bar.log('fetched tokenizer/vocab.json (1.06 MB)');
    bar.finish();
    const text = writes.join('');
    const draws = text.split('\r\u001b[2K').filter((part) => part.startsWith('['));
    expect(draws[0]).toMatch(/^\[##\.{22}\] +10%/);
    expect(draws[1]).toMatch(/^\[#{12}\.{12}\] +50% {2}500 B \/ 1.00 kB/);
    expect(text).toContain('fetched tokenizer/vocab.json (1.06 MB)\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('counts bytes already on disk towards the total but not the speed', () => {
    let now = 0;
    const { target } = sink(false);
    const bar = new ProgressBar(target, 1000, { now: () => now });
    bar.add(900, 'local');
    now += 1000;
    bar.add(10, 'network');
    now += 1000;
    bar.add(10, 'network');
    expect(bar.speed()).toBe(10);
  });
});
