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

export function writeCoilRequest(address: number, value: boolean): Buffer {
  const pdu = Buffer.allocUnsafe(5);
  pdu[0] = 5;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(value ? 0xff00 : 0x0000, 3);
  return pdu;
}

export function writeRegisterRequest(address: number, word: number): Buffer {
  const pdu = Buffer.allocUnsafe(5);
  pdu[0] = 6;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(word, 3);
  return pdu;
}

export function writeRegistersRequest(address: number, data: Buffer): Buffer {
  const pdu = Buffer.allocUnsafe(6 + data.length);
  pdu[0] = 16;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(data.length / 2, 3);
  pdu[5] = data.length;
  data.copy(pdu, 6);
  return pdu;
}

export function writeCoilsRequest(address: number, values: boolean[]): Buffer {
  const bytes = Math.ceil(values.length / 8);
  const pdu = Buffer.alloc(6 + bytes);
  pdu[0] = 15;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(values.length, 3);
  pdu[5] = bytes;
  values.forEach((v, i) => {
    if (v) pdu[6 + (i >> 3)] = (pdu[6 + (i >> 3)] as number) | (1 << (i & 7));
  });
  return pdu;
}

/** FC 22: (register AND andMask) OR (orMask AND NOT andMask). */
export function maskWriteRequest(address: number, andMask: number, orMask: number): Buffer {
  const pdu = Buffer.allocUnsafe(7);
  pdu[0] = 22;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(andMask, 3);
  pdu.writeUInt16BE(orMask, 5);
  return pdu;
}

/** Checks a write response: an exception, the wrong function, or a short frame throws. */
export function checkWriteResponse(request: Buffer, pdu: Buffer): void {
  const fc = request[0] as number;
  if (pdu.length >= 2 && pdu[0] === (fc | 0x80)) throw new ModbusExceptionError(pdu[1] as number);
  if (pdu[0] !== fc) throw new BadResponseError(`response has function code ${pdu[0]}, expected ${fc}`);
  const expected = fc === 22 ? 7 : 5;
  if (pdu.length < expected) throw new BadResponseError(`short frame: ${pdu.length} bytes of write response, expected ${expected}`);
  if (pdu.readUInt16BE(1) !== request.readUInt16BE(1)) throw new BadResponseError('write response names another address');
}
