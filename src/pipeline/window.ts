/**
 * A tumbling time window aligned to the wall clock (a 60 s window runs from
 * :00 to :60, so two gateways agree), computing min, max, avg, time-weighted
 * avg, sum, count, first, last and standard deviation over the good values.
 * A bad value ends the time-weighting of the value before it: gaps of bad
 * quality do not count.
 */
import type { AggregateFunction } from './schema.ts';

export interface WindowResult {
  /** Window end (ms): the timestamp of the aggregates. */
  end: number;
  /** Undefined for every function when the window saw no good value. */
  values: Partial<Record<AggregateFunction, number>>;
  count: number;
}

const NOTHING: WindowResult[] = [];

export class TumblingWindow {
  private start = Number.NaN;
  private count = 0;
  private sum = 0;
  /** Welford's running mean and sum of squared deviations (stable for large values). */
  private mean = 0;
  private m2 = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private first = Number.NaN;
  private last = Number.NaN;
  private weighted = 0;
  private weightedMs = 0;
  /** The last good value and since when it holds (for the time-weighted mean); plain fields, no allocation per value. */
  private holding = false;
  private heldValue = 0;
  private heldSince = 0;

  constructor(
    readonly windowMs: number,
    private readonly functions: readonly AggregateFunction[],
  ) {}

  /** Adds a sample; returns the results of windows it closed (oldest first). */
  add(ts: number, value: number | undefined): WindowResult[] {
    const closed = this.closeUntil(ts);
    if (Number.isNaN(this.start)) this.start = Math.floor(ts / this.windowMs) * this.windowMs;
    this.advanceHeld(ts);
    if (value === undefined) {
      this.holding = false;
      return closed;
    }
    this.count++;
    this.sum += value;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.count === 1) this.first = value;
    this.last = value;
    this.holding = true;
    this.heldValue = value;
    this.heldSince = ts;
    return closed;
  }

  /** Closes every window that ended at or before `now`. */
  closeUntil(now: number): WindowResult[] {
    if (Number.isNaN(this.start) || now < this.start + this.windowMs) return NOTHING;
    const results: WindowResult[] = [];
    while (!Number.isNaN(this.start) && now >= this.start + this.windowMs) {
      const end = this.start + this.windowMs;
      this.advanceHeld(end);
      results.push(this.result(end));
      this.reset(end);
      // Skip empty windows while nothing holds (device away for a long time).
      if (!this.holding && now >= end + this.windowMs) this.start = Math.floor(now / this.windowMs) * this.windowMs;
    }
    return results;
  }

  private advanceHeld(to: number) {
    if (!this.holding) return;
    const from = Math.max(this.heldSince, this.start);
    if (to > from) {
      this.weighted += this.heldValue * (to - from);
      this.weightedMs += to - from;
    }
    this.heldSince = Math.max(this.heldSince, to);
  }

  private result(end: number): WindowResult {
    const values: WindowResult['values'] = {};
    const n = this.count;
    for (const f of this.functions) {
      if (f === 'count') {
        values.count = n;
        continue;
      }
      if (n === 0 && !(f === 'twa' && this.weightedMs > 0)) continue;
      switch (f) {
        case 'min':
          values.min = this.min;
          break;
        case 'max':
          values.max = this.max;
          break;
        case 'avg':
          values.avg = this.sum / n;
          break;
        case 'twa':
          values.twa = this.weightedMs > 0 ? this.weighted / this.weightedMs : this.last;
          break;
        case 'sum':
          values.sum = this.sum;
          break;
        case 'first':
          values.first = this.first;
          break;
        case 'last':
          values.last = this.last;
          break;
        case 'stddev':
          values.stddev = Math.sqrt(this.m2 / n);
          break;
      }
    }
    return { end, values, count: n };
  }

  private reset(start: number) {
    this.start = start;
    this.count = 0;
    this.sum = 0;
    this.mean = 0;
    this.m2 = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.first = Number.NaN;
    this.last = Number.NaN;
    this.weighted = 0;
    this.weightedMs = 0;
  }
}
