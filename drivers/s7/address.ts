/**
 * S7 tag addresses, in the forms S7 engineers write:
 *
 *  - data blocks, typed: `DB1,REAL0`, `DB1,INT2`, `DB1,DINT4`, `DB1,X8.3` (bit 3 of byte 8),
 *    `DB1,BYTE9`, `DB1,WORD10`, `DB1,DWORD12`, `DB1,S20.32` (a STRING[32] at byte 20),
 *    `DB1,C40.8` (ARRAY[1..8] OF CHAR); short letters as in nodes7 (`DB1,R0`, `DB1,I2`
 *    is an INT, `DB1,DI4`, `DB1,W10`, `DB1,DW12`, `DB1,B9`, `DB1,LR16`);
 *  - data blocks, Siemens absolute: `DB1.DBX8.3`, `DB1.DBB9`, `DB1.DBW10`, `DB1.DBD12`;
 *  - data blocks, just a byte offset: `DB1,12` (the tag's type decides: float32 is a REAL),
 *    `DB1,8.3` for a bool, `DB1,20.32` for a string of at most 32 characters;
 *  - merkers, inputs and outputs: `M10.0`, `MB10`, `MW12`, `MD14`; `I0.0`, `IB0`, `IW4`, `ID8`;
 *    `Q0.1`, `QB2`, `QW2`, `QD4` (German `E` and `A` for inputs and outputs too).
 *
 * Sized forms (B, W, D) say how many bytes, the tag's type says what they hold
 * (`MW12` as int16, uint16 or bcd16). Typed forms must agree with the tag's type,
 * and every refusal says why.
 */
import type { DataType } from '../contract.ts';

export type S7Area = 'DB' | 'M' | 'I' | 'Q';

/** The S7 data types an address can name. */
export type S7Type =
  | 'BOOL'
  | 'BYTE'
  | 'SINT'
  | 'USINT'
  | 'CHAR'
  | 'WORD'
  | 'INT'
  | 'UINT'
  | 'DWORD'
  | 'DINT'
  | 'UDINT'
  | 'REAL'
  | 'LREAL'
  | 'LWORD'
  | 'LINT'
  | 'ULINT'
  | 'STRING';

export interface S7Address {
  area: S7Area;
  /** The DB number; 0 outside data blocks. */
  db: number;
  /** Byte offset in the area or DB. */
  offset: number;
  /** 0..7, for BOOL. */
  bit?: number;
  s7Type: S7Type;
  /** The tag type the value travels as. */
  type: DataType;
  /** STRING: the declared maximum length; CHAR: the number of characters. */
  length?: number;
  /** Bytes the value occupies (a STRING has two header bytes). */
  size: number;
  /** Tag types the address can hold, and how to say so in a refusal ("a REAL", "2 bytes"). */
  accepts: readonly DataType[];
  holds: string;
}

export type ParseResult = { ok: true; address: S7Address } | { ok: false; error: string };

/** Letters of the typed DB form, nodes7's short forms included. */
const TYPE_LETTERS: Record<string, S7Type> = {
  X: 'BOOL',
  B: 'BYTE',
  BYTE: 'BYTE',
  SINT: 'SINT',
  USINT: 'USINT',
  C: 'CHAR',
  CHAR: 'CHAR',
  W: 'WORD',
  WORD: 'WORD',
  I: 'INT',
  INT: 'INT',
  UINT: 'UINT',
  DW: 'DWORD',
  DWORD: 'DWORD',
  DI: 'DINT',
  DINT: 'DINT',
  UDINT: 'UDINT',
  R: 'REAL',
  REAL: 'REAL',
  LR: 'LREAL',
  LREAL: 'LREAL',
  LW: 'LWORD',
  LWORD: 'LWORD',
  LI: 'LINT',
  LINT: 'LINT',
  ULINT: 'ULINT',
  S: 'STRING',
  STRING: 'STRING',
};

