/**
 * Values to and from S7 memory. S7 is big-endian, the layout of Modbus's ABCD
 * order, so numbers go through the Modbus register codec at byte granularity.
 * A STRING is a maximum-length byte, an actual-length byte and the characters
 * (one byte each, Windows-1252; latin1 here); an ARRAY OF CHAR is just the characters.
 */
import type { TagValue } from '../contract.ts';
import { decodeRegisters, encodeRegisters } from '../modbus/codec.ts';
import type { S7Address } from './address.ts';

/** Decodes the value of `a` from `data`, where `data[at]` is the address's first byte. */
export function decodeS7(data: Buffer, at: number, a: S7Address): TagValue {
  if (at < 0 || at + a.size > data.length) throw new RangeError(`short read: ${a.size} bytes at ${at} of ${data.length}`);
  switch (a.type) {
    case 'bool':
      return (((data[at] as number) >> (a.bit ?? 0)) & 1) === 1;
    case 'uint8':
      return data.readUInt8(at);
    case 'int8':
      return data.readInt8(at);
    case 'string':
      return a.s7Type === 'STRING' ? decodeString(data, at, a.length as number) : latin1(data, at, a.length as number).replace(/\0+$/, '');
    default:
      return decodeRegisters(data.subarray(at, at + a.size), 0, a.type, 'ABCD');
  }
}

function latin1(data: Buffer, at: number, length: number): string {
  return data.toString('latin1', at, at + length);
}

/** A STRING's characters: as many as its actual-length byte says, but never past its maximum (ours or the PLC's). */
function decodeString(data: Buffer, at: number, max: number): string {
  const plcMax = data[at] as number;
  const actual = data[at + 1] as number;
  if (actual > plcMax || actual > max)
    throw new RangeError(`the STRING at this address says ${actual} characters, more than its maximum of ${Math.min(plcMax, max)}: is it a STRING?`);
  return latin1(data, at + 2, actual);
}

/** The bytes of a value of a numeric or CHAR address (strings: see encodeStringBody). */
export function encodeS7(value: TagValue, a: S7Address): Buffer {
  switch (a.type) {
    case 'uint8':
    case 'int8': {
      const out = Buffer.alloc(1);
      if (a.type === 'uint8') out.writeUInt8(Number(value));
      else out.writeInt8(Number(value));
      return out;
    }
    case 'string': {
      const chars = latin1Bytes(String(value), a.length as number);
      return Buffer.concat([chars, Buffer.alloc((a.length as number) - chars.length)]);
    }
    case 'bool':
      throw new Error('a bool is written as a single bit');
    default:
      return encodeRegisters(value, a.type, 'ABCD');
  }
}

/** A STRING's actual-length byte and characters (its maximum-length byte is the PLC's and is left alone). */
export function encodeStringBody(value: string, max: number): Buffer {
  const chars = latin1Bytes(value, max);
  return Buffer.concat([Buffer.from([chars.length]), chars]);
}

function latin1Bytes(value: string, max: number): Buffer {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is the point
  if (/[^\u0000-\u00ff]/.test(value)) throw new RangeError(`"${value}" has characters an S7 string cannot hold (one byte each, Latin-1)`);
  const chars = Buffer.from(value, 'latin1');
  if (chars.length > max) throw new RangeError(`"${value}" is longer than the ${max} characters of the tag`);
  return chars;
}
