/**
 * Modbus tag addresses, in two syntaxes:
 *
 *  - ours: an area and a protocol address, `HR100`, `IR7`, `CO12`, `DI4`
 *    (zero-based, or one-based when the device says addressBase: 1); a bit of
 *    a register `HR100.3`; a string of 20 characters `HR100.20` (or `.20L`…);
 *    a Modicon number `40001` (always one-based: 40001 is HR0);
 *  - Neuron's, so tag lists exported from Neuron paste in:
 *    `SLAVE!ADDRESS[.BIT][#ENDIAN][.LEN[H|L|D|E]]`, e.g. `1!400001`,
 *    `1!400010.4`, `1!400001#LB`, `1!400020.10H`.
 *
 * Every refusal names the reason and the (1-based) position.
 */
import type { ByteOrder, DataType } from '../contract.ts';

export type ModbusArea = 'coil' | 'discrete' | 'input' | 'holding';

/**
 * How a string's characters sit in its registers (Neuron's letters): H two per
 * register, high byte first (the default); L two per register, low byte first;
 * D one per register, in the low byte; E one per register, in the high byte.
 */
export type StringMode = 'H' | 'L' | 'D' | 'E';

export interface ModbusAddress {
  area: ModbusArea;
  /** Zero-based protocol address. */
  address: number;
  /** Bit 0 (least significant) to 15 of a register. */
  bit?: number;
  /** A unit id given in the address (Neuron's SLAVE!), overriding the device's. */
  unitId?: number;
  /** A byte order given in the address (#ENDIAN), overriding the tag's and the device's. */
  byteOrder?: ByteOrder;
  /** For strings: the length in characters and how they are packed. */
  length?: number;
  stringMode?: StringMode;
}

export type ParseResult = { ok: true; address: ModbusAddress } | { ok: false; error: string };

const PREFIXES: Record<string, ModbusArea> = { HR: 'holding', IR: 'input', CO: 'coil', DI: 'discrete' };
const MODICON: Record<string, ModbusArea> = { '0': 'coil', '1': 'discrete', '3': 'input', '4': 'holding' };

/**
 * Neuron's #ENDIAN codes, as its driver lays the bytes out: for 16-bit values #L
 * is the standard order and #B swaps the two bytes; for 32- and 64-bit values
 * #LL is ABCD, #LB BADC, #BL CDAB (words swapped), #BB DCBA.
 */
export const NEURON_ENDIAN: Record<string, ByteOrder> = {
  L: 'ABCD',
  B: 'BADC',
  LL: 'ABCD',
  LB: 'BADC',
  BL: 'CDAB',
  BB: 'DCBA',
};

const fail = (error: string, position: number): ParseResult => ({ ok: false, error: `${error} (at position ${position})` });

export interface ParseOptions {
  /** The tag's type decides whether `.N` is a bit (bool) or a string length (string). */
  type?: DataType;
  /** 0 (default) or 1: the base of the numbers in HR/IR/CO/DI addresses. */
  addressBase?: 0 | 1;
}

