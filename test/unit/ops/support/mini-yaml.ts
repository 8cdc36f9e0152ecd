// Just enough YAML for the deploy files' tests: block mappings and sequences, flow sequences,
// quoted and plain scalars, comments. Anything fancier (anchors, multi-line strings) throws, so
// a compose file that needs it also needs a real parser in its test.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly number: number;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (index === 0 || text[index - 1] === ' ')) {
      return text.slice(0, index).trimEnd();
    }
  }
  return text.trimEnd();
}

function scalar(raw: string, line: number): YamlValue {
  const text = raw.trim();
  if (/^[|>&*!]/.test(text)) throw new Error(`line ${line}: unsupported YAML "${text}"`);
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new Error(`line ${line}: unterminated flow sequence`);
    const inner = text.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((item) => scalar(item, line));
  }
  if ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'"))) return text.slice(1, -1);
  if (text === '' || text === '~' || text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/** `key: value` → [key, value]; the key may be quoted. */
function splitKey(text: string): [string, string] | undefined {
  const match = /^("[^"]*"|'[^']*'|[^\s"'][^:]*?):(?:\s+(.*))?$/.exec(text);
  if (!match) return undefined;
  const key = match[1] ?? '';
  return [key.replace(/^["']|["']$/g, ''), match[2] ?? ''];
}

export function parseYaml(source: string): YamlValue {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, index) => {
    if (raw.includes('\t')) throw new Error(`line ${index + 1}: tabs are not allowed in YAML indentation`);
    const text = stripComment(raw);
    if (text.trim() !== '') lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), number: index + 1 });
  });
  let position = 0;

  function block(indent: number): YamlValue {
    const first = lines[position];
    if (first === undefined) return null;
    return first.text === '-' || first.text.startsWith('- ') ? sequence(indent) : mapping(indent);
  }

  function valueAfterKey(parentIndent: number, rest: string, lineNumber: number): YamlValue {
    if (rest !== '') return scalar(rest, lineNumber);
    const next = lines[position];
    if (next === undefined) return null;
    if (next.indent > parentIndent) return block(next.indent);
    if (next.indent === parentIndent && next.text.startsWith('- ')) return sequence(parentIndent);
    return null;
  }

  function mapping(indent: number): YamlValue {
    const result: { [key: string]: YamlValue } = {};
    for (let line = lines[position]; line !== undefined && line.indent === indent && !line.text.startsWith('- '); line = lines[position]) {
      const pair = splitKey(line.text);
      if (pair === undefined) throw new Error(`line ${line.number}: expected "key: value", got "${line.text}"`);
      position++;
      result[pair[0]] = valueAfterKey(indent, pair[1], line.number);
    }
    const stray = lines[position];
    if (stray !== undefined && stray.indent > indent) throw new Error(`line ${stray.number}: unexpected indentation`);
    return result;
  }

  function sequence(indent: number): YamlValue {
    const items: YamlValue[] = [];
    for (let line = lines[position]; line !== undefined && line.indent === indent && (line.text === '-' || line.text.startsWith('- ')); line = lines[position]) {
      const rest = line.text.slice(1).trim();
      if (rest === '') {
        position++;
        const next = lines[position];
        items.push(next !== undefined && next.indent > indent ? block(next.indent) : null);
      } else if (splitKey(rest) !== undefined && !rest.startsWith('"') && !rest.startsWith("'")) {
        // "- key: value" opens a mapping whose keys sit two columns in.
        const itemIndent = indent + line.text.indexOf(rest);
        lines[position] = { indent: itemIndent, text: rest, number: line.number };
        items.push(mapping(itemIndent));
      } else {
        position++;
        items.push(scalar(rest, line.number));
      }
    }
    return items;
  }

  const result = block(lines[0]?.indent ?? 0);
  const left = lines[position];
  if (left !== undefined) throw new Error(`line ${left.number}: unexpected "${left.text}"`);
  return result;
}
