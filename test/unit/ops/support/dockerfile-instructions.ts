// A Dockerfile as a list of instructions: continuations joined, comments dropped, each
// instruction tagged with its build stage. Enough to assert what an image does.

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Index of the FROM this instruction belongs to; -1 for ARGs before the first FROM. */
  readonly stage: number;
  readonly line: number;
}

export function parseDockerfile(source: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  let startLine = 0;
  source.split('\n').forEach((raw, index) => {
    const text = raw.trim();
    if (pending === '' && (text === '' || text.startsWith('#'))) return;
    if (pending !== '' && text.startsWith('#')) return; // comments inside a continuation
    if (pending === '') startLine = index + 1;
    if (text.endsWith('\\')) {
      pending += `${text.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${text}`.trim();
    pending = '';
    const keyword = full.split(/\s+/)[0] ?? '';
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') stage++;
    instructions.push({ keyword: upper, args: full.slice(keyword.length).trim(), stage, line: startLine });
  });
  if (pending !== '') throw new Error('the Dockerfile ends inside a line continuation');
  return instructions;
}