export function parseModbusAddress(text: string, opts: ParseOptions = {}): ParseResult {
  const src = text.trim();
  const m = /^(?:(\d+)!)?([A-Za-z]{2})?(\d+)(?:\.(\d+)([HLDEhlde])?)?(?:#([A-Za-z]+))?(?:\.(\d+)([HLDEhlde])?)?$/.exec(src);
  if (!m) {
    const bad = src.search(/[^A-Za-z0-9.!#]/);
    return fail(
      `"${text}" is not a Modbus address: use HR<n>, IR<n>, CO<n>, DI<n>, HR<n>.<bit>, a Modicon number such as 40001, or Neuron's 1!400001`,
      bad >= 0 ? bad + 1 : 1,
    );
  }
  const [, slave, prefix, digits = '', dotted, dottedMode, endian, len, mode] = m;
  const at = (part: string | undefined) => (part === undefined ? 1 : src.indexOf(part) + 1);
  const result: ModbusAddress = { area: 'holding', address: 0 };
  if (slave !== undefined) {
    const unit = Number(slave);
    if (unit > 255) return fail(`unit id ${unit} is above 255`, 1);
    result.unitId = unit;
  }
  if (prefix) {
    const known = PREFIXES[prefix.toUpperCase()];
    if (!known) return fail(`unknown area "${prefix}": use HR, IR, CO or DI`, at(prefix));
    result.area = known;
    const base = opts.addressBase ?? 0;
    const n = Number(digits);
    if (n < base) return fail(`address ${n} is below ${base}: this device counts addresses from ${base}`, at(digits));
    if (n - base > 65535) return fail(`address ${n} is above ${65535 + base}`, at(digits));
    result.address = n - base;
  } else {
    // Neuron (SLAVE!) reads the first digit as the area and the rest as a one-based number of any width;
    // a bare Modicon number must have the classic 5 or 6 digits.
    if (slave === undefined && digits.length !== 5 && digits.length !== 6)
      return fail(`Modicon address "${digits}" must have 5 or 6 digits (e.g. 40001 or 400001)`, at(digits));
    if (digits.length < 2) return fail(`"${digits}" needs an area digit and a register number, e.g. 400001`, at(digits));
    const known = MODICON[digits[0] as string];
    if (!known) return fail(`Modicon address must start with 0, 1, 3 or 4, not ${digits[0]}`, at(digits));
    result.area = known;
    const oneBased = Number(digits.slice(1));
    const max = slave === undefined && digits.length === 5 ? 9999 : 65536;
    if (oneBased < 1 || oneBased > max) return fail(`Modicon register number ${oneBased} is outside 1..${max}`, at(digits) + 1);
    result.address = oneBased - 1;
  }
  if (endian !== undefined) {
    const order = NEURON_ENDIAN[endian.toUpperCase()] ?? (BYTE_ORDER_NAMES.has(endian.toUpperCase()) ? (endian.toUpperCase() as ByteOrder) : undefined);
    if (!order) return fail(`unknown byte order "#${endian}": use #B, #L, #BB, #BL, #LB, #LL or #ABCD, #CDAB, #BADC, #DCBA`, src.indexOf('#') + 1);
    result.byteOrder = order;
  }
  const firstDot = src.indexOf('.') + 2;
  if (opts.type === 'string') {
    // `.N` is the string's length in characters: HR10.20, 1!400020.10H, 1!400020#B.10L.
    if (dotted !== undefined && len !== undefined) return fail('a string takes one .LEN, not a bit number', firstDot);
    const length = dotted ?? len;
    if (length === undefined) return { ok: true, address: result };
    return stringPart(result, Number(length), dotted !== undefined ? dottedMode : mode, dotted !== undefined ? firstDot : src.lastIndexOf('.') + 2);
  }
  if (dottedMode !== undefined || len !== undefined) return fail('a string length (.LEN with H, L, D or E) applies to string tags only', firstDot);
  if (dotted !== undefined) {
    if (result.area === 'coil' || result.area === 'discrete') return fail('a bit number applies to registers only, not to coils or discrete inputs', firstDot);
    const bit = Number(dotted);
    if (bit > 15) return fail(`bit ${bit} is outside 0..15`, firstDot);
    result.bit = bit;
  }
  return { ok: true, address: result };
}

const BYTE_ORDER_NAMES = new Set(['ABCD', 'CDAB', 'BADC', 'DCBA']);

function stringPart(result: ModbusAddress, length: number, mode: string | undefined, pos: number): ParseResult {
  if (result.area === 'coil' || result.area === 'discrete') return fail('a string needs registers, not coils or discrete inputs', 1);
  const stringMode = (mode?.toUpperCase() ?? 'H') as StringMode;
  // A string is read in one request: at most 125 registers.
  const max = stringMode === 'D' || stringMode === 'E' ? 125 : 250;
  if (length < 1 || length > max) return fail(`string length ${length} is outside 1..${max} for mode ${stringMode}`, pos);
  result.length = length;
  result.stringMode = stringMode;
  return { ok: true, address: result };
}

/** Registers a string of this length and packing takes. */
export const stringRegisters = (length: number, mode: StringMode) => (mode === 'D' || mode === 'E' ? length : Math.ceil(length / 2));

/** Registers (or bits, for coils and discrete inputs) a value of this type occupies. */
export function sizeOf(type: DataType, addr: ModbusAddress): number {
  if (addr.area === 'coil' || addr.area === 'discrete' || addr.bit !== undefined) return 1;
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
    case 'bcd16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
    case 'bcd32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return stringRegisters(addr.length ?? 0, addr.stringMode ?? 'H');
    default:
      throw new Error(`Modbus has no ${type} registers`);
  }
}

/** Types Modbus registers and bits hold (checked before any address is sized). */
const MODBUS_TYPES: readonly DataType[] = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string', 'bcd16', 'bcd32'];

/** Why this address cannot hold a value of this type, or undefined if it can. */
export function checkModbusTag(address: string, type: DataType, addressBase: 0 | 1 = 0): string | undefined {
  if (!MODBUS_TYPES.includes(type)) return `Modbus has no ${type} values; use one of ${MODBUS_TYPES.join(', ')}`;
  const parsed = parseModbusAddress(address, { type, addressBase });
  if (!parsed.ok) return parsed.error;
  const addr = parsed.address;
  const isBitArea = addr.area === 'coil' || addr.area === 'discrete';
  if (type === 'string' && addr.length === undefined) return `a string needs its length in characters, e.g. ${address}.20`;
  if (isBitArea && type !== 'bool') return `${addr.area === 'coil' ? 'coils' : 'discrete inputs'} hold bool values, not ${type}`;
  if (addr.bit !== undefined && type !== 'bool') return `a bit of a register (${address}) is a bool, not ${type}`;
  if (!isBitArea && addr.bit === undefined && type === 'bool') return `a bool in a register needs a bit number, e.g. ${address}.0`;
  const end = addr.address + sizeOf(type, addr) - 1;
  if (end > 65535) return `a ${type} at ${address} runs past register 65535`;
  return undefined;
}
