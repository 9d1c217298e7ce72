import { type Static, Type } from '@sinclair/typebox';
import { Enum } from '../../src/config/schema-kit.ts';
import { BYTE_ORDERS } from '../contract.ts';
import { MAX_READ_BITS, MAX_READ_REGISTERS } from './pdu.ts';

/** The `connection` block of a Modbus device. */
export const ModbusConnectionSchema = Type.Object(
  {
    transport: Enum(['tcp', 'rtu-over-tcp', 'rtu'], {
      default: 'tcp',
      description: 'Modbus TCP, RTU framed over TCP (serial converters), or RTU on a serial port',
    }),
    host: Type.Optional(Type.String({ minLength: 1, description: 'Host name or IP address (tcp, rtu-over-tcp)' })),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 502, description: 'TCP port (tcp, rtu-over-tcp)' }),
    serialPort: Type.Optional(Type.String({ minLength: 1, description: 'Serial device, e.g. /dev/ttyUSB0 (rtu)' })),
    baudRate: Type.Integer({ minimum: 300, maximum: 921_600, default: 9600 }),
    parity: Enum(['none', 'even', 'odd'], { default: 'none' }),
    dataBits: Enum([7, 8], { default: 8 }),
    stopBits: Enum([1, 2], { default: 1 }),
    interFrameDelayMs: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1000, description: 'Silence before each RTU request; default 3.5 character times (at least 1.75 ms)' }),
    ),
    unitId: Type.Integer({ minimum: 0, maximum: 255, default: 1, description: 'Unit (slave) id' }),
    timeoutMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000, description: 'Timeout of one request' }),
    retries: Type.Integer({ minimum: 0, maximum: 5, default: 0, description: 'Retries of a request that timed out' }),
    delayBetweenRequestsMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 0, description: 'Quiet time before each request to this device' }),
    byteOrder: Enum([...BYTE_ORDERS], { default: 'ABCD' }),
    addressBase: Enum([0, 1], { default: 0, description: 'Whether HR/IR/CO/DI addresses count from 0 (protocol) or 1' }),
    maxRegistersPerRequest: Type.Integer({ minimum: 1, maximum: MAX_READ_REGISTERS, default: MAX_READ_REGISTERS }),
    maxBitsPerRequest: Type.Integer({ minimum: 1, maximum: MAX_READ_BITS, default: MAX_READ_BITS }),
    maxGap: Type.Integer({ minimum: 0, maximum: MAX_READ_REGISTERS, default: 0, description: 'Largest run of unused registers to read across' }),
    writeMultiple: Type.Boolean({
      default: false,
      description: 'Write single coils and registers with functions 15 and 16 too, for devices that lack 5 and 6',
    }),
  },
  { additionalProperties: false },
);

export type ModbusConnection = Static<typeof ModbusConnectionSchema>;

/** Devices with the same key share one connection (a TCP gateway, or one serial line). */
export function linkKey(c: ModbusConnection): string {
  return c.transport === 'rtu' ? `rtu:${c.serialPort}` : `${c.transport}://${c.host}:${c.port}`;
}

/** RTU needs 3.5 character times of silence between frames (at least 1.75 ms above 19200 baud). */
export function interFrameDelayMs(c: ModbusConnection): number {
  if (c.transport === 'tcp') return 0;
  if (c.interFrameDelayMs !== undefined) return c.interFrameDelayMs;
  const bitsPerChar = 1 + c.dataBits + (c.parity === 'none' ? 0 : 1) + c.stopBits;
  return Math.max(1.75, (3.5 * bitsPerChar * 1000) / c.baudRate);
}

const LINE_SETTINGS = ['baudRate', 'parity', 'dataBits', 'stopBits'] as const;

/** Settings that must hold per device and across devices sharing a connection. */
export function checkModbusDevices(devices: { name: string; connection: ModbusConnection }[]) {
  const problems: { device: number; path: string; message: string }[] = [];
  const firstOnLink = new Map<string, number>();
  devices.forEach(({ connection: c }, i) => {
    if (c.transport === 'rtu' && !c.serialPort) problems.push({ device: i, path: 'connection.serialPort', message: 'is required for transport rtu' });
    if (c.transport !== 'rtu' && !c.host) problems.push({ device: i, path: 'connection.host', message: `is required for transport ${c.transport}` });
    const key = linkKey(c);
    const first = firstOnLink.get(key);
    if (first === undefined) {
      firstOnLink.set(key, i);
      return;
    }
    const other = devices[first] as (typeof devices)[number];
    for (const setting of LINE_SETTINGS) {
      if (c.transport === 'rtu' && c[setting] !== other.connection[setting]) {
        problems.push({ device: i, path: `connection.${setting}`, message: `differs from device "${other.name}" on the same line ${c.serialPort}` });
      }
    }
  });
  return problems;
}
