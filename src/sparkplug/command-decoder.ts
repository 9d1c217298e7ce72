/**
 * Decodes incoming NCMD/DCMD payloads without the library's decoder, which
 * takes time exponential in template nesting (SPARKPLUG.md). This reader walks
 * the protobuf wire format once, reads only the fields a command uses, and
 * skips every nested message by its length without looking inside: no
 * recursion, bounded size, bounded metric count.
 */
export const MAX_COMMAND_BYTES = 256 * 1024;
export const MAX_COMMAND_METRICS = 10_000;

export type CommandValue =
  | { field: 'int'; value: number }
  | { field: 'long'; value: bigint }
  | { field: 'float'; value: number }
  | { field: 'double'; value: number }
  | { field: 'bool'; value: boolean }
  | { field: 'string'; value: string }
  | { field: 'bytes'; value: string }
  | { field: 'other'; value: null };

export interface CommandMetric {
  name?: string;
  alias?: number;
  datatype?: number;
  isNull: boolean;
  value?: CommandValue;
}

export class MalformedPayloadError extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedPayloadError('truncated varint');
      const byte = this.buf[this.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new MalformedPayloadError('varint longer than 10 bytes');
  }

  smallVarint(): number {
    const v = this.varint();
    if (v > 0xffffffffn) throw new MalformedPayloadError('field value too large');
    return Number(v);
  }

  fixed(bytes: 4 | 8): DataView {
    if (this.pos + bytes > this.end) throw new MalformedPayloadError('truncated fixed-size field');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, bytes);
    this.pos += bytes;
    return view;
  }

  /** Returns [start, end) of a length-delimited field. */
  delimited(): [number, number] {
    const len = this.smallVarint();
    const start = this.pos;
    if (start + len > this.end) throw new MalformedPayloadError('length-delimited field runs past the end');
    this.pos += len;
    return [start, start + len];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.fixed(8);
        return;
      case 2:
        this.delimited();
        return;
      case 5:
        this.fixed(4);
        return;
      default:
        throw new MalformedPayloadError(`unsupported wire type ${wireType}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(buf: Uint8Array, [start, end]: [number, number]): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new MalformedPayloadError('string is not valid UTF-8');
  }
}

function readMetric(buf: Uint8Array, start: number, end: number): CommandMetric {
  const r = new Reader(buf, start, end);
  const metric: CommandMetric = { isNull: false };
  while (r.pos < r.end) {
    const key = r.smallVarint();
    const field = key >>> 3;
    const wire = key & 7;
    const expect = (w: number) => {
      if (wire !== w) throw new MalformedPayloadError(`metric field ${field} has wire type ${wire}, expected ${w}`);
    };
    switch (field) {
      case 1:
        expect(2);
        metric.name = text(buf, r.delimited());
        break;
      case 2:
        expect(0);
        metric.alias = Number(r.varint());
        break;
      case 4:
        expect(0);
        metric.datatype = r.smallVarint();
        break;
      case 7:
        expect(0);
        metric.isNull = r.varint() !== 0n;
        break;
      case 10:
        expect(0);
        metric.value = { field: 'int', value: Number(BigInt.asUintN(32, r.varint())) };
        break;
      case 11:
        expect(0);
        metric.value = { field: 'long', value: r.varint() };
        break;
      case 12:
        expect(5);
        metric.value = { field: 'float', value: r.fixed(4).getFloat32(0, true) };
        break;
      case 13:
        expect(1);
        metric.value = { field: 'double', value: r.fixed(8).getFloat64(0, true) };
        break;
      case 14:
        expect(0);
        metric.value = { field: 'bool', value: r.varint() !== 0n };
        break;
      case 15:
        expect(2);
        metric.value = { field: 'string', value: text(buf, r.delimited()) };
        break;
      case 16: {
        expect(2);
        const [from, to] = r.delimited();
        metric.value = { field: 'bytes', value: Buffer.from(buf.subarray(from, to)).toString('base64') };
        break;
      }
      case 17:
      case 18:
      case 19:
        r.skip(wire);
        metric.value = { field: 'other', value: null };
        break;
      default:
        r.skip(wire);
    }
  }
  return metric;
}

/** Decodes the metrics of a command payload; throws MalformedPayloadError with the reason. */
export function decodeCommand(buf: Uint8Array): CommandMetric[] {
  if (buf.length > MAX_COMMAND_BYTES) throw new MalformedPayloadError(`payload of ${buf.length} bytes exceeds ${MAX_COMMAND_BYTES}`);
  const r = new Reader(buf, 0, buf.length);
  const metrics: CommandMetric[] = [];
  while (r.pos < r.end) {
    const key = r.smallVarint();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 2) {
      if (wire !== 2) throw new MalformedPayloadError(`metrics field has wire type ${wire}, expected 2`);
      if (metrics.length >= MAX_COMMAND_METRICS) throw new MalformedPayloadError(`more than ${MAX_COMMAND_METRICS} metrics`);
      const [start, end] = r.delimited();
      metrics.push(readMetric(buf, start, end));
    } else {
      r.skip(wire);
    }
  }
  return metrics;
}