const FIXED_SIZE: Record<Exclude<S7Type, 'STRING' | 'CHAR'>, number> = {
  BOOL: 1,
  BYTE: 1,
  SINT: 1,
  USINT: 1,
  WORD: 2,
  INT: 2,
  UINT: 2,
  DWORD: 4,
  DINT: 4,
  UDINT: 4,
  REAL: 4,
  LREAL: 8,
  LWORD: 8,
  LINT: 8,
  ULINT: 8,
};

/** Tag types each S7 type may be read as: bit strings (BYTE, WORD…) as any integer of their size. */
export const TAG_TYPES: Record<S7Type, readonly DataType[]> = {
  BOOL: ['bool'],
  BYTE: ['uint8', 'int8'],
  SINT: ['int8'],
  USINT: ['uint8'],
  CHAR: ['string'],
  WORD: ['uint16', 'int16', 'bcd16'],
  INT: ['int16'],
  UINT: ['uint16'],
  DWORD: ['uint32', 'int32', 'bcd32'],
  DINT: ['int32'],
  UDINT: ['uint32'],
  REAL: ['float32'],
  LREAL: ['float64'],
  LWORD: ['uint64', 'int64'],
  LINT: ['int64'],
  ULINT: ['uint64'],
  STRING: ['string'],
};

/** The S7 type a tag type is read as when the address names none (`DB1,12`). */
const S7_TYPE_OF: Partial<Record<DataType, S7Type>> = {
  bool: 'BOOL',
  int8: 'SINT',
  uint8: 'BYTE',
  int16: 'INT',
  uint16: 'WORD',
  bcd16: 'WORD',
  int32: 'DINT',
  uint32: 'DWORD',
  bcd32: 'DWORD',
  float32: 'REAL',
  float64: 'LREAL',
  int64: 'LINT',
  uint64: 'ULINT',
  string: 'STRING',
};

/** Tag types of sized forms (B, W, D). */
const SIZED: Record<string, { bytes: number; types: readonly DataType[] }> = {
  B: { bytes: 1, types: ['uint8', 'int8'] },
  W: { bytes: 2, types: ['uint16', 'int16', 'bcd16'] },
  D: { bytes: 4, types: ['uint32', 'int32', 'float32', 'bcd32'] },
};

const AREA_LETTERS: Record<string, Exclude<S7Area, 'DB'>> = { M: 'M', I: 'I', E: 'I', Q: 'Q', A: 'Q' };

export const MAX_OFFSET = 65535;
export const MAX_STRING = 254;
export const MAX_CHARS = 1024;

const fail = (error: string): ParseResult => ({ ok: false, error });

const FORMS = 'use DB1,REAL0, DB1,X8.3, DB1,S20.32, DB1.DBW10, DB1,12, M10.0, MW12, I0.0, IW4, Q0.1 or QW2';

/**
 * Parses an address; the tag's type resolves forms that name only a size or an
 * offset (and, for the typed forms, is checked by checkS7Tag, not here).
 */
