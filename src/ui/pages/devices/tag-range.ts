/**
 * A range of tags from one pattern: names with a counter (`T{n}` → T1, T2…),
 * addresses stepped in the protocol's own syntax (Modbus 40001, 40003…;
 * S7 DB1,REAL0, DB1,REAL4…; OPC UA ns=2;i=1000, 1001… or s=Name{n}). Pure.
 */
import type { TagDraft } from './tag-checks.ts';

export interface RangeSpec {
  protocol: string;
  /** Tag names; `{n}` is the counter, `{n:3}` pads it to 3 digits. */
  namePattern: string;
  /** The counter of the first tag. */
  first: number;
  count: number;
  /** The first tag's address; later ones are stepped from it (or use `{n}` in it). */
  startAddress: string;
  /** Between consecutive addresses: registers (Modbus), bytes (S7), identifiers (OPC UA); bits for bit addresses. */
  step: number;
  type: string;
  access: 'read' | 'readwrite';
  unit?: string;
  description?: string;
}

export const MAX_RANGE = 10_000;

const COUNTER = /\{n(?::(\d{1,2}))?\}/g;

/** The name or address pattern with the counter filled in. */
export function fillCounter(pattern: string, n: number): string {
  return pattern.replace(COUNTER, (_m, width: string | undefined) => {
    const s = String(Math.abs(n)).padStart(width ? Number(width) : 0, '0');
    return n < 0 ? `-${s}` : s;
  });
}

export const hasCounter = (pattern: string) => new RegExp(COUNTER.source).test(pattern);

/** 16-bit registers a value of the type takes (Modbus). */
const REGISTERS: Record<string, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 1,
  uint16: 1,
  bcd16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  bcd32: 2,
  int64: 4,
  uint64: 4,
  float64: 4,
  datetime: 4,
};
/** Bytes a value of the type takes (S7). */
const BYTES: Record<string, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  bcd16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  bcd32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
  datetime: 8,
};

/** The address step that packs values of `type` one after the other. */
export function defaultStep(protocol: string, type: string, startAddress: string): number {
  if (protocol === 'modbus') {
    const string = /\.(\d+)[HLDEhlde]?$/.exec(startAddress);
    if (type === 'string' && string) return Math.ceil(Number(string[1]) / 2);
    return REGISTERS[type] ?? 1;
  }
  if (protocol === 's7') {
    const string = /S(\d+)\.(\d+)$/i.exec(startAddress) ?? /,(\d+)\.(\d+)$/.exec(startAddress);
    if (type === 'string' && string) return Number(string[2]) + 2;
    return BYTES[type] ?? 1;
  }
  return 1;
}

/** What the step counts, for the form's label. */
export function stepUnit(protocol: string, type: string, startAddress: string): string {
  if (hasCounter(startAddress)) return 'counter';
  if (protocol === 'modbus') {
    if (bitAddress('modbus', type, startAddress)) return 'bits';
    return /^(\d+!)?(CO|DI|[01]\d{4,5}$)/i.test(startAddress.trim()) ? 'coils or inputs' : 'registers';
  }
  if (protocol === 's7') return bitAddress('s7', type, startAddress) ? 'bits' : 'bytes';
  return 'identifiers';
}

const S7_BIT = [/^(DB\d+,X)(\d+)\.(\d+)$/i, /^(DB\d+\.DBX)(\d+)\.(\d+)$/i, /^([MIQEA]X?)(\d+)\.(\d+)$/i];

function bitAddress(protocol: string, type: string, address: string): boolean {
  const a = address.trim();
  if (protocol === 'modbus') return type === 'bool' && /^(\d+!)?[A-Za-z]{2}\d+\.\d+$/.test(a);
  if (protocol === 's7') return S7_BIT.some((re) => re.test(a)) || (type === 'bool' && /^DB\d+,\d+\.\d+$/i.test(a));
  return false;
}

type Stepped = { ok: true; address: string } | { ok: false; error: string };

/** The address `index` steps after `start`. */
export function stepAddress(protocol: string, start: string, index: number, step: number, type: string, counter?: number): Stepped {
  const a = start.trim();
  if (hasCounter(a)) return { ok: true, address: fillCounter(a, counter ?? index) };
  const offset = index * step;
  if (protocol === 'modbus') return stepModbus(a, offset, type);
  if (protocol === 's7') return stepS7(a, offset, type);
  if (protocol === 'opcua') return stepOpcua(a, offset);
  return stepLastNumber(a, offset);
}

