import { type Static, Type } from '@sinclair/typebox';
import { BYTE_ORDERS } from '../contract.ts';
import { MAX_READ_BITS, MAX_READ_REGISTERS } from './pdu.ts';

/** The `connection` block of a Modbus device. */
export const ModbusConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Host name or IP address of the device' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 502 }),
    unitId: Type.Integer({ minimum: 0, maximum: 255, default: 1, description: 'Unit (slave) id' }),
    timeoutMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000, description: 'Timeout of one request' }),
    byteOrder: Type.Unsafe<(typeof BYTE_ORDERS)[number]>({ type: 'string', enum: [...BYTE_ORDERS], default: 'ABCD' }),
    maxRegistersPerRequest: Type.Integer({ minimum: 1, maximum: MAX_READ_REGISTERS, default: MAX_READ_REGISTERS }),
    maxBitsPerRequest: Type.Integer({ minimum: 1, maximum: MAX_READ_BITS, default: MAX_READ_BITS }),
    maxGap: Type.Integer({ minimum: 0, maximum: MAX_READ_REGISTERS, default: 0, description: 'Largest run of unused registers to read across' }),
  },
  { additionalProperties: false },
);

export type ModbusConnection = Static<typeof ModbusConnectionSchema>;
