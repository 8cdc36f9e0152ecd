// A systemd unit file as sections of key → values (keys may repeat, e.g. Environment=).

export type UnitFile = Map<string, Map<string, string[]>>;

export function parseUnitFile(source: string): UnitFile {
  const unit: UnitFile = new Map();
  let section: Map<string, string[]> | undefined;
  source.split('\n').forEach((raw, index) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#') || text.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(text);
    if (header) {
      section = new Map();
      unit.set(header[1] ?? '', section);
      return;
    }
    const equals = text.indexOf('=');
    if (section === undefined || equals <= 0) throw new Error(`line ${index + 1}: expected Key=value inside a [Section], got "${text}"`);
    const key = text.slice(0, equals).trim();
    section.set(key, [...(section.get(key) ?? []), text.slice(equals + 1).trim()]);
  });
  return unit;
}
