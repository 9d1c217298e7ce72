/**
 * A tag's pipeline, built once when the configuration is applied:
 * transform steps → valid range → aggregate windows and anomaly detection →
 * filters (report by exception, deadband, minimum interval) → the update that
 * is reported. Failed reads become bad values (or the last good one, marked stale).
 */
import type { DataType, Quality, Sample, TagValue } from '../../drivers/contract.ts';
import { AnomalyConfigError, AnomalyDetector, resolveAnomaly } from '../analytics/anomaly.ts';
import type { TagConfig } from '../config/schema.ts';
import type { TagUpdate } from '../events.ts';
import { compileExpression, type ExprContext, type ExprValue, InputError } from './expression.ts';
import type { AggregateFunction } from './schema.ts';
import { buildStep, type Step } from './steps.ts';
import { coerce, isNumericType, toNumber, ValueError } from './values.ts';
import { TumblingWindow } from './window.ts';

export interface PipelineDeps {
  /** The current good value of another tag of the device; throws InputError when it has none. */
  lookup: ExprContext['lookup'];
}

/** Where in the tag's configuration a problem is (`steps[2]`, `deadband`, …) and what it is. */
export class PipelineConfigError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}

export class NotInvertibleError extends Error {}

export interface AggregateMetric {
  name: string;
  type: DataType;
}

export interface TagPipeline {
  readonly outputType: DataType;
  /** The extra metrics the tag publishes (aggregates, anomaly alarm and score), declared in the DBIRTH. */
  readonly aggregateMetrics: readonly AggregateMetric[];
  /** Tags this tag's formulas read. */
  readonly references: readonly string[];
  /** Pushes what should be reported (the tag's update and closed windows) onto `out`. */
  process(sample: Sample, out: TagUpdate[]): void;
  /** Closes aggregate windows that ended at least `graceMs` before `now`. */
  flush(now: number, out: TagUpdate[], graceMs?: number): void;
  /** The raw value to write for `value` (inverse of the transform); throws NotInvertibleError or ValueError. */
  toRaw(value: TagValue): TagValue;
}

const aggregateName = (tag: string, fn: AggregateFunction, windowS: number) => `${tag}/${fn}_${windowS}s`;

/** The metrics of a tag's anomaly detection. */
export const anomalyMetricNames = (tag: string) => ({ alarm: `${tag}/anomaly`, score: `${tag}/anomaly_score`, since: `${tag}/anomaly_since` });

