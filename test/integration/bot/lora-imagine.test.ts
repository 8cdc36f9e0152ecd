// `/imagine … <lora:NAME:WEIGHT> --lora NAME` end to end: the commands layer reads the LoRA folder,
// the job service sends the request to the real worker process, the worker applies the LoRAs to
// the oracle's external-data UNet, and the image has the colour the closed form gives. Re-roll
// keeps the LoRAs, and the worker's LoRA session is reused for it.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAction } from '../../../src/commands/actions.js';
import type { GenerateRequest } from '../../../src/commands/generate-request.js';
import { buildImagineRequest } from '../../../src/commands/imagine.js';
import { lorasCommand } from '../../../src/commands/loras-command.js';
import { UserFacingError } from '../../../src/commands/user-facing-error.js';
import { LoraFolderCatalog } from '../../../src/pipeline/lora/lora-catalog.js';
import { PipelineClient } from '../../../src/pipeline/ipc/client.js';
import { readPngText } from '../../../src/pipeline/image/png-text.js';
import { ClipTokenizer } from '../../../src/pipeline/text/tokenizer/clip-tokenizer.js';
import { workerArgs } from '../../../src/pipeline/worker/worker-config.js';
import { RecordingObserver, makeHarness, type Harness, type ObservedEvent } from '../../fixtures/fake-worker/service-harness.js';
import {
  effectiveScalingFactor,
  oracleColour,
  oracleLoraProjection,
  oracleX0,
  writeOracleLora,
  writeOracleModel,
  writeSdxlLora,
  type OracleLora,
  type OracleVariant,
} from '../../fixtures/oracle/index.js';
import { requester, sequence, testConfig } from '../../unit/commands/support/fixtures.js';

const VARIANT: OracleVariant = { loraTarget: 'float32' };
const MODEL = 'sd15';
const PROMPT = 'a lighthouse at dusk';
const CATALOG_OPTIONS = { steps: 4, cfg: 1 };

