/** Modbus PDUs: building requests, checking responses. Shared by the driver and the simulator. */
import type { ModbusArea } from './address.ts';

export const READ_FUNCTION: Record<ModbusArea, number> = { coil: 1, discrete: 2, holding: 3, input: 4 };
export const MAX_READ_REGISTERS = 125;
export const MAX_READ_BITS = 2000;

export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export function exceptionText(code: number): string {
  return `Modbus exception ${code} (${EXCEPTION_NAMES[code] ?? 'unknown'})`;
}

export function readRequest(fc: number, start: number, count: number): Buffer {
  const pdu = Buffer.allocUnsafe(5);
  pdu[0] = fc;
  pdu.writeUInt16BE(start, 1);
  pdu.writeUInt16BE(count, 3);
  return pdu;
}

/** A response PDU that is not what was asked for: the affected tags go bad with this reason. */
export class BadResponseError extends Error {}
/** A Modbus exception response. */
export class ModbusExceptionError extends Error {
  constructor(readonly exceptionCode: number) {
    super(exceptionText(exceptionCode));
  }
}

/**
 * Checks a read response against its request and returns the data bytes
 * (registers as wire bytes, or packed bits).
 */
export function readResponseData(fc: number, count: number, pdu: Buffer): Buffer {
  if (pdu.length < 2) throw new BadResponseError(`short frame: ${pdu.length} byte(s) of PDU`);
  if (pdu[0] === (fc | 0x80)) throw new ModbusExceptionError(pdu[1] as number);
  if (pdu[0] !== fc) throw new BadResponseError(`response has function code ${pdu[0]}, expected ${fc}`);
  const expected = fc <= 2 ? Math.ceil(count / 8) : count * 2;
  const byteCount = pdu[1] as number;
  if (byteCount !== expected || pdu.length - 2 < expected) {
    throw new BadResponseError(`short frame: expected ${expected} data bytes, got ${Math.min(byteCount, pdu.length - 2)}`);
  }
  return pdu.subarray(2, 2 + expected);
}

/** Bit `index` of packed coil/discrete data (LSB of the first byte is the first bit). */
export function packedBit(data: Uint8Array, index: number): boolean {
  return (((data[index >> 3] as number) >> (index & 7)) & 1) === 1;
}
