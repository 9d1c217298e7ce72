/** Conversions between tag values and data types, shared by steps and the write path. */
import type { DataType, TagValue } from '../../drivers/contract.ts';

export const isNumericType = (t: DataType) => t !== 'bool' && t !== 'string' && t !== 'bytes';
export const isIntegerType = (t: DataType) => /int|bcd/.test(t);

const INT_RANGE: Partial<Record<DataType, [bigint, bigint]>> = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  bcd16: [0n, 9999n],
  bcd32: [0n, 99999999n],
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class ValueError extends Error {}

export function toNumber(v: TagValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new ValueError(`"${v}" is not a number`);
  return n;
}

/** Converts a value to a type, refusing what does not fit (40000 into int16, "maybe" into bool). */
export function coerce(v: TagValue, type: DataType): TagValue {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : String(v);
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') {
        const s = v.trim().toLowerCase();
        if (s === 'true' || s === '1') return true;
        if (s === 'false' || s === '0') return false;
        throw new ValueError(`"${v}" is not a boolean`);
      }
      return toNumber(v) !== 0;
    case 'bytes':
      if (typeof v !== 'string' || !BASE64.test(v)) throw new ValueError('bytes are written as base64 text');
      return v;
    case 'datetime': {
      // Milliseconds since the epoch, or an ISO 8601 date such as 2026-11-22T07:00:00Z.
      const ms = typeof v === 'string' && !/^\s*-?\d+\s*$/.test(v) ? Date.parse(v) : toNumber(v);
      if (!Number.isFinite(ms) || ms < 0) throw new ValueError(`"${v}" is not a date (ISO 8601 or ms since 1970)`);
      return Math.round(ms);
    }
    case 'float32':
    case 'float64': {
      const n = toNumber(v);
      if (type === 'float32' && Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) throw new ValueError(`${n} does not fit float32`);
      return n;
    }
    default: {
      const range = INT_RANGE[type] as [bigint, bigint];
      let big: bigint;
      if (typeof v === 'bigint') big = v;
      // Decimal strings keep 64-bit integers exact (JSON numbers cannot).
      else if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) big = BigInt(v.trim());
      else {
        const n = toNumber(v);
        if (!Number.isFinite(n)) throw new ValueError(`${n} does not fit ${type}`);
        big = BigInt(Math.round(n));
      }
      if (big < range[0] || big > range[1]) throw new ValueError(`${v} does not fit ${type} (${range[0]}..${range[1]})`);
      return type === 'int64' || type === 'uint64' ? big : Number(big);
    }
  }
}