describe('/imagine with LoRAs, through the job service and the real worker', () => {
  let dir = '';
  let client: PipelineClient;
  let harness: Harness;
  let catalog: LoraFolderCatalog;
  let tokenizer: ClipTokenizer;
  const files: Record<string, OracleLora> = {};
  const config = testConfig();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagine-lora-e2e-'));
    const modelDir = join(dir, 'model');
    const loraDir = join(dir, 'loras');
    await writeOracleModel(modelDir, VARIANT);
    await mkdir(loraDir);
    files['detail'] = await writeOracleLora(join(loraDir, 'detail.safetensors'), VARIANT, {
      format: 'kohya', rank: 4, metadata: { 'modelspec.trigger_phrase': 'lighthouse style, dusk' },
    });
    files['paint'] = await writeOracleLora(join(loraDir, 'paint.safetensors'), VARIANT, { format: 'peft', rank: 2, salt: 3 });
    await writeSdxlLora(join(loraDir, 'xl-only.safetensors'));
    tokenizer = await ClipTokenizer.fromFolder(join(modelDir, 'tokenizer'));
    catalog = new LoraFolderCatalog(loraDir);
    client = await PipelineClient.start({
      args: workerArgs({
        models: [{ name: MODEL, dir: modelDir, kind: 'sd1' }],
        pipeline: { provider: 'cpu', allowCpuFallback: false, previewEvery: 0, safetyChecker: true, threads: 1, loraDir, loraCacheDir: join(dir, 'cache') },
      }),
      stderr: 'ignore',
    });
    harness = await makeHarness({ generator: client, dataDir: join(dir, 'data'), models: [MODEL] });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function imagine(text: string): Promise<GenerateRequest | UserFacingError> {
    return buildImagineRequest(
      { requester: requester(), command: 'imagine', options: { prompt: text, ...CATALOG_OPTIONS }, attachments: [] },
      { config, settings: {}, random: sequence(0.25), loras: await catalog.list() },
    );
  }

  async function run(request: GenerateRequest): Promise<Extract<ObservedEvent, { type: 'succeeded' }> & { phases: string[] }> {
    const observer = new RecordingObserver();
    await harness.service.submit(request, requester(), observer);
    const ending = await observer.ended;
    if (ending.type !== 'succeeded') throw new Error(`job failed: ${ending.type === 'failed' ? ending.error.message : ending.type}`);
    const phases = observer.events.flatMap((event) => (event.type === 'progress' && event.phase !== undefined ? [event.phase] : []));
    return { ...ending, phases };
  }

  function expected(loras: ReadonlyArray<readonly [string, number]>): number[] {
    const projection = oracleLoraProjection(VARIANT, loras.map(([name, weight]) => ({ lora: files[name]!, weight })));
    return oracleColour(VARIANT, oracleX0(VARIANT, tokenizer.encode(PROMPT).inputIds, 1, projection), effectiveScalingFactor(VARIANT));
  }

  async function pixel(png: Uint8Array): Promise<number[]> {
    return [...(await sharp(png).removeAlpha().raw().toBuffer()).subarray(0, 3)];
  }

  it('applies a tag in the prompt and a --lora flag, and Re-roll keeps both with the warm session', async () => {
    const request = await imagine(`${PROMPT} <lora:detail:0.5> --lora paint`);
    if (UserFacingError.is(request)) throw request;
    expect(request.prompt).toBe(PROMPT);
    expect(request.loras).toEqual([{ name: 'detail', weight: 0.5 }, { name: 'paint', weight: 1 }]);

    const first = await run(request);
    expect(first.phases).toEqual(['applying_lora']);
    const colour = expected([['detail', 0.5], ['paint', 1]]);
    (await pixel(first.pngs[0]!)).forEach((value, k) => expect(Math.abs(value - colour[k]!)).toBeLessThanOrEqual(2));
    expect(readPngText(first.pngs[0]!).get('parameters')).toMatch(/Lora hashes: "detail: [0-9a-f]{12}, paint: [0-9a-f]{12}"/);
    expect(first.details.loras?.map((lora) => `${lora.applied}/${lora.total}`)).toEqual(['1/1', '1/1']);

    const reroll = resolveAction({ kind: 'reroll', jobId: first.record.jobId }, requester(), first.record, { config, random: sequence(0.75), bounds: {} });
    if (UserFacingError.is(reroll) || reroll.kind !== 'generate') throw new Error('expected a re-roll request');
    expect(reroll.request.loras).toEqual(request.loras);
    const second = await run(reroll.request);
    expect(second.phases).toEqual([]);
    (await pixel(second.pngs[0]!)).forEach((value, k) => expect(Math.abs(value - colour[k]!)).toBeLessThanOrEqual(2));
  }, 120_000);

  it('refuses unknown names with the closest ones, LoRAs for SDXL on an SD1 model, and weights beyond ±2', async () => {
    const unknown = await imagine(`${PROMPT} <lora:detial>`);
    expect(UserFacingError.is(unknown) && unknown.message).toBe('`<lora:detial>`: there is no LoRA `detial`. Closest: `detail`, `paint`, `xl-only`. /loras lists them all.');
    const xl = await imagine(`${PROMPT} --lora xl-only:0.7`);
    expect(UserFacingError.is(xl) && xl.message).toBe(
      '`--lora xl-only:0.7`: the LoRA `xl-only` is made for SDXL models, and `sd15` is an SD1 model. Pick a SDXL model with --model, or a LoRA for SD1.',
    );
    const heavy = await imagine(`${PROMPT} <lora:detail:2.5>`);
    expect(UserFacingError.is(heavy) && heavy.message).toBe('The weight in `<lora:detail:2.5>` must be a number from -2 to 2, got `2.5`.');
  });

  it('lists the LoRAs with what they are for and their trigger words', async () => {
    const reply = lorasCommand(await catalog.list(), 'loras');
    expect(reply.text.split('\n').slice(0, 3)).toEqual([
      '`detail` (SD1) — trigger words: lighthouse style, dusk',
      '`paint` (SD1)',
      '`xl-only` (SDXL)',
    ]);
  });
});
