/**
 * Anomaly detection on one numeric signal: each good value is scored against a
 * baseline of the values before it (a rolling window or an exponentially
 * weighted mean and variance) as a z-score, and against a rate-of-change limit;
 * the score raises an alarm with hysteresis and a minimum hold, so that it does
 * not flap. Pure: time is the values' timestamps, nothing else.
 */
import type { AnomalyConfig } from './schema.ts';

/** The detector's settings with every default applied. */
export interface AnomalySettings {
  method: 'rolling' | 'ewma';
  windowMs: number;
  alpha: number;
  zThreshold: number;
  clearBelow: number;
  holdMs: number;
  minSamples: number;
  /** Units per second; Infinity when there is no limit. */
  rateLimit: number;
  minStdDev: number;
}

/** Where in the anomaly settings a problem is, and what. */
export class AnomalyConfigError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}

/** The rolling window keeps at most this many values per tag; beyond, the oldest go first. */
export const MAX_WINDOW_SAMPLES = 65_536;
/** The score saturates here (a constant signal that moves has an infinite z-score). */
export const MAX_SCORE = 1e6;

export function resolveAnomaly(cfg: AnomalyConfig): AnomalySettings {
  if (cfg.method === 'rolling' && cfg.alpha !== undefined) throw new AnomalyConfigError('alpha', 'alpha is for method ewma; the rolling method takes windowS');
  if (cfg.method === 'ewma' && cfg.windowS !== undefined) throw new AnomalyConfigError('windowS', 'windowS is for method rolling; the ewma method takes alpha');
  const clearBelow = cfg.clearBelow ?? cfg.zThreshold / 2;
  if (clearBelow >= cfg.zThreshold) throw new AnomalyConfigError('clearBelow', `must be below zThreshold (${cfg.zThreshold}), or the alarm would flap`);
  return {
    method: cfg.method,
    windowMs: (cfg.windowS ?? 60) * 1000,
    alpha: cfg.alpha ?? 0.02,
    zThreshold: cfg.zThreshold,
    clearBelow,
    holdMs: cfg.holdS * 1000,
    minSamples: cfg.minSamples,
    rateLimit: cfg.rateLimit ?? Number.POSITIVE_INFINITY,
    minStdDev: cfg.minStdDev,
  };
}

/** Mean and standard deviation of the values seen before the one being scored. */
interface Baseline {
  readonly count: number;
  readonly mean: number;
  readonly stdDev: number;
  /** Drops what has left the baseline by time `ts` (before scoring a value of that time): the window is [ts − windowMs, ts). */
  expire(ts: number): void;
  add(ts: number, value: number): void;
}

/**
 * Values of the last windowMs in a ring buffer (time and value side by side,
 * a power-of-two capacity), with running sums taken about a shift (the first
 * value) so that large offsets lose no precision; the sums are recomputed from
 * the buffer now and then so that rounding cannot drift.
 */
class RollingBaseline implements Baseline {
  /** Pairs [ts, value]. */
  private buf = new Float64Array(2 * 64);
  private mask = 63;
  private head = 0;
  count = 0;
  private shift = Number.NaN;
  private s1 = 0;
  private s2 = 0;
  private removed = 0;

  constructor(private readonly windowMs: number) {}

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.shift + this.s1 / this.count;
  }

  get stdDev(): number {
    const n = this.count;
    if (n < 2) return 0;
    const v = (this.s2 - (this.s1 * this.s1) / n) / (n - 1);
    return v > 0 ? Math.sqrt(v) : 0;
  }

  expire(now: number): void {
    const oldest = now - this.windowMs;
    while (this.count > 0 && (this.buf[2 * this.head] as number) < oldest) this.drop();
  }

  add(ts: number, value: number): void {
    if (this.count > this.mask) {
      if (this.count >= MAX_WINDOW_SAMPLES) this.drop();
      else this.grow();
    }
    if (this.count === 0) {
      this.shift = value;
      this.s1 = 0;
      this.s2 = 0;
    }
    const i = 2 * ((this.head + this.count) & this.mask);
    this.buf[i] = ts;
    this.buf[i + 1] = value;
    this.count++;
    const d = value - this.shift;
    this.s1 += d;
    this.s2 += d * d;
  }

  private drop() {
    const d = (this.buf[2 * this.head + 1] as number) - this.shift;
    this.s1 -= d;
    this.s2 -= d * d;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    if (++this.removed > this.mask) this.recompute();
  }

  /** Sums afresh about the oldest value kept. */
  private recompute() {
    this.removed = 0;
    this.shift = this.count > 0 ? (this.buf[2 * this.head + 1] as number) : Number.NaN;
    this.s1 = 0;
    this.s2 = 0;
    for (let k = 0; k < this.count; k++) {
      const d = (this.buf[2 * ((this.head + k) & this.mask) + 1] as number) - this.shift;
      this.s1 += d;
      this.s2 += d * d;
    }
  }

  private grow() {
    const cap = this.mask + 1;
    const next = new Float64Array(4 * cap);
    for (let k = 0; k < this.count; k++) {
      const from = 2 * ((this.head + k) & this.mask);
      next[2 * k] = this.buf[from] as number;
      next[2 * k + 1] = this.buf[from + 1] as number;
    }
    this.buf = next;
    this.mask = 2 * cap - 1;
    this.head = 0;
  }
}