export function parseS7Address(text: string, tagType?: DataType): ParseResult {
  const src = text.trim().toUpperCase();
  const db = /^DB(\d+)(?:,([A-Z]*)(\d+)(?:\.(\d+))?|\.DB([XBWD])(\d+)(?:\.(\d+))?)$/.exec(src);
  if (db) {
    const [, dbText = '', letters, offsetText, dotted, absLetter, absOffset, absBit] = db;
    const number = Number(dbText);
    if (number < 1 || number > 65535) return fail(`DB number ${number} is outside 1..65535`);
    if (absLetter !== undefined) return sized('DB', number, absLetter === 'X' ? '' : absLetter, Number(absOffset), absBit, text, tagType);
    if (letters === '') return offsetOnly(number, Number(offsetText), dotted, text, tagType);
    const s7Type = TYPE_LETTERS[letters as string];
    if (!s7Type)
      return fail(
        `unknown S7 type "${letters}" in ${text.trim()}: use X, BYTE, SINT, USINT, CHAR, WORD, INT, UINT, DWORD, DINT, UDINT, REAL, LREAL, LWORD, LINT, ULINT or S (STRING)`,
      );
    const result = typed('DB', number, s7Type, Number(offsetText), dotted, text);
    // A bit string (BYTE, WORD…) holds whichever integer of its size the tag says.
    if (result.ok && tagType && result.address.accepts.includes(tagType)) result.address.type = tagType;
    return result;
  }
  if (src.startsWith('DB')) return fail(`"${text.trim()}" is not a data block address: ${FORMS}`);
  const area = /^([MIEQA])([BWD]?)(\d+)(?:\.(\d+))?$/.exec(src);
  if (area) {
    const [, letter = '', size = '', offsetText, dotted] = area;
    return sized(AREA_LETTERS[letter] as S7Area, 0, size, Number(offsetText), dotted, text, tagType);
  }
  if (/^(P[IEQA]|[TCZ])/.test(src)) return fail(`"${text.trim()}": peripheral I/O, timers and counters are not supported; ${FORMS}`);
  return fail(`"${text.trim()}" is not an S7 address: ${FORMS}`);
}

function checkOffset(offset: number, size: number, text: string): string | undefined {
  if (offset + size - 1 > MAX_OFFSET) return `${text.trim()} runs past byte ${MAX_OFFSET}`;
  return undefined;
}

function bitPart(dotted: string | undefined, text: string): { bit?: number; error?: string } {
  if (dotted === undefined) return { error: `${text.trim()} is a bit address and needs a bit number, e.g. ${text.trim()}.0` };
  const bit = Number(dotted);
  if (bit > 7) return { error: `bit ${bit} is outside 0..7 in ${text.trim()}` };
  return { bit };
}

function typed(area: S7Area, db: number, s7Type: S7Type, offset: number, dotted: string | undefined, text: string): ParseResult {
  if (s7Type === 'BOOL') {
    const { bit, error } = bitPart(dotted, text);
    if (error) return fail(error);
    return done({ area, db, offset, bit, s7Type, type: 'bool', size: 1, accepts: ['bool'], holds: 'a bit' }, text);
  }
  if (s7Type === 'STRING' || s7Type === 'CHAR') {
    const max = s7Type === 'STRING' ? MAX_STRING : MAX_CHARS;
    const length = dotted === undefined ? (s7Type === 'CHAR' ? 1 : undefined) : Number(dotted);
    if (length === undefined) return fail(`a STRING needs its maximum length, e.g. ${text.trim()}.32`);
    if (length < 1 || length > max) return fail(`${s7Type === 'STRING' ? 'string' : 'character'} length ${length} is outside 1..${max} in ${text.trim()}`);
    const size = s7Type === 'STRING' ? length + 2 : length;
    return done({ area, db, offset, s7Type, type: 'string', length, size, accepts: ['string'], holds: s7Type }, text);
  }
  if (dotted !== undefined) return fail(`${text.trim()}: .${dotted} applies to bits (X), strings (S) and characters (C) only; arrays are not supported`);
  const accepts = TAG_TYPES[s7Type];
  return done({ area, db, offset, s7Type, type: accepts[0] as DataType, size: FIXED_SIZE[s7Type], accepts, holds: s7Type }, text);
}

/** `DB1,12`, `DB1,8.3`, `DB1,20.32`: the tag's type says what is there. */
function offsetOnly(db: number, offset: number, dotted: string | undefined, text: string, tagType: DataType | undefined): ParseResult {
  if (!tagType) return fail(`${text.trim()} names no S7 type: give one (DB${db},REAL${offset}) or a tag type`);
  const s7Type = S7_TYPE_OF[tagType];
  if (!s7Type) return fail(`S7 addresses hold no ${tagType} values`);
  const result = typed('DB', db, s7Type, offset, dotted, text);
  if (result.ok) Object.assign(result.address, { type: tagType, accepts: [tagType] });
  return result;
}

