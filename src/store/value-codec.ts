/**
 * Compact encoding of a batch of stored values (one device's update): metric
 * ids as varints, times as varint deltas from the batch's first time, and each
 * value in the fewest bytes that hold it exactly (a float32-exact number takes
 * 4 bytes, an integer a zigzag varint). About 7 bytes for a float value.
 */
import type { Quality, TagValue } from '../../drivers/contract.ts';

export interface StoredValue {
  metricId: number;
  ts: number;
  value: TagValue | null;
  quality: Quality;
}

const QUALITY_CODE: Record<Quality, number> = { good: 0, bad: 1, stale: 2 };
const QUALITY_OF: Quality[] = ['good', 'bad', 'stale'];
enum Kind {
  Null = 0,
  False = 1,
  True = 2,
  F32 = 3,
  F64 = 4,
  Int = 5,
  Str = 6,
}

class Writer {
  private buf = Buffer.allocUnsafe(256);
  length = 0;
  private ensure(n: number) {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
  byte(b: number) {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  varint(n: bigint | number) {
    let v = BigInt(n);
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.length++] = Number(v);
  }
  /** Small non-negative integers without BigInt (the common case). */
  uvarint(n: number) {
    if (n > 0xfffffff) return this.varint(n);
    this.ensure(5);
    while (n > 0x7f) {
      this.buf[this.length++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.length++] = n;
  }
  zigzag(n: bigint | number) {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  f32(n: number) {
    this.ensure(4);
    this.buf.writeFloatLE(n, this.length);
    this.length += 4;
  }
  f64(n: number) {
    this.ensure(8);
    this.buf.writeDoubleLE(n, this.length);
    this.length += 8;
  }
  bytes(b: Buffer) {
    this.uvarint(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

export function encodeBatch(values: readonly StoredValue[], baseTs: number): Buffer {
  const w = new Writer();
  w.uvarint(values.length);
  for (const v of values) {
    w.uvarint(v.metricId);
    const delta = v.ts - baseTs;
    if (delta >= 0) w.uvarint(delta * 2);
    else w.zigzag(delta);
    const q = QUALITY_CODE[v.quality];
    const value = v.value;
    if (value === null) w.byte(q | (Kind.Null << 2));
    else if (typeof value === 'boolean') w.byte(q | ((value ? Kind.True : Kind.False) << 2));
    else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 53)) {
      w.byte(q | (Kind.Int << 2));
      w.zigzag(value);
    } else if (typeof value === 'number' && (Math.fround(value) === value || Number.isNaN(value))) {
      w.byte(q | (Kind.F32 << 2));
      w.f32(value);
    } else if (typeof value === 'number') {
      w.byte(q | (Kind.F64 << 2));
      w.f64(value);
    } else {
      w.byte(q | (Kind.Str << 2));
      w.bytes(Buffer.from(value, 'utf8'));
    }
  }
  return w.done();
}

export function decodeBatch(buf: Buffer, baseTs: number): StoredValue[] {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('stored batch is truncated');
      const b = buf[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const unzig = (v: bigint) => (v & 1n ? -((v + 1n) >> 1n) : v >> 1n);
  const count = Number(varint());
  const out: StoredValue[] = [];
  for (let i = 0; i < count; i++) {
    const metricId = Number(varint());
    const ts = baseTs + Number(unzig(varint()));
    const tag = buf[pos++] as number;
    const quality = QUALITY_OF[tag & 3] ?? 'bad';
    const kind = tag >> 2;
    let value: TagValue | null;
    switch (kind) {
      case Kind.Null:
        value = null;
        break;
      case Kind.False:
        value = false;
        break;
      case Kind.True:
        value = true;
        break;
      case Kind.Int: {
        const big = unzig(varint());
        value = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
        break;
      }
      case Kind.F32:
        value = buf.readFloatLE(pos);
        pos += 4;
        break;
      case Kind.F64:
        value = buf.readDoubleLE(pos);
        pos += 8;
        break;
      case Kind.Str: {
        const len = Number(varint());
        value = buf.toString('utf8', pos, pos + len);
        pos += len;
        break;
      }
      default:
        throw new Error(`stored batch has an unknown value kind ${kind}`);
    }
    out.push({ metricId, ts, value, quality });
  }
  return out;
}
