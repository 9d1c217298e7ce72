/**
 * Transform steps: each a small pure unit that knows its output type and, where
 * it has one, its inverse (for writes).
 */
import type { DataType, TagValue } from '../../drivers/contract.ts';
import { compileExpression, type ExprContext } from './expression.ts';
import type { StepConfig } from './schema.ts';
import { coerce, isIntegerType, isNumericType, toNumber, ValueError } from './values.ts';

export interface Step {
  readonly describe: string;
  readonly outputType: DataType;
  apply(value: TagValue, lookup: ExprContext['lookup']): TagValue;
  /** Undefined when the step cannot be inverted. */
  readonly inverse?: (value: TagValue) => TagValue;
}

export class StepConfigError extends Error {}

function needNumeric(kind: string, input: DataType) {
  if (!isNumericType(input) && input !== 'bool') throw new StepConfigError(`${kind} needs a numeric value, not ${input}`);
}

/** Builds one step for a value of type `input`; throws StepConfigError with the reason. */
export function buildStep(cfg: StepConfig, input: DataType): Step {
  switch (cfg.kind) {
    case 'scale': {
      needNumeric('scale', input);
      const { factor, offset } = cfg;
      return {
        describe: `scale ×${factor} +${offset}`,
        outputType: 'float64',
        apply: (v) => toNumber(v) * factor + offset,
        inverse: factor === 0 ? undefined : (v) => (toNumber(v) - offset) / factor,
      };
    }
    case 'map': {
      needNumeric('map', input);
      const { rawMin, rawMax, engMin, engMax } = cfg;
      if (rawMin === rawMax) throw new StepConfigError('map needs rawMin and rawMax to differ');
      const k = (engMax - engMin) / (rawMax - rawMin);
      return {
        describe: `map [${rawMin}, ${rawMax}] → [${engMin}, ${engMax}]`,
        outputType: 'float64',
        apply: (v) => engMin + (toNumber(v) - rawMin) * k,
        inverse: k === 0 ? undefined : (v) => rawMin + (toNumber(v) - engMin) / k,
      };
    }
    case 'clamp': {
      needNumeric('clamp', input);
      const min = cfg.min ?? Number.NEGATIVE_INFINITY;
      const max = cfg.max ?? Number.POSITIVE_INFINITY;
      if (min > max) throw new StepConfigError(`clamp min ${min} is above max ${max}`);
      return {
        describe: `clamp [${min}, ${max}]`,
        outputType: input,
        apply: (v) => {
          const n = toNumber(v);
          return n < min ? min : n > max ? max : v;
        },
        // Writing inside the limits passes through; outside them is refused.
        inverse: (v) => {
          const n = toNumber(v);
          if (n < min || n > max) throw new ValueError(`${n} is outside the clamp limits [${min}, ${max}]`);
          return v;
        },
      };
    }
    case 'round': {
      needNumeric('round', input);
      const f = 10 ** cfg.decimals;
      return {
        describe: `round to ${cfg.decimals} decimals`,
        outputType: input,
        apply: (v) => (typeof v === 'number' ? Math.round(v * f) / f : v),
        inverse: (v) => v,
      };
    }
    case 'invert':
      if (input !== 'bool') throw new StepConfigError(`invert needs a bool, not ${input}`);
      return { describe: 'invert', outputType: 'bool', apply: (v) => !v, inverse: (v) => !coerce(v, 'bool') };
    case 'bit': {
      if (!isIntegerType(input)) throw new StepConfigError(`bit needs an integer, not ${input}`);
      const bit = BigInt(cfg.bit);
      return { describe: `bit ${cfg.bit}`, outputType: 'bool', apply: (v) => ((BigInt(v as number | bigint) >> bit) & 1n) === 1n };
    }
    case 'convert': {
      const to = cfg.to;
      if (input === 'string' && to !== 'string') throw new StepConfigError(`cannot convert ${input} to ${to}`);
      return { describe: `convert to ${to}`, outputType: to, apply: (v) => coerce(v, to), inverse: input === 'string' ? undefined : (v) => coerce(v, input) };
    }
    case 'expression': {
      needNumeric('expression', input);
      const expr = compileExpression(cfg.formula);
      return {
        describe: `expression ${cfg.formula}`,
        outputType: 'float64',
        apply: (v, lookup) => {
          const r = expr.evaluate({ value: typeof v === 'bigint' ? Number(v) : (v as number | boolean), lookup });
          if (typeof r === 'number' && !Number.isFinite(r)) throw new ValueError(`formula gave ${r}`);
          return r;
        },
      };
    }
  }
}