/** Bit (no size letter) or sized (B, W, D) forms of DBs (DBX, DBB…) and of M, I and Q. */
function sized(area: S7Area, db: number, size: string, offset: number, dotted: string | undefined, text: string, tagType: DataType | undefined): ParseResult {
  if (size === '') {
    const { bit, error } = bitPart(dotted, text);
    if (error) return fail(error);
    return done({ area, db, offset, bit, s7Type: 'BOOL', type: 'bool', size: 1, accepts: ['bool'], holds: 'a bit' }, text);
  }
  if (dotted !== undefined)
    return fail(`${text.trim()}: a bit number applies to bit addresses only (e.g. ${area === 'DB' ? `DB${db}.DBX` : area}${offset}.${dotted})`);
  const form = SIZED[size] as (typeof SIZED)[string];
  const type = tagType && form.types.includes(tagType) ? tagType : (form.types[0] as DataType);
  const s7Type = ({ B: 'BYTE', W: 'WORD', D: type === 'float32' ? 'REAL' : 'DWORD' } as const)[size as 'B' | 'W' | 'D'];
  const holds = `${form.bytes} byte${form.bytes > 1 ? 's' : ''}`;
  return done({ area, db, offset, s7Type, type, size: form.bytes, accepts: form.types, holds }, text);
}

function done(address: S7Address, text: string): ParseResult {
  const problem = checkOffset(address.offset, address.size, text);
  return problem ? fail(problem) : { ok: true, address };
}

/** Types S7 addresses can hold. */
const S7_TAG_TYPES = Object.keys(S7_TYPE_OF) as DataType[];

/** Why this address cannot hold a value of this type, or undefined if it can. */
export function checkS7Tag(address: string, type: DataType): string | undefined {
  if (!S7_TAG_TYPES.includes(type)) return `S7 addresses hold no ${type} values; use one of ${S7_TAG_TYPES.join(', ')}`;
  const parsed = parseS7Address(address, type);
  if (!parsed.ok) return parsed.error;
  const a = parsed.address;
  if (!a.accepts.includes(type)) {
    if (type === 'string' && a.area !== 'DB')
      return `strings live in data blocks only (e.g. DB1,S20.32), not in ${a.area === 'M' ? 'merkers' : a.area === 'I' ? 'inputs' : 'outputs'}`;
    return `${address.trim()} (${a.holds}) holds ${oneOf(a.accepts)}, not ${type}`;
  }
  return undefined;
}

/** `a`, `a or b`, `a, b or c`. */
export const oneOf = (items: readonly string[]) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : (items[0] ?? ''));

/** Parses a tag's address (validated at config load, so a failure here is a bug). */
export function tagAddress(tag: { name: string; address: string; type: DataType }): S7Address {
  const parsed = parseS7Address(tag.address, tag.type);
  if (!parsed.ok) throw new Error(`tag ${tag.name}: ${parsed.error}`);
  return parsed.address;
}

/** The address nodes7 understands for `length` bytes from `offset` (byte arrays; nodes7's own syntax). */
export function nodes7Bytes(area: S7Area, db: number, offset: number, length: number): string {
  const base = area === 'DB' ? `DB${db},BYTE${offset}` : `${area}B${offset}`;
  return length === 1 ? base : `${base}.${length}`;
}

/** The address nodes7 understands for one bit (written with transport size BIT: neighbours untouched). */
export function nodes7Bit(area: S7Area, db: number, offset: number, bit: number): string {
  return area === 'DB' ? `DB${db},X${offset}.${bit}` : `${area}${offset}.${bit}`;
}

/** A readable name of the place, for messages: `DB1.DBB20`, `MB10`. */
export function placeName(a: Pick<S7Address, 'area' | 'db' | 'offset'>): string {
  return a.area === 'DB' ? `DB${a.db}.DBB${a.offset}` : `${a.area}B${a.offset}`;
}