/**
 * Exponentially weighted mean and variance. The weight of the newest value is
 * max(alpha, 1/n): the first values build an ordinary mean and variance, so
 * that the baseline does not start with a variance of nearly zero.
 */
class EwmaBaseline implements Baseline {
  count = 0;
  mean = Number.NaN;
  private variance = 0;

  constructor(private readonly alpha: number) {}

  get stdDev(): number {
    return Math.sqrt(this.variance);
  }

  expire(): void {}

  add(_ts: number, value: number): void {
    this.count++;
    if (this.count === 1) {
      this.mean = value;
      this.variance = 0;
      return;
    }
    const a = Math.max(this.alpha, 1 / this.count);
    const diff = value - this.mean;
    const incr = a * diff;
    this.mean += incr;
    this.variance = (1 - a) * (this.variance + diff * incr);
  }
}

/**
 * Scores values and keeps the alarm. The score is the z-score of the value
 * against the baseline before it, or, when a rate limit is set and the change
 * since the previous value is faster, the rate expressed on the same scale
 * (rate / rateLimit × zThreshold): one score, one pair of thresholds.
 */
export class AnomalyDetector {
  /** True while the alarm is raised. */
  alarm = false;
  /** The score of the last value. */
  score = 0;
  /** When the alarm last changed (raised or cleared); NaN before the first value. */
  since = Number.NaN;
  /** Whether the last value changed the alarm. */
  changed = false;
  private readonly baseline: Baseline;
  private lastHigh = Number.NEGATIVE_INFINITY;
  private prevTs = Number.NaN;
  private prevValue = Number.NaN;

  constructor(private readonly s: AnomalySettings) {
    this.baseline = s.method === 'rolling' ? new RollingBaseline(s.windowMs) : new EwmaBaseline(s.alpha);
  }

  /** Scores one good value (timestamps in ms, not decreasing) and updates the alarm. */
  add(ts: number, value: number): void {
    const s = this.s;
    const b = this.baseline;
    this.changed = false;
    if (!Number.isFinite(value)) return;
    b.expire(ts);
    let score = 0;
    if (b.count >= s.minSamples) {
      const mean = b.mean;
      const dev = Math.abs(value - mean);
      const sd = Math.max(b.stdDev, s.minStdDev, 1e-12 * Math.max(1, Math.abs(mean)));
      score = dev / sd;
    }
    const dt = ts - this.prevTs;
    if (s.rateLimit !== Number.POSITIVE_INFINITY && dt > 0) {
      const rateScore = (Math.abs(value - this.prevValue) / (dt / 1000) / s.rateLimit) * s.zThreshold;
      if (rateScore > score) score = rateScore;
    }
    if (score > MAX_SCORE) score = MAX_SCORE;
    this.score = score;
    this.prevTs = ts;
    this.prevValue = value;
    b.add(ts, value);

    if (Number.isNaN(this.since)) this.since = ts;
    if (score >= s.zThreshold) {
      this.lastHigh = ts;
      if (!this.alarm) {
        this.alarm = true;
        this.since = ts;
        this.changed = true;
      }
    } else if (this.alarm && score < s.clearBelow && ts - this.lastHigh >= s.holdMs) {
      this.alarm = false;
      this.since = ts;
      this.changed = true;
    }
  }
}