export function buildPipeline(tag: TagConfig, deps: PipelineDeps): TagPipeline {
  const steps: Step[] = [];
  const references = new Set<string>();
  let type: DataType = tag.type;
  tag.steps.forEach((cfg, i) => {
    try {
      const step = buildStep(cfg, type);
      if (cfg.kind === 'expression') for (const r of compileExpression(cfg.formula).references) references.add(r);
      steps.push(step);
      type = step.outputType;
    } catch (err) {
      throw new PipelineConfigError(`steps[${i}]`, (err as Error).message);
    }
  });
  const outputType = type;
  if (tag.compute !== undefined) {
    let compiled: ReturnType<typeof compileExpression>;
    try {
      compiled = compileExpression(tag.compute);
    } catch (err) {
      throw new PipelineConfigError('compute', (err as Error).message);
    }
    if (compiled.usesValue) throw new PipelineConfigError('compute', 'a computed tag has no value of its own: name the tags it is computed from');
    for (const r of compiled.references) references.add(r);
  }
  if (references.has(tag.name)) throw new PipelineConfigError(tag.compute ? 'compute' : 'steps', `the formula refers to the tag itself ("${tag.name}")`);

  const numericOut = isNumericType(outputType);
  if (tag.aggregates.length > 0 && !numericOut) throw new PipelineConfigError('aggregates', `aggregates need a numeric value, not ${outputType}`);
  if (tag.deadband && !numericOut) throw new PipelineConfigError('deadband', `a deadband needs a numeric value, not ${outputType}`);
  if (tag.anomaly && !numericOut) throw new PipelineConfigError('anomaly', `anomaly detection needs a numeric value, not ${outputType}`);
  let detector: AnomalyDetector | undefined;
  let scoreDeadband = 0;
  if (tag.anomaly) {
    try {
      detector = new AnomalyDetector(resolveAnomaly(tag.anomaly));
    } catch (err) {
      if (!(err instanceof AnomalyConfigError)) throw err;
      throw new PipelineConfigError(`anomaly.${err.where}`, err.message);
    }
    scoreDeadband = tag.anomaly.scoreDeadband;
  }

  let deadbandOf: ((last: number) => number) | undefined;
  if (tag.deadband) {
    const { mode, value } = tag.deadband;
    if (mode === 'absolute') deadbandOf = () => value;
    else if (mode === 'percentOfLast') deadbandOf = (last) => (Math.abs(last) * value) / 100;
    else {
      const map = tag.steps.find((s) => s.kind === 'map');
      const range = tag.deadband.range ?? (map?.kind === 'map' ? { min: map.engMin, max: map.engMax } : undefined);
      if (!range) throw new PipelineConfigError('deadband', 'percentOfRange needs deadband.range or a map step to take the range from');
      const band = (Math.abs(range.max - range.min) * value) / 100;
      deadbandOf = () => band;
    }
  }

  const windows = tag.aggregates.map((a) => ({ window: new TumblingWindow(a.windowS * 1000, a.functions), config: a }));
  const aggregateMetrics: AggregateMetric[] = tag.aggregates.flatMap((a) =>
    a.functions.map((fn) => ({ name: aggregateName(tag.name, fn, a.windowS), type: (fn === 'count' ? 'uint32' : 'float64') as DataType })),
  );
  const anomalyNames = anomalyMetricNames(tag.name);
  if (detector) {
    aggregateMetrics.push(
      { name: anomalyNames.alarm, type: 'bool' },
      { name: anomalyNames.score, type: 'float64' },
      { name: anomalyNames.since, type: 'datetime' },
    );
  }

  const floatOut = outputType === 'float64' || outputType === 'float32';
  const hasValidRange = numericOut && tag.validRange !== undefined;
  const validMin = tag.validRange?.min ?? Number.NEGATIVE_INFINITY;
  const validMax = tag.validRange?.max ?? Number.POSITIVE_INFINITY;
  const stale = tag.onBadRead === 'stale';
  const rbe = tag.reportByException;
  const minInterval = tag.minIntervalMs ?? 0;
  const lookup = deps.lookup;
  const name = tag.name;
  let lastGood: TagValue | undefined;
  let reported = false;
  let lastValue: TagValue | null = null;
  let lastQuality: Quality = 'bad';
  let lastReason: string | undefined;
  let lastTs = 0;
  /** What the anomaly metrics last reported: good, or not good (alarm stale, score bad) since the input went bad. */
  let anomalyGood: boolean | undefined;
  let lastScore = Number.NaN;

  /**
   * The anomaly metrics after a value: the alarm and its time when it changes;
   * the score along with the tag's own reports (so that it costs no messages of
   * its own) and with a change of the alarm, when it moved by scoreDeadband.
   */
  function reportAnomaly(
    d: AnomalyDetector,
    quality: Quality,
    reason: string | undefined,
    value: TagValue | null,
    ts: number,
    valueReported: boolean,
    out: TagUpdate[],
  ) {
    if (quality === 'good') {
      d.add(ts, toNumber(value as TagValue));
      const fresh = anomalyGood !== true;
      anomalyGood = true;
      if (d.changed || fresh) {
        out.push({ tag: anomalyNames.alarm, value: d.alarm, quality: 'good', sourceTs: ts });
        out.push({ tag: anomalyNames.since, value: d.since, quality: 'good', sourceTs: ts });
      }
      const score = Math.round(d.score * 100) / 100;
      if (fresh || d.changed || (valueReported && Math.abs(score - lastScore) >= scoreDeadband)) {
        lastScore = score;
        out.push({ tag: anomalyNames.score, value: score, quality: 'good', sourceTs: ts });
      }
      return;
    }
    if (anomalyGood === false) return;
    anomalyGood = false;
    lastScore = Number.NaN;
    const why = `the input is ${quality}${reason ? ` (${reason})` : ''}`;
    const known = !Number.isNaN(d.since);
    out.push({ tag: anomalyNames.alarm, value: known ? d.alarm : null, quality: known ? 'stale' : 'bad', reason: why, sourceTs: ts });
    out.push({ tag: anomalyNames.score, value: null, quality: 'bad', reason: why, sourceTs: ts });
  }

  /** The tag's own update, through the report filters; true when it is reported. */
  function reportValue(value: TagValue | null, quality: Quality, reason: string | undefined, ts: number, out: TagUpdate[]): boolean {
    if (reported && lastQuality === quality && lastReason === reason) {
      const sameValue = lastValue === value || (typeof value === 'number' && Number.isNaN(value) && Number.isNaN(lastValue as number));
      if (rbe && sameValue) return false;
      if (quality === 'good' && deadbandOf && lastValue !== null && value !== null) {
        const previous = toNumber(lastValue);
        if (Math.abs(toNumber(value) - previous) <= deadbandOf(previous)) return false;
      }
      if (minInterval > 0 && ts - lastTs < minInterval) return false;
    }
    // The last report is kept as primitives, so the update objects themselves stay short-lived.
    reported = true;
    lastValue = value;
    lastQuality = quality;
    lastReason = reason;
    lastTs = ts;
    out.push({ tag: name, value, quality, reason, sourceTs: ts });
    return true;
  }

  function emitWindows(results: ReturnType<TumblingWindow['add']>, config: (typeof tag.aggregates)[number], out: TagUpdate[]) {
    for (const r of results) {
      for (const fn of config.functions) {
        const name = aggregateName(tag.name, fn, config.windowS);
        const v = r.values[fn];
        out.push(
          v === undefined
            ? { tag: name, value: null, quality: 'bad', reason: 'no good value in the window', sourceTs: r.end }
            : { tag: name, value: v, quality: 'good', sourceTs: r.end },
        );
      }
    }
  }

  return {
    outputType,
    aggregateMetrics,
    references: [...references],

    process(sample, out) {
      let value: TagValue | null = null;
      let quality = sample.quality;
      let reason = sample.reason;
      if (quality === 'good' && sample.value !== null) {
        try {
          let v: TagValue = sample.value;
          for (const step of steps) v = step.apply(v, lookup);
          value = typeof v === 'number' && floatOut ? v : coerce(v, outputType);
          if (hasValidRange) {
            const n = toNumber(value);
            if (n < validMin || n > validMax) {
              quality = 'bad';
              reason = `${n} is outside the valid range [${validMin}, ${validMax}]`;
            }
          }
        } catch (err) {
          if (!(err instanceof InputError || err instanceof ValueError || err instanceof RangeError)) throw err;
          value = null;
          quality = 'bad';
          reason = err.message;
        }
      } else if (quality === 'good') {
        quality = 'bad';
        reason = 'no value';
      }
      if (quality === 'good') lastGood = value as TagValue;
      else if (quality === 'bad' && value === null && stale && lastGood !== undefined) {
        value = lastGood;
        quality = 'stale';
      }

      for (const { window, config } of windows) {
        emitWindows(window.add(sample.sourceTs, quality === 'good' ? toNumber(value as TagValue) : undefined), config, out);
      }

      const valueReported = reportValue(value, quality, reason, sample.sourceTs, out);
      if (detector) reportAnomaly(detector, quality, reason, value, sample.sourceTs, valueReported, out);
    },

    flush(now, out, graceMs = 2000) {
      for (const { window, config } of windows) emitWindows(window.closeUntil(now - graceMs), config, out);
    },

    toRaw(value) {
      if (tag.compute !== undefined) throw new NotInvertibleError(`${tag.name} is a computed tag: there is nothing on the device to write`);
      let v: TagValue = coerce(value, outputType);
      for (let i = steps.length - 1; i >= 0; i--) {
        const step = steps[i] as Step;
        if (!step.inverse) throw new NotInvertibleError(`the step "${step.describe}" cannot be inverted, so ${tag.name} cannot be written`);
        v = step.inverse(v);
      }
      return coerce(v, tag.type);
    },
  };
}

/** Evaluates a computed tag's formula into a sample (bad, with the reason, when an input is bad). */
export function computeSample(tag: string, formula: ReturnType<typeof compileExpression>, lookup: ExprContext['lookup'], ts: number): Sample {
  try {
    const value: ExprValue = formula.evaluate({ value: Number.NaN, lookup });
    if (typeof value === 'number' && !Number.isFinite(value)) return { tag, value: null, quality: 'bad', reason: `formula gave ${value}`, sourceTs: ts };
    return { tag, value, quality: 'good', sourceTs: ts };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { tag, value: null, quality: 'bad', reason: err.message, sourceTs: ts };
  }
}