function stepModbus(a: string, offset: number, type: string): Stepped {
  const m = /^(\d+!)?([A-Za-z]{2})?(\d+)(.*)$/.exec(a);
  if (!m) return { ok: false, error: `"${a}" is not a Modbus address to count from (e.g. 40001, 400001 or HR0)` };
  const [, slave = '', area, digits = '', rest = ''] = m;
  if (area) {
    const bit = /^\.(\d+)$/.exec(rest);
    if (type === 'bool' && bit) {
      const total = Number(digits) * 16 + Number(bit[1]) + offset;
      return { ok: true, address: `${slave}${area}${Math.floor(total / 16)}.${total % 16}` };
    }
    const n = Number(digits) + offset;
    if (n > 65536) return { ok: false, error: `register ${n} is past the end of the address space (65535)` };
    return { ok: true, address: `${slave}${area}${n}${rest}` };
  }
  // Modicon: the first digit is the area, the rest a one-based number; 5 digits reach 9999, 6 digits 65536.
  if (!slave && digits.length !== 5 && digits.length !== 6) return { ok: false, error: `Modicon addresses have 5 or 6 digits, e.g. 40001 or 400001` };
  const areaDigit = digits.slice(0, 1);
  const n = Number(digits.slice(1)) + offset;
  if (n > 65536) return { ok: false, error: `register ${areaDigit}${n} is past the end of the address space` };
  const width = slave ? digits.length - 1 : n > 9999 ? 5 : digits.length - 1;
  return { ok: true, address: `${slave}${areaDigit}${String(n).padStart(width, '0')}${rest}` };
}

function stepS7(a: string, offset: number, type: string): Stepped {
  const bitForm = S7_BIT.map((re) => re.exec(a)).find(Boolean) ?? (type === 'bool' ? /^(DB\d+,)(\d+)\.(\d+)$/i.exec(a) : null);
  if (bitForm) {
    const bit = Number(bitForm[3]);
    if (bit > 7) return { ok: false, error: `bit ${bit} is outside 0..7` };
    const total = Number(bitForm[2]) * 8 + bit + offset;
    return { ok: true, address: `${bitForm[1]}${Math.floor(total / 8)}.${total % 8}` };
  }
  // The byte offset is the last number, before a STRING's or CHAR array's `.length`.
  const m = /^(.*?)(\d+)(\.\d+)?$/.exec(a);
  if (!m || !/[A-Za-z]/.test(m[1] ?? '')) return { ok: false, error: `"${a}" is not an S7 address to count from (e.g. DB1,REAL0 or MW10)` };
  return { ok: true, address: `${m[1]}${Number(m[2]) + offset}${m[3] ?? ''}` };
}

function stepOpcua(a: string, offset: number): Stepped {
  const numeric = /^(.*;i=|i=)(\d+)$/.exec(a);
  if (numeric) return { ok: true, address: `${numeric[1]}${Number(numeric[2]) + offset}` };
  const string = /^(.*?(?:^|;)s=)(.*)$/s.exec(a);
  if (string) {
    // Only the identifier counts: the namespace index is not part of the range.
    const stepped = stepLastNumber(string[2] ?? '', offset);
    if (stepped.ok) return { ok: true, address: `${string[1]}${stepped.address}` };
    return { ok: false, error: 'a string NodeId needs a number to count, or {n} where the counter goes, e.g. ns=2;s=Line1.Temp{n}' };
  }
  return { ok: false, error: 'only numeric (i=) and string (s=) NodeIds can be counted: use i=1000 or s=Name{n}' };
}

function stepLastNumber(a: string, offset: number): Stepped {
  const m = /^(.*?)(\d+)(\D*)$/.exec(a);
  if (!m) return { ok: false, error: `"${a}" has no number to count from; put {n} where the counter goes` };
  const [, head = '', digits = '', tail = ''] = m;
  return { ok: true, address: `${head}${String(Number(digits) + offset).padStart(digits.length, '0')}${tail}` };
}

export interface RangeResult {
  tags: TagDraft[];
  /** Problems with the range itself (not with single tags); the tags are empty when there are any. */
  errors: { field: keyof RangeSpec; message: string }[];
}

/** The tags of a range, or why there are none. */
export function generateRange(spec: RangeSpec): RangeResult {
  const errors: RangeResult['errors'] = [];
  if (!spec.namePattern.trim()) errors.push({ field: 'namePattern', message: 'is required, e.g. T{n}' });
  else if (spec.count > 1 && !hasCounter(spec.namePattern))
    errors.push({ field: 'namePattern', message: 'needs {n} where the counter goes, so that every name differs' });
  if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > MAX_RANGE)
    errors.push({ field: 'count', message: `must be a whole number from 1 to ${MAX_RANGE}` });
  if (!Number.isInteger(spec.first)) errors.push({ field: 'first', message: 'must be a whole number' });
  if (!spec.startAddress.trim()) errors.push({ field: 'startAddress', message: 'is required' });
  else if (!hasCounter(spec.startAddress) && (!Number.isInteger(spec.step) || spec.step < 0))
    errors.push({ field: 'step', message: 'must be a whole number, 0 or more' });
  if (errors.length > 0) return { tags: [], errors };

  const tags: TagDraft[] = [];
  for (let i = 0; i < spec.count; i++) {
    const n = spec.first + i;
    const address = stepAddress(spec.protocol, spec.startAddress, i, spec.step, spec.type, n);
    if (!address.ok)
      return { tags: [], errors: [{ field: i === 0 ? 'startAddress' : 'count', message: i === 0 ? address.error : `tag ${i + 1}: ${address.error}` }] };
    const tag: TagDraft = { name: fillCounter(spec.namePattern.trim(), n), address: address.address, type: spec.type, access: spec.access };
    if (spec.unit?.trim()) tag.unit = spec.unit.trim();
    if (spec.description?.trim()) tag.description = fillCounter(spec.description.trim(), n);
    tags.push(tag);
  }
  return { tags, errors };
}
