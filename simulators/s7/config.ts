/** The S7 simulator's configuration: its memory (data blocks, merkers, inputs, outputs) and the values in it. */
import { type Static, Type } from '@sinclair/typebox';
import { DATA_TYPES } from '../../drivers/contract.ts';
import { Enum } from '../../src/config/schema-kit.ts';
import { GeneratorSchema } from '../generators.ts';

export const S7ValueSchema = Type.Object(
  {
    address: Type.String({ minLength: 1, description: 'Where the value lives, in tag address syntax: DB1,REAL0, DB1,S20.32, MW12, I0.0…' }),
    type: Type.Optional(Enum([...DATA_TYPES], { description: 'For addresses that name only a size (MW12) or an offset (DB1,12)' })),
    count: Type.Integer({ minimum: 1, maximum: 65536, default: 1, description: 'Repeat the value this many times, one after the other' }),
    value: Type.Optional(Type.Union([Type.Number(), Type.Boolean(), Type.String()], { description: 'A constant value' })),
    generator: Type.Optional(GeneratorSchema),
  },
  { additionalProperties: false },
);

export const S7SimulatorConfigSchema = Type.Object(
  {
    dataBlocks: Type.Array(
      Type.Object(
        {
          number: Type.Integer({ minimum: 1, maximum: 65535 }),
          size: Type.Integer({ minimum: 1, maximum: 65535, description: 'Bytes' }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    merkerBytes: Type.Integer({ minimum: 0, maximum: 65535, default: 256 }),
    inputBytes: Type.Integer({ minimum: 0, maximum: 65535, default: 64 }),
    outputBytes: Type.Integer({ minimum: 0, maximum: 65535, default: 64 }),
    pduSize: Type.Integer({
      minimum: 0,
      maximum: 960,
      default: 0,
      description: 'Largest PDU to grant (240 like an S7-300 or S7-1200, 960 like an S7-1500); 0 grants what the client asks',
    }),
    updateIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 100, description: 'How often generated values are brought up to date' }),
    values: Type.Array(S7ValueSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type S7ValueConfig = Static<typeof S7ValueSchema>;
export type S7SimulatorConfig = Static<typeof S7SimulatorConfigSchema>;

/** What `plexus simulate s7` runs without a configuration file: a small filling machine. */
export const DEMO_S7_CONFIG = {
  dataBlocks: [
    { number: 1, size: 128 },
    { number: 2, size: 64 },
  ],
  values: [
    { address: 'DB1,REAL0', generator: { kind: 'sine', min: 60, max: 80, periodMs: 60_000 } }, // tank temperature °C
    { address: 'DB1,REAL4', generator: { kind: 'randomWalk', start: 2.5, step: 0.05, min: 1.5, max: 3.5, intervalMs: 1000 } }, // pressure bar
    { address: 'DB1,DINT8', generator: { kind: 'counter', step: 1, intervalMs: 2000 } }, // bottles filled
    { address: 'DB1,INT12', value: 1200 }, // speed setpoint rpm (writable)
    { address: 'DB1,X14.0', generator: { kind: 'toggle', periodMs: 10_000 } }, // running
    { address: 'DB1,X14.1', value: false }, // fault
    { address: 'DB1,S16.32', value: 'Recipe A' }, // active recipe
    { address: 'DB1,LREAL50', generator: { kind: 'ramp', min: 0, max: 10_000, periodMs: 600_000 } }, // energy kWh
    { address: 'DB2,WORD0', value: 0x00ff }, // status word
    { address: 'DB2,UDINT2', value: 123_456 },
    { address: 'MW10', type: 'int16', generator: { kind: 'ramp', min: -100, max: 100, periodMs: 20_000 } },
    { address: 'M0.0', generator: { kind: 'toggle', periodMs: 1000 } }, // clock pulse
    { address: 'I0.0', value: true }, // door closed
    { address: 'IW4', type: 'int16', generator: { kind: 'sine', min: 0, max: 27_648, periodMs: 30_000 } }, // analogue input
    { address: 'Q0.1', generator: { kind: 'toggle', periodMs: 5000 } }, // pump
    { address: 'QW2', type: 'uint16', value: 5000 },
  ],
};
