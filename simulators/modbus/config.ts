/** The Modbus simulator's configuration: transport, units with their points, faults and a scenario. */
import { type Static, Type } from '@sinclair/typebox';
import { BYTE_ORDERS, DATA_TYPES } from '../../drivers/contract.ts';
import { Enum, KindUnion } from '../../src/config/schema-kit.ts';
import { GeneratorSchema } from '../generators.ts';

const Area = Enum(['coil', 'discrete', 'input', 'holding']);
const NumericType = Enum([...DATA_TYPES.filter((t) => t !== 'string')], { default: 'uint16' });

export const PointSchema = Type.Object(
  {
    area: Area,
    address: Type.Integer({ minimum: 0, maximum: 65535, description: 'Zero-based address of the (first) point' }),
    type: NumericType,
    byteOrder: Enum([...BYTE_ORDERS], { default: 'ABCD' }),
    count: Type.Integer({ minimum: 1, maximum: 65536, default: 1, description: 'Repeat the point this many times at consecutive addresses' }),
    value: Type.Optional(Type.Union([Type.Number(), Type.Boolean()], { description: 'A constant value' })),
    generator: Type.Optional(GeneratorSchema),
  },
  { additionalProperties: false },
);

export const UnitSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 0, maximum: 255 }),
    maskWrite: Type.Boolean({ default: true, description: 'false: refuse function 22 (mask write) with exception 1, as many devices do' }),
    points: Type.Array(PointSchema, { default: [] }),
  },
  { additionalProperties: false },
);

const where = {
  unit: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'Only this unit (default: all)' })),
  area: Type.Optional(Area),
  start: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  end: Type.Integer({ minimum: 0, maximum: 65535, default: 65535, description: 'Last address the fault covers' }),
  probability: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
};
const fault = <K extends string, P extends Record<string, import('@sinclair/typebox').TSchema>>(kind: K, props: P, description: string) =>
  Type.Object({ kind: Type.Literal(kind), ...where, ...props }, { additionalProperties: false, description });

/** A misbehaviour on requests that touch a unit's address range. */
export const FaultSchema = KindUnion(
  [
    fault('exception', { code: Type.Integer({ minimum: 1, maximum: 255, default: 4 }) }, 'answer with a Modbus exception'),
    fault(
      'delay',
      { delayMs: Type.Integer({ minimum: 0, maximum: 60_000 }), jitterMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }) },
      'answer late',
    ),
    fault('drop', {}, 'never answer'),
    fault('close', {}, 'close the connection'),
    fault('wrongTransactionId', {}, 'answer with another transaction id (another unit id over RTU)'),
    fault('truncate', {}, 'send only the first half of the answer'),
    fault('garbage', {}, 'answer with bytes that are not Modbus'),
  ],
  'A fault to inject',
);

export const ScenarioSchema = Type.Object(
  {
    loop: Type.Boolean({ default: false }),
    steps: Type.Array(
      Type.Object(
        {
          atMs: Type.Integer({ minimum: 0, description: 'Time since the simulator started (or since the loop restarted)' }),
          unit: Type.Integer({ minimum: 0, maximum: 255 }),
          area: Area,
          address: Type.Integer({ minimum: 0, maximum: 65535 }),
          type: NumericType,
          byteOrder: Enum([...BYTE_ORDERS], { default: 'ABCD' }),
          value: Type.Union([Type.Number(), Type.Boolean()]),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
  },
  { additionalProperties: false, description: 'Values set at given times' },
);

export const ModbusSimulatorConfigSchema = Type.Object(
  {
    transport: Enum(['tcp', 'rtu-over-tcp', 'rtu'], { default: 'tcp', description: 'Modbus TCP, RTU framed over TCP, or RTU on a serial port' }),
    serialPort: Type.Optional(Type.String({ minLength: 1 })),
    baudRate: Type.Integer({ minimum: 300, maximum: 921_600, default: 9600 }),
    parity: Enum(['none', 'even', 'odd'], { default: 'none' }),
    dataBits: Enum([7, 8], { default: 8 }),
    stopBits: Enum([1, 2], { default: 1 }),
    units: Type.Array(UnitSchema, { minItems: 1, default: [{ id: 1, points: [] }] }),
    faults: Type.Array(FaultSchema, { default: [] }),
    scenario: Type.Optional(ScenarioSchema),
  },
  { additionalProperties: false },
);

export type PointConfig = Static<typeof PointSchema>;
export type FaultConfig = Static<typeof FaultSchema>;
export type ModbusSimulatorConfig = Static<typeof ModbusSimulatorConfigSchema>;
