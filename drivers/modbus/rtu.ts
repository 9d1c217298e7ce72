/**
 * Modbus RTU framing: unit id, PDU, CRC-16 (polynomial 0xA001, low byte first).
 * RTU has no length field, so a response's length is worked out from the
 * function code of the request it answers.
 */

const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[i] = c;
  }
  return table;
})();

export function crc16(bytes: Uint8Array, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = 0; i < end; i++) crc = (crc >>> 8) ^ (CRC_TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

export function encodeRtu(unitId: number, pdu: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(pdu.length + 3);
  frame[0] = unitId;
  frame.set(pdu, 1);
  frame.writeUInt16LE(crc16(frame, pdu.length + 1), pdu.length + 1);
  return frame;
}

/**
 * The length of a whole RTU frame that starts with `head` (at least 3 bytes),
 * read as a response (`response`) or as a request; undefined while unknown.
 */
export function rtuFrameLength(head: Uint8Array, response: boolean): number | undefined {
  if (head.length < 2) return undefined;
  const fc = head[1] as number;
  if (fc & 0x80) return 5; // exception: unit, fc, code, crc
  if (response) {
    if (fc >= 1 && fc <= 4) return head.length < 3 ? undefined : 5 + (head[2] as number);
    if (fc === 5 || fc === 6 || fc === 15 || fc === 16) return 8;
    if (fc === 22) return 10;
    return undefined;
  }
  if (fc >= 1 && fc <= 6) return 8;
  if (fc === 15 || fc === 16) return head.length < 7 ? undefined : 9 + (head[6] as number);
  if (fc === 22) return 10;
  return undefined;
}

export class RtuFrameError extends Error {}

/** Checks a whole frame's CRC and splits it into unit and PDU. */
export function decodeRtu(frame: Uint8Array): { unitId: number; pdu: Buffer } {
  if (frame.length < 4) throw new RtuFrameError(`RTU frame of ${frame.length} bytes is too short`);
  const expected = crc16(frame, frame.length - 2);
  const got = (frame[frame.length - 2] as number) | ((frame[frame.length - 1] as number) << 8);
  if (expected !== got)
    throw new RtuFrameError(`CRC mismatch (got 0x${got.toString(16).padStart(4, '0')}, expected 0x${expected.toString(16).padStart(4, '0')})`);
  return { unitId: frame[0] as number, pdu: Buffer.from(frame.subarray(1, frame.length - 2)) };
}
