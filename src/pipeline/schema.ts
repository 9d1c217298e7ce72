/** The configuration of a tag's pipeline: transform steps, filters, quality handling, aggregates. */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { DATA_TYPES } from '../../drivers/contract.ts';
import { AnomalySchema } from '../analytics/schema.ts';
import { Enum, KindUnion } from '../config/schema-kit.ts';

const step = <K extends string, P extends Record<string, TSchema>>(kind: K, props: P, description: string) =>
  Type.Object({ kind: Type.Literal(kind), ...props }, { additionalProperties: false, description });

export const StepSchema = KindUnion(
  [
    step('scale', { factor: Type.Number({ default: 1 }), offset: Type.Number({ default: 0 }) }, 'value × factor + offset'),
    step(
      'map',
      { rawMin: Type.Number(), rawMax: Type.Number(), engMin: Type.Number(), engMax: Type.Number() },
      'linear map of a raw range onto an engineering range',
    ),
    step('clamp', { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) }, 'limit to [min, max]'),
    step('round', { decimals: Type.Integer({ minimum: 0, maximum: 15, default: 0 }) }, 'round to N decimals'),
    step('invert', {}, 'boolean not'),
    step('bit', { bit: Type.Integer({ minimum: 0, maximum: 63 }) }, 'extract one bit of an integer (0 = least significant)'),
    step('convert', { to: Enum([...DATA_TYPES]) }, 'convert to another data type'),
    step('expression', { formula: Type.String({ minLength: 1, maxLength: 2000 }) }, 'a formula over value and other tags of the device'),
  ],
  'A transform step',
);

export const DeadbandSchema = Type.Object(
  {
    mode: Enum(['absolute', 'percentOfLast', 'percentOfRange'], { default: 'absolute' }),
    value: Type.Number({ exclusiveMinimum: 0 }),
    range: Type.Optional(Type.Object({ min: Type.Number(), max: Type.Number() }, { additionalProperties: false })),
  },
  { additionalProperties: false, description: 'Changes not larger than this are not reported' },
);

export const AGGREGATE_FUNCTIONS = ['min', 'max', 'avg', 'twa', 'sum', 'count', 'first', 'last', 'stddev'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export const AggregateSchema = Type.Object(
  {
    windowS: Type.Integer({ minimum: 1, maximum: 86_400, description: 'Tumbling window length, aligned to the wall clock' }),
    functions: Type.Array(Enum([...AGGREGATE_FUNCTIONS]), { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);

/** Pipeline settings of a tag (merged into the tag's schema). */
export const PipelineProperties = {
  steps: Type.Array(StepSchema, { default: [] }),
  compute: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'A computed tag: formula over other tags (no address)' })),
  deadband: Type.Optional(DeadbandSchema),
  reportByException: Type.Boolean({ default: true, description: 'Report only changes' }),
  minIntervalMs: Type.Optional(Type.Integer({ minimum: 1, description: 'Shortest time between two reports' })),
  validRange: Type.Optional(
    Type.Object(
      { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) },
      { additionalProperties: false, description: 'Values outside are reported bad' },
    ),
  ),
  onBadRead: Enum(['bad', 'stale'], { default: 'bad', description: 'On a failed read: report bad, or keep the last good value marked stale' }),
  aggregates: Type.Array(AggregateSchema, { default: [] }),
  anomaly: Type.Optional(AnomalySchema),
};

export type StepConfig = Static<typeof StepSchema>;
export type DeadbandConfig = Static<typeof DeadbandSchema>;
export type AggregateConfig = Static<typeof AggregateSchema>;
