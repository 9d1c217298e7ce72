/**
 * The checks of a tag list the UI can make before asking the gateway: names
 * present and unique in the device, a known type and access, an address.
 * The gateway checks again (addresses in the protocol's syntax, formulas);
 * its answers are merged with these per row and column. Pure.
 */
import type { TagConfig } from '../../components/gateway-types.ts';

/** The columns people edit; other tag settings (steps, deadband…) ride along untouched. */
export const TAG_COLUMNS = ['name', 'address', 'type', 'access', 'unit', 'description'] as const;
export type TagColumn = (typeof TAG_COLUMNS)[number];

/** A tag as typed or imported, before the checks: its access may be any text. */
export interface TagDraft extends Pick<TagConfig, 'name' | 'address' | 'type' | 'unit' | 'description'> {
  access?: string;
  [k: string]: unknown;
}

/** One problem with one row, in one column when it has one. */
export interface RowError {
  row: number;
  column?: TagColumn | string;
  message: string;
}

export const ACCESS_VALUES = ['read', 'readwrite'] as const;

/** The accepted spellings of an access in imported files. */
export function normalizeAccess(text: string): string | undefined {
  const t = text.trim().toLowerCase().replace(/[\s_]/g, '');
  if (t === '' || t === 'r' || t === 'read' || t === 'ro' || t === 'readonly') return t === '' ? undefined : 'read';
  if (t === 'rw' || t === 'readwrite' || t === 'read/write' || t === 'read-write') return 'readwrite';
  return text;
}

export interface CheckOptions {
  dataTypes: readonly string[];
  /** Names of the device's other tags (in other groups, or kept in this one), with the group they are in. */
  taken?: ReadonlyMap<string, string>;
}

/** Every problem the UI can see in a list of tags. */
export function checkTags(tags: readonly TagDraft[], opts: CheckOptions): RowError[] {
  const errors: RowError[] = [];
  const firstRow = new Map<string, number>();
  tags.forEach((t, row) => {
    const name = t.name?.trim() ?? '';
    if (!name) errors.push({ row, column: 'name', message: 'is required' });
    else if (name.length > 200) errors.push({ row, column: 'name', message: 'has more than 200 characters' });
    else {
      const first = firstRow.get(name);
      const group = opts.taken?.get(name);
      if (first !== undefined) errors.push({ row, column: 'name', message: `"${name}" is used by row ${first + 1} too` });
      else if (group !== undefined) errors.push({ row, column: 'name', message: `the device has a tag "${name}" already${group ? ` (group ${group})` : ''}` });
      else firstRow.set(name, row);
    }
    if (!t.type) errors.push({ row, column: 'type', message: 'is required' });
    else if (!opts.dataTypes.includes(t.type)) errors.push({ row, column: 'type', message: unknownType(t.type, opts.dataTypes) });
    if (t.access !== undefined && !(ACCESS_VALUES as readonly string[]).includes(t.access))
      errors.push({ row, column: 'access', message: `"${t.access}" is not an access; use read or readwrite` });
    if ((t.address === undefined || t.address.trim() === '') && t.compute === undefined) errors.push({ row, column: 'address', message: 'is required' });
    if (t.unit !== undefined && t.unit.length > 50) errors.push({ row, column: 'unit', message: 'has more than 50 characters' });
    if (t.description !== undefined && t.description.length > 1000) errors.push({ row, column: 'description', message: 'has more than 1000 characters' });
  });
  return errors;
}

/** Names of a device's tags outside one group, by name → group name. */
export function namesOutside(groups: readonly { name: string; tags: readonly { name: string }[] }[], except?: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of groups) if (g.name !== except) for (const t of g.tags) out.set(t.name, g.name);
  return out;
}

/** A name not in `taken`: the name itself, else name_2, name_3… (the new one is added to `taken`). */
export function uniqueName(name: string, taken: Set<string>): string {
  const base = name.trim() || 'Tag';
  let candidate = base;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base}_${i}`;
  taken.add(candidate);
  return candidate;
}

/** A tag as sent to the gateway: trimmed text, empty optional columns left out. */
export function cleanTag(t: TagDraft): TagDraft {
  const out: TagDraft = { ...t, name: t.name.trim(), type: t.type.trim() };
  for (const k of ['address', 'unit', 'description'] as const) {
    const v = out[k];
    if (v === undefined) continue;
    const trimmed = k === 'description' ? v : v.trim();
    if (trimmed === '') delete out[k];
    else out[k] = trimmed;
  }
  if (out.access === '' || out.access === undefined) delete out.access;
  return out;
}

/** Edits (insert, delete, change a character) from a to b. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** PLC type names people write for the gateway's types. */
const TYPE_ALIASES: Record<string, string> = {
  real: 'float32',
  float: 'float32',
  double: 'float64',
  lreal: 'float64',
  int: 'int16',
  word: 'uint16',
  dint: 'int32',
  dword: 'uint32',
  boolean: 'bool',
};

/** `"float33" is not a type: did you mean float32?` — or the list of types when nothing is close. */
export function unknownType(type: string, dataTypes: readonly string[]): string {
  const lower = type.toLowerCase();
  const alias = TYPE_ALIASES[lower];
  const best = alias && dataTypes.includes(alias) ? alias : [...dataTypes].sort((a, b) => distance(lower, a) - distance(lower, b))[0];
  if (best && (best === alias || distance(lower, best) <= 2)) return `"${type}" is not a type: did you mean ${best}?`;
  return `"${type}" is not a type: use one of ${dataTypes.join(', ')}`;
}
