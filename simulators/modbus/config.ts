/** The Modbus simulator's register map: units, points and their generators. */
import { type Static, Type } from '@sinclair/typebox';
import { BYTE_ORDERS, DATA_TYPES } from '../../drivers/contract.ts';
import { StringEnum } from '../../src/config/schema.ts';
import { GeneratorSchema } from '../generators.ts';

export const PointSchema = Type.Object(
  {
    area: StringEnum(['coil', 'discrete', 'input', 'holding']),
    address: Type.Integer({ minimum: 0, maximum: 65535, description: 'Zero-based address of the (first) point' }),
    type: StringEnum([...DATA_TYPES.filter((t) => t !== 'string')], { default: 'uint16' }),
    byteOrder: StringEnum([...BYTE_ORDERS], { default: 'ABCD' }),
    count: Type.Integer({ minimum: 1, maximum: 65536, default: 1, description: 'Repeat the point this many times at consecutive addresses' }),
    value: Type.Optional(Type.Union([Type.Number(), Type.Boolean()], { description: 'A constant value' })),
    generator: Type.Optional(GeneratorSchema),
  },
  { additionalProperties: false },
);

export const UnitSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 0, maximum: 255 }),
    points: Type.Array(PointSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export const ModbusSimulatorConfigSchema = Type.Object(
  {
    units: Type.Array(UnitSchema, { minItems: 1, default: [{ id: 1, points: [] }] }),
  },
  { additionalProperties: false },
);

export type PointConfig = Static<typeof PointSchema>;
export type ModbusSimulatorConfig = Static<typeof ModbusSimulatorConfigSchema>;
