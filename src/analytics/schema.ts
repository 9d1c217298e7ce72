/** The configuration of edge analytics: anomaly detection on a tag, OEE on a device. */
import { type Static, Type } from '@sinclair/typebox';
import { Enum } from '../config/schema-kit.ts';

export const AnomalySchema = Type.Object(
  {
    method: Enum(['rolling', 'ewma'], {
      default: 'rolling',
      description: 'Baseline: rolling = mean and standard deviation over the last windowS seconds; ewma = exponentially weighted (alpha)',
    }),
    windowS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'Rolling window length (method rolling; default 60)' })),
    alpha: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Weight of the newest value (method ewma; default 0.02, a memory of about 50 values)' }),
    ),
    zThreshold: Type.Number({
      exclusiveMinimum: 0,
      default: 4,
      description: 'The alarm is raised when the score reaches this (at 4, pure Gaussian noise crosses it once in about 16,000 values)',
    }),
    clearBelow: Type.Optional(
      Type.Number({ minimum: 0, description: 'The alarm clears only when the score falls below this (hysteresis; default half of zThreshold)' }),
    ),
    holdS: Type.Number({
      minimum: 0,
      maximum: 86_400,
      default: 10,
      description: 'A raised alarm stays at least this long after the score last reached zThreshold',
    }),
    minSamples: Type.Integer({ minimum: 2, maximum: 100_000, default: 30, description: 'Values the baseline needs before a z-score counts' }),
    rateLimit: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Largest normal rate of change, in the tag's unit per second; a faster change scores as an anomaly" }),
    ),
    minStdDev: Type.Number({
      minimum: 0,
      default: 0,
      description: 'Floor of the standard deviation (a nearly constant signal does not alarm on its last digit)',
    }),
    scoreDeadband: Type.Number({
      minimum: 0,
      default: 0.1,
      description: "Smallest change of the score that is reported (it goes out with the tag's own reports and with a change of the alarm)",
    }),
  },
  { additionalProperties: false, description: 'Anomaly detection: publishes <tag>/anomaly, <tag>/anomaly_score and <tag>/anomaly_since' },
);

const StateValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: 'A value of the state tag' });

const CounterSchema = Type.Object(
  {
    tag: Type.String({ minLength: 1, description: 'A counter tag of this device (it counts up; resets and wrap-around are recognised)' }),
    rollover: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "The count at which the counter wraps to 0 (its maximum + 1); default: from the tag's data type" }),
    ),
  },
  { additionalProperties: false },
);

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const TimeOfDay = (description: string) => Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description });

export const ShiftSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    start: TimeOfDay('Local start time, HH:MM'),
    end: TimeOfDay('Local end time, HH:MM (before start: the shift ends the next day)'),
    days: Type.Optional(Type.Array(Enum([...WEEKDAYS]), { minItems: 1, uniqueItems: true, description: 'Days the shift starts on (default: every day)' })),
  },
  { additionalProperties: false },
);

export const OeeSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, default: 'OEE', description: 'Prefix of the OEE metrics (OEE/availability, …)' }),
    state: Type.Object(
      {
        tag: Type.String({ minLength: 1, description: 'The machine state tag of this device (a code, a text or a running boolean)' }),
        running: Type.Array(StateValue, { minItems: 1, description: 'State values that mean the machine runs' }),
        plannedStops: Type.Array(StateValue, { default: [], description: 'State values of planned stops (not counted against availability)' }),
        unplannedStops: Type.Array(StateValue, { default: [], description: 'State values of unplanned stops (downtime)' }),
        causes: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 100 }), {
          default: {},
          description: 'Downtime cause names by state value (default: the value itself)',
        }),
        otherStates: Enum(['unplanned', 'planned'], { default: 'unplanned', description: 'How a state value not listed counts (cause "other")' }),
      },
      { additionalProperties: false },
    ),
    goodCount: CounterSchema,
    totalCount: Type.Optional(CounterSchema),
    badCount: Type.Optional(CounterSchema),
    idealCycleTimeS: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Ideal time per part (or give idealRatePerMin)' })),
    idealRatePerMin: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Ideal parts per minute (or give idealCycleTimeS)' })),
    periodS: Type.Integer({
      minimum: 60,
      maximum: 86_400,
      default: 3600,
      description: 'Length of the OEE period (aligned to local midnight); the OEE/… figures are those of the current period',
    }),
    publishS: Type.Integer({ minimum: 1, maximum: 3600, default: 10, description: 'How often the figures of the running period and shift are published' }),
    timeZone: Type.Optional(Type.String({ minLength: 1, description: "IANA time zone of the shift times and periods (default: the gateway's)" })),
    shifts: Type.Array(ShiftSchema, { default: [], description: 'Shift windows; the OEE/shift/… figures are those of the current shift' }),
  },
  { additionalProperties: false, description: 'Overall equipment effectiveness computed from tags of this device' },
);

export type AnomalyConfig = Static<typeof AnomalySchema>;
export type OeeConfig = Static<typeof OeeSchema>;
export type ShiftConfig = Static<typeof ShiftSchema>;
