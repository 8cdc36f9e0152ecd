// Resident memory of another process, read from /proc when scraped. The pipeline worker is the
// process that holds the model and runs out of memory; the bot's own process_resident_memory_bytes
// does not show it. Elsewhere than Linux there is no /proc, and the gauge stays empty.
import { readFile } from 'node:fs/promises';

const BYTES_PER_KIB = 1024;

export async function residentMemoryBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * BYTES_PER_KIB;
  } catch {
    return undefined;
  }
}
