/**
 * Value generators for the simulators. Each is a pure function of time, so a
 * simulator computes a point's value when it is read, and every read sees the
 * value of that moment.
 */
import { type Static, Type } from '@sinclair/typebox';
import { KindUnion } from '../src/config/schema-kit.ts';

const GeneratorVariants = [
  Type.Object(
    {
      kind: Type.Literal('counter'),
      start: Type.Number({ default: 0 }),
      step: Type.Number({ default: 1 }),
      intervalMs: Type.Integer({ minimum: 1, default: 1000 }),
      max: Type.Optional(Type.Number()),
      perRead: Type.Boolean({ default: false, description: 'Step once per read instead of per interval: a lost value shows as a gap' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('ramp'),
      min: Type.Number({ default: 0 }),
      max: Type.Number({ default: 100 }),
      periodMs: Type.Integer({ minimum: 1, default: 60_000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('sine'),
      min: Type.Number({ default: 0 }),
      max: Type.Number({ default: 100 }),
      periodMs: Type.Integer({ minimum: 1, default: 60_000 }),
      phase: Type.Number({ default: 0, description: 'Fraction of a period, 0..1' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('randomWalk'),
      start: Type.Number({ default: 50 }),
      step: Type.Number({ default: 1 }),
      min: Type.Number({ default: 0 }),
      max: Type.Number({ default: 100 }),
      intervalMs: Type.Integer({ minimum: 1, default: 1000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('toggle'), periodMs: Type.Integer({ minimum: 1, default: 1000 }) }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('noise'),
      mean: Type.Number({ default: 0 }),
      stdDev: Type.Number({ minimum: 0, default: 1 }),
      intervalMs: Type.Integer({ minimum: 1, default: 1000, description: 'A new noise value this often' }),
      spikeEveryMs: Type.Optional(Type.Integer({ minimum: 1, description: 'A spike at the end of every such period' })),
      spikeSize: Type.Number({ default: 10, description: 'Added to the value during a spike' }),
      spikeMs: Type.Integer({ minimum: 1, default: 1000, description: 'How long a spike lasts' }),
      stepEveryMs: Type.Optional(Type.Integer({ minimum: 1, description: 'The level steps up by stepSize and back down, each such period' })),
      stepSize: Type.Number({ default: 5 }),
    },
    { additionalProperties: false, description: 'Gaussian noise around a mean, with optional spikes and steps (anomalies to detect)' },
  ),
] as const;

/** One of the generators, chosen by `kind`. */
export const GeneratorSchema = KindUnion([...GeneratorVariants], 'A value generator');
export type GeneratorConfig = Static<typeof GeneratorSchema>;

export type Generator = (now: number) => number | boolean;

export function createGenerator(cfg: GeneratorConfig, t0: number, seed = 1): Generator {
  switch (cfg.kind) {
    case 'counter':
      if (cfg.perRead) {
        let reads = 0;
        return () => {
          const v = cfg.start + cfg.step * reads++;
          return cfg.max === undefined ? v : cfg.start + ((v - cfg.start) % (cfg.max - cfg.start + 1));
        };
      }
      return (now) => {
        const v = cfg.start + cfg.step * Math.floor((now - t0) / cfg.intervalMs);
        return cfg.max === undefined ? v : cfg.start + ((v - cfg.start) % (cfg.max - cfg.start + 1));
      };
    case 'ramp':
      return (now) => cfg.min + ((cfg.max - cfg.min) * ((now - t0) % cfg.periodMs)) / cfg.periodMs;
    case 'sine':
      return (now) => {
        const angle = 2 * Math.PI * ((now - t0) / cfg.periodMs + cfg.phase);
        return cfg.min + ((cfg.max - cfg.min) * (1 + Math.sin(angle))) / 2;
      };
    case 'toggle':
      return (now) => Math.floor((now - t0) / cfg.periodMs) % 2 === 1;
    case 'noise': {
      // A pure function of time: each interval's noise comes from a hash of its index and the seed.
      const uniform = (n: number) => {
        let h = Math.imul(n ^ Math.imul(seed, 0x9e3779b1), 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        return ((h >>> 0) + 0.5) / 0x1_0000_0000;
      };
      return (now) => {
        const elapsed = now - t0;
        const slot = Math.floor(elapsed / cfg.intervalMs);
        const gaussian = Math.sqrt(-2 * Math.log(uniform(2 * slot))) * Math.cos(2 * Math.PI * uniform(2 * slot + 1));
        let v = cfg.mean + cfg.stdDev * gaussian;
        if (cfg.spikeEveryMs !== undefined && elapsed % cfg.spikeEveryMs >= cfg.spikeEveryMs - cfg.spikeMs) v += cfg.spikeSize;
        if (cfg.stepEveryMs !== undefined && Math.floor(elapsed / cfg.stepEveryMs) % 2 === 1) v += cfg.stepSize;
        return v;
      };
    }
    case 'randomWalk': {
      // Deterministic per seed: the walk is replayed step by step up to `now`.
      let state = seed >>> 0 || 1;
      let value = cfg.start;
      let steps = 0;
      const random = () => {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return (state >>> 0) / 0x1_0000_0000;
      };
      return (now) => {
        const target = Math.floor((now - t0) / cfg.intervalMs);
        for (; steps < target; steps++) {
          value = Math.min(cfg.max, Math.max(cfg.min, value + (random() * 2 - 1) * cfg.step));
        }
        return value;
      };
    }
  }
}
