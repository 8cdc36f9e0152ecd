// Which execution providers start here, with the fix for the usual reasons they do not.
import type { ProviderProbe } from '../../pipeline/onnx/probe-providers.js';
import { EXECUTION_PROVIDERS } from '../../pipeline/types.js';
import type { ExecutionProviderName } from '../../pipeline/types.js';
import type { DoctorRow } from './doctor-row.js';
import { isKnownProvider } from './doctor-settings.js';
import type { DoctorSettings } from './doctor-settings.js';

export type ProbeProvider = (provider: ExecutionProviderName) => Promise<ProviderProbe>;

const HINTS: ReadonlyArray<{ readonly pattern: RegExp; readonly hint: string }> = [
  { pattern: /adapter/i, hint: 'no WebGPU adapter: install a Vulkan driver (libvulkan1 plus mesa-vulkan-drivers, or the NVIDIA driver); `vulkaninfo` should list the GPU' },
  { pattern: /vulkan/i, hint: 'the Vulkan loader is missing: install libvulkan1 and a Vulkan driver' },
  { pattern: /cuda|shared librar|\.so/i, hint: 'the CUDA provider libraries are not installed: on a machine with CUDA 12 run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`' },
];

function explain(probe: ProviderProbe): string {
  const reason = probe.error ?? 'unknown error';
  const hint = HINTS.find((candidate) => candidate.pattern.test(reason))?.hint;
  // onnxruntime's messages start with a source path; the end says what went wrong.
  const short = reason.replace(/^.*? was false\.\s*/, '').replace(/^\/\S+:\d+ \S+ /, '');
  return hint === undefined ? short : `${hint} (${short})`;
}

export async function checkProviders(settings: DoctorSettings, probe: ProbeProvider): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  if (!isKnownProvider(settings.provider)) {
    rows.push({ check: 'ONNX_PROVIDER', status: 'fail', detail: `"${settings.provider}" is not a provider: use one of ${EXECUTION_PROVIDERS.join(', ')}` });
  }
  for (const provider of EXECUTION_PROVIDERS) {
    const result = await probe(provider);
    const configured = provider === settings.provider;
    const check = `provider ${provider}`;
    if (result.ok) {
      rows.push({ check, status: 'ok', detail: `starts (${result.elapsedMs} ms)${configured ? ', configured' : ''}` });
    } else if (!configured) {
      rows.push({ check, status: 'off', detail: `not available: ${explain(result)}` });
    } else if (settings.allowCpuFallback && provider !== 'cpu') {
      rows.push({ check, status: 'warn', detail: `configured but does not start, so the bot will use cpu: ${explain(result)}` });
    } else {
      rows.push({ check, status: 'fail', detail: `configured (ONNX_PROVIDER) but does not start: ${explain(result)}` });
    }
  }
  return rows;
}
