/**
 * Modbus TCP framing (MBAP header: transaction id, protocol id 0, length, unit id).
 * The framer collects a byte stream into whole frames; a header that cannot be
 * Modbus means the stream is out of step, and the caller must drop the connection.
 */
export interface MbapFrame {
  transactionId: number;
  unitId: number;
  pdu: Buffer;
}

export const MAX_PDU = 253;

export function encodeMbap(transactionId: number, unitId: number, pdu: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(7 + pdu.length);
  frame.writeUInt16BE(transactionId, 0);
  frame.writeUInt16BE(0, 2);
  frame.writeUInt16BE(pdu.length + 1, 4);
  frame[6] = unitId;
  frame.set(pdu, 7);
  return frame;
}

export class FramingError extends Error {}

export class MbapFramer {
  private buffer: Buffer = Buffer.alloc(0);

  /** Adds bytes and returns every complete frame; throws FramingError when the stream is not Modbus. */
  push(chunk: Buffer): MbapFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: MbapFrame[] = [];
    while (this.buffer.length >= 7) {
      const protocolId = this.buffer.readUInt16BE(2);
      const length = this.buffer.readUInt16BE(4);
      if (protocolId !== 0) throw new FramingError(`protocol id ${protocolId} in MBAP header (expected 0)`);
      if (length < 2 || length > MAX_PDU + 1) throw new FramingError(`MBAP length ${length} outside 2..${MAX_PDU + 1}`);
      if (this.buffer.length < 6 + length) break;
      frames.push({
        transactionId: this.buffer.readUInt16BE(0),
        unitId: this.buffer[6] as number,
        pdu: Buffer.from(this.buffer.subarray(7, 6 + length)),
      });
      this.buffer = this.buffer.subarray(6 + length);
    }
    return frames;
  }
}
