/**
 * The two ways a Modbus PDU travels over a byte stream: MBAP (Modbus TCP) and
 * RTU (serial lines, and serial-to-Ethernet converters). A framer turns bytes
 * into responses to the request in flight; a stream out of step is reported
 * so that the connection can be dropped (MBAP) or resynchronised (RTU).
 */
import { encodeMbap, FramingError, MbapFramer } from './mbap.ts';
import { decodeRtu, encodeRtu, type RtuFrameError, rtuFrameLength } from './rtu.ts';

export type FramingKind = 'mbap' | 'rtu';

export interface Expected {
  transactionId: number;
  unitId: number;
}

export type FrameEvent =
  | { kind: 'response'; transactionId?: number; unitId: number; pdu: Buffer }
  /** A frame for the request in flight that is broken: the request fails with this reason. */
  | { kind: 'bad'; reason: string }
  /** Bytes that answer nothing in flight. */
  | { kind: 'discard'; reason: string };

export interface Framer {
  encode(transactionId: number, unitId: number, pdu: Uint8Array): Buffer;
  /** Throws FramingError when only a new connection can recover the stream. */
  push(chunk: Buffer, inFlight: Expected | undefined): FrameEvent[];
  /** Forgets partial input (after a timeout; before each request on an RTU line). */
  reset(): void;
}

class MbapFraming implements Framer {
  private framer = new MbapFramer();
  encode(transactionId: number, unitId: number, pdu: Uint8Array): Buffer {
    return encodeMbap(transactionId, unitId, pdu);
  }
  push(chunk: Buffer): FrameEvent[] {
    return this.framer.push(chunk).map((f) => ({ kind: 'response', transactionId: f.transactionId, unitId: f.unitId, pdu: f.pdu }));
  }
  reset(): void {
    this.framer = new MbapFramer();
  }
}

/** Longest RTU frame: unit + 253-byte PDU + CRC. */
const MAX_RTU_FRAME = 256;

class RtuFraming implements Framer {
  private buffer = Buffer.alloc(0);
  encode(_transactionId: number, unitId: number, pdu: Uint8Array): Buffer {
    return encodeRtu(unitId, pdu);
  }
  push(chunk: Buffer, inFlight: Expected | undefined): FrameEvent[] {
    if (!inFlight) {
      this.buffer = Buffer.alloc(0);
      return [{ kind: 'discard', reason: `${chunk.length} byte(s) with no request in flight` }];
    }
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const length = rtuFrameLength(this.buffer, true);
    if (length === undefined) {
      if (this.buffer.length >= 3) return this.fail(`response with unknown function code ${this.buffer[1]}`);
      return [];
    }
    if (this.buffer.length < length) return this.buffer.length > MAX_RTU_FRAME ? this.fail('frame too long') : [];
    const frame = this.buffer.subarray(0, length);
    this.buffer = Buffer.alloc(0);
    try {
      const { unitId, pdu } = decodeRtu(frame);
      return [{ kind: 'response', unitId, pdu }];
    } catch (err) {
      return this.fail((err as RtuFrameError).message);
    }
  }
  private fail(reason: string): FrameEvent[] {
    this.buffer = Buffer.alloc(0);
    return [{ kind: 'bad', reason }];
  }
  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}

export function createFramer(kind: FramingKind): Framer {
  return kind === 'mbap' ? new MbapFraming() : new RtuFraming();
}

export { FramingError };
