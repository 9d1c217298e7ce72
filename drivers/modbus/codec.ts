/**
 * Values to and from Modbus registers. Registers travel big-endian; a device's
 * byte order says how a multi-register value is laid out over them:
 * ABCD as is, CDAB with the word order reversed, BADC with the bytes of each word
 * swapped, DCBA both. For 64-bit values the same two swaps apply to all four words.
 */
import type { ByteOrder, DataType, TagValue } from '../contract.ts';
import type { StringMode } from './address.ts';

/** Reorders `words` registers from wire layout to big-endian (and back: it is its own inverse). */
export function reorder(src: Uint8Array, start: number, words: number, order: ByteOrder): Buffer {
  const out = Buffer.allocUnsafe(words * 2);
  const wordSwap = order === 'CDAB' || order === 'DCBA';
  const byteSwap = order === 'BADC' || order === 'DCBA';
  for (let i = 0; i < words; i++) {
    const from = start + (wordSwap ? words - 1 - i : i) * 2;
    const hi = src[from] as number;
    const lo = src[from + 1] as number;
    out[i * 2] = byteSwap ? lo : hi;
    out[i * 2 + 1] = byteSwap ? hi : lo;
  }
  return out;
}

/** Decodes a value of `type` from `registers` (wire bytes) starting at register `offset`. */
export function decodeRegisters(registers: Uint8Array, offset: number, type: DataType, order: ByteOrder): TagValue {
  const at = offset * 2;
  switch (type) {
    case 'int16':
      return reorder(registers, at, 1, order).readInt16BE(0);
    case 'uint16':
      return reorder(registers, at, 1, order).readUInt16BE(0);
    case 'int32':
      return reorder(registers, at, 2, order).readInt32BE(0);
    case 'uint32':
      return reorder(registers, at, 2, order).readUInt32BE(0);
    case 'float32':
      return reorder(registers, at, 2, order).readFloatBE(0);
    case 'int64':
      return reorder(registers, at, 4, order).readBigInt64BE(0);
    case 'uint64':
      return reorder(registers, at, 4, order).readBigUInt64BE(0);
    case 'float64':
      return reorder(registers, at, 4, order).readDoubleBE(0);
    case 'bcd16':
      return fromBcd(reorder(registers, at, 1, order).readUInt16BE(0), 4);
    case 'bcd32':
      return fromBcd(reorder(registers, at, 2, order).readUInt32BE(0), 8);
    default:
      throw new Error(`decodeRegisters does not decode ${type}`);
  }
}

/** A register value is not binary-coded decimal: the tag goes bad with this reason. */
export class NotBcdError extends Error {}

function fromBcd(raw: number, digits: number): number {
  let value = 0;
  for (let i = digits - 1; i >= 0; i--) {
    const nibble = Math.floor(raw / 16 ** i) % 16;
    if (nibble > 9) throw new NotBcdError(`0x${raw.toString(16).padStart(digits, '0')} is not binary-coded decimal`);
    value = value * 10 + nibble;
  }
  return value;
}

function toBcd(value: number, digits: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= 10 ** digits) throw new RangeError(`${value} does not fit ${digits} BCD digits`);
  let raw = 0;
  for (let i = 0, v = value; i < digits; i++, v = Math.floor(v / 10)) raw += (v % 10) * 16 ** i;
  return raw;
}

/** Encodes a value of `type` into wire-order register bytes. */
export function encodeRegisters(value: TagValue, type: DataType, order: ByteOrder): Buffer {
  const be = Buffer.alloc(type === 'int16' || type === 'uint16' || type === 'bcd16' ? 2 : type.endsWith('64') ? 8 : 4);
  switch (type) {
    case 'int16':
      be.writeInt16BE(Number(value));
      break;
    case 'uint16':
      be.writeUInt16BE(Number(value));
      break;
    case 'int32':
      be.writeInt32BE(Number(value));
      break;
    case 'uint32':
      be.writeUInt32BE(Number(value));
      break;
    case 'float32':
      be.writeFloatBE(Number(value));
      break;
    case 'int64':
      be.writeBigInt64BE(BigInt(value as number | bigint));
      break;
    case 'uint64':
      be.writeBigUInt64BE(BigInt(value as number | bigint));
      break;
    case 'float64':
      be.writeDoubleBE(Number(value));
      break;
    case 'bcd16':
      be.writeUInt16BE(toBcd(Number(value), 4));
      break;
    case 'bcd32':
      be.writeUInt32BE(toBcd(Number(value), 8));
      break;
    case 'bool':
    case 'string':
      throw new Error(`encodeRegisters does not encode ${type}`);
  }
  return reorder(be, 0, be.length / 2, order);
}

/** Reads a string of `length` characters packed as `mode` (H, L, D, E), trailing NULs and spaces trimmed. */
export function decodeString(registers: Uint8Array, offset: number, length: number, mode: StringMode): string {
  const at = offset * 2;
  const chars = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    if (mode === 'H') chars[i] = registers[at + i] as number;
    else if (mode === 'L') chars[i] = registers[at + (i ^ 1)] as number;
    else chars[i] = registers[at + i * 2 + (mode === 'D' ? 1 : 0)] as number;
  }
  return chars.toString('latin1').replace(/[\0 ]+$/, '');
}

/** Encodes a string into wire-order registers, padded with NULs; refuses one that is too long. */
export function encodeString(value: string, length: number, mode: StringMode): Buffer {
  const chars = Buffer.from(value, 'latin1');
  if (chars.length > length) throw new RangeError(`"${value}" is longer than the ${length} characters of the tag`);
  const out = Buffer.alloc(mode === 'D' || mode === 'E' ? length * 2 : Math.ceil(length / 2) * 2);
  for (let i = 0; i < chars.length; i++) {
    if (mode === 'H') out[i] = chars[i] as number;
    else if (mode === 'L') out[i ^ 1] = chars[i] as number;
    else out[i * 2 + (mode === 'D' ? 1 : 0)] = chars[i] as number;
  }
  return out;
}

/** Reads bit `bit` (0 = least significant) of the register at `offset`. */
export function registerBit(registers: Uint8Array, offset: number, bit: number): boolean {
  const word = ((registers[offset * 2] as number) << 8) | (registers[offset * 2 + 1] as number);
  return ((word >> bit) & 1) === 1;
}
