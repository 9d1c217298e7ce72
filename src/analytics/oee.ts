/**
 * Overall equipment effectiveness of one machine, from its state tag and part
 * counters: run time, planned and unplanned stop time by cause, good and total
 * parts, and from them availability, performance, quality and OEE, for the
 * current period (aligned to local midnight) and the current shift. Pure: time
 * is what the caller passes in (the gateway's injected clock).
 *
 * Inputs of bad quality never enter the figures: while the state tag is bad the
 * last good state is assumed to go on (and the time is also counted as noDataS);
 * a bad counter reading is skipped, and the next good one counts every part
 * since the last good one.
 */
import type { DataType, Quality, TagValue } from '../../drivers/contract.ts';
import type { TagUpdate } from '../events.ts';
import { isNumericType } from '../pipeline/values.ts';
import type { OeeConfig } from './schema.ts';
import { WEEKDAYS } from './schema.ts';
import { addDays, isTimeZone, systemTimeZone, weekday, ZonedTime } from './zoned-time.ts';

export type OeeInput = 'state' | 'good' | 'total' | 'bad';
export type StateClass = 'running' | 'plannedStop' | 'unplannedStop';

/** The calculator's settings, resolved from the configuration and the device's tags. */
export interface OeeSettings {
  prefix: string;
  /** Classes a good value of the state tag. */
  classify(value: TagValue): { cls: StateClass; cause?: string };
  /** Every downtime cause, planned and unplanned, for the metrics declared up front. */
  causes: string[];
  idealCycleMs: number;
  /** Which counters are configured, with the count at which each wraps (Infinity: never). */
  counters: Partial<Record<Exclude<OeeInput, 'state'>, number>>;
  periodMs: number;
  publishMs: number;
  zone: ZonedTime;
  shifts: { name: string; startMin: number; endMin: number; days: ReadonlySet<number> }[];
  /** The device's tags the calculator reads, and as what. */
  inputs: ReadonlyMap<string, readonly OeeInput[]>;
  /** Changes when a setting that shapes the figures changes (a saved state is then not resumed). */
  fingerprint: string;
}

export interface OeeProblem {
  where: string;
  message: string;
}

/** The count at which an integer counter of a type wraps. */
const MODULUS: Partial<Record<DataType, number>> = {
  int8: 2 ** 8,
  uint8: 2 ** 8,
  int16: 2 ** 16,
  uint16: 2 ** 16,
  int32: 2 ** 32,
  uint32: 2 ** 32,
  int64: 2 ** 64,
  uint64: 2 ** 64,
  bcd16: 10_000,
  bcd32: 100_000_000,
};

const stateKey = (v: TagValue) => String(v);
const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * Every problem of an OEE block against the device's tags (name → the type its
 * pipeline publishes; undefined when the pipeline itself is wrong, which is reported elsewhere).
 */
export function checkOee(cfg: OeeConfig, tagTypes: ReadonlyMap<string, DataType | undefined>): OeeProblem[] {
  const problems: OeeProblem[] = [];
  const tagRef = (where: string, tag: string, numeric: boolean) => {
    const type = tagTypes.get(tag);
    if (!tagTypes.has(tag)) problems.push({ where, message: `"${tag}" is not a tag of this device` });
    else if (numeric && type !== undefined && !isNumericType(type)) problems.push({ where, message: `"${tag}" is ${type}: a counter must be numeric` });
  };
  tagRef('state.tag', cfg.state.tag, false);
  tagRef('goodCount.tag', cfg.goodCount.tag, true);
  if (cfg.totalCount && cfg.badCount) problems.push({ where: 'badCount', message: 'give totalCount or badCount, not both' });
  else if (!cfg.totalCount && !cfg.badCount) problems.push({ where: 'totalCount', message: 'is required (or badCount)' });
  if (cfg.totalCount) tagRef('totalCount.tag', cfg.totalCount.tag, true);
  if (cfg.badCount) tagRef('badCount.tag', cfg.badCount.tag, true);
  if (cfg.idealCycleTimeS === undefined && cfg.idealRatePerMin === undefined)
    problems.push({ where: 'idealCycleTimeS', message: 'is required (or idealRatePerMin)' });
  if (cfg.idealCycleTimeS !== undefined && cfg.idealRatePerMin !== undefined)
    problems.push({ where: 'idealRatePerMin', message: 'give idealCycleTimeS or idealRatePerMin, not both' });

  const seen = new Map<string, string>();
  for (const list of ['running', 'plannedStops', 'unplannedStops'] as const) {
    cfg.state[list].forEach((v, i) => {
      const key = stateKey(v);
      const other = seen.get(key);
      if (other) problems.push({ where: `state.${list}[${i}]`, message: `"${key}" is also listed in state.${other}` });
      else seen.set(key, list);
    });
  }
  for (const key of Object.keys(cfg.state.causes)) {
    const list = seen.get(key);
    if (list === undefined) problems.push({ where: `state.causes.${key}`, message: `"${key}" is not a state value listed in plannedStops or unplannedStops` });
    else if (list === 'running') problems.push({ where: `state.causes.${key}`, message: `"${key}" is a running state: it has no downtime cause` });
  }
  if (cfg.timeZone !== undefined && !isTimeZone(cfg.timeZone))
    problems.push({ where: 'timeZone', message: `unknown time zone "${cfg.timeZone}" (an IANA name such as Europe/Berlin)` });

  const names = new Map<string, number>();
  cfg.shifts.forEach((s, i) => {
    const first = names.get(s.name);
    if (first !== undefined) problems.push({ where: `shifts[${i}].name`, message: `duplicate shift name "${s.name}" (also at index ${first})` });
    else names.set(s.name, i);
    if (s.start === s.end) problems.push({ where: `shifts[${i}].end`, message: 'a shift must end at another time than it starts' });
  });
  // Overlaps, minute by minute over a week (a shift that starts on Sunday night runs into Monday).
  const week = new Int16Array(7 * 1440).fill(-1);
  cfg.shifts.forEach((s, i) => {
    if (s.start === s.end) return;
    const start = minuteOf(s.start);
    const length = (minuteOf(s.end) - start + 1440) % 1440;
    const days = s.days ? s.days.map((d) => WEEKDAYS.indexOf(d)) : [0, 1, 2, 3, 4, 5, 6];
    for (const day of days) {
      for (let m = 0; m < length; m++) {
        const at = (day * 1440 + start + m) % week.length;
        const other = week[at] as number;
        if (other >= 0 && other !== i) {
          const when = `${DAY_NAMES[Math.floor(at / 1440)]} ${String(Math.floor((at % 1440) / 60)).padStart(2, '0')}:${String(at % 60).padStart(2, '0')}`;
          problems.push({ where: `shifts[${i}]`, message: `overlaps shift "${cfg.shifts[other]?.name}" (at ${when})` });
          return;
        }
        week[at] = i;
      }
    }
  });

  for (const metric of oeeMetricNames(cfg)) {
    if (tagTypes.has(metric)) problems.push({ where: 'name', message: `the OEE metric "${metric}" has the name of a tag of this device: choose another name` });
  }
  return problems;
}

function causeOf(cfg: OeeConfig, key: string): string {
  return cfg.state.causes[key] ?? key;
}

function causesOf(cfg: OeeConfig): string[] {
  const all = [...cfg.state.plannedStops, ...cfg.state.unplannedStops].map((v) => causeOf(cfg, stateKey(v)));
  return [...new Set([...all, 'other'])];
}

const FIGURES = ['availability', 'performance', 'quality', 'oee'] as const;
const TIMES = ['runTimeS', 'plannedStopS', 'unplannedStopS', 'noDataS'] as const;
const COUNTS = ['goodCount', 'totalCount'] as const;

function windowMetrics(base: string, causes: string[]): { name: string; type: DataType }[] {
  return [
    ...FIGURES.map((f) => ({ name: `${base}${f}`, type: 'float64' as DataType })),
    ...TIMES.map((f) => ({ name: `${base}${f}`, type: 'float64' as DataType })),
    ...causes.map((c) => ({ name: `${base}downtimeS/${c}`, type: 'float64' as DataType })),
    ...COUNTS.map((f) => ({ name: `${base}${f}`, type: 'uint32' as DataType })),
  ];
}

/** The metrics an OEE block publishes, with their types (declared in the device's DBIRTH). */
export function oeeMetrics(cfg: OeeConfig): { name: string; type: DataType }[] {
  const p = `${cfg.name}/`;
  const causes = causesOf(cfg);
  return [
    { name: `${p}state`, type: 'string' },
    ...windowMetrics(p, causes),
    ...(cfg.shifts.length > 0 ? [{ name: `${p}shift/name`, type: 'string' as DataType }, ...windowMetrics(`${p}shift/`, causes)] : []),
  ];
}

const oeeMetricNames = (cfg: OeeConfig) => oeeMetrics(cfg).map((m) => m.name);

/** Resolves a checked OEE block (checkOee found nothing) against the device's tag types. */
export function resolveOee(cfg: OeeConfig, tagTypes: ReadonlyMap<string, DataType>): OeeSettings {
  const classes = new Map<string, { cls: StateClass; cause?: string }>();
  for (const v of cfg.state.running) classes.set(stateKey(v), { cls: 'running' });
  for (const v of cfg.state.plannedStops) classes.set(stateKey(v), { cls: 'plannedStop', cause: causeOf(cfg, stateKey(v)) });
  for (const v of cfg.state.unplannedStops) classes.set(stateKey(v), { cls: 'unplannedStop', cause: causeOf(cfg, stateKey(v)) });
  const other = { cls: (cfg.state.otherStates === 'planned' ? 'plannedStop' : 'unplannedStop') as StateClass, cause: 'other' };
  const rollover = (c: { tag: string; rollover?: number }) => c.rollover ?? MODULUS[tagTypes.get(c.tag) as DataType] ?? Number.POSITIVE_INFINITY;
  const counters: OeeSettings['counters'] = { good: rollover(cfg.goodCount) };
  if (cfg.totalCount) counters.total = rollover(cfg.totalCount);
  if (cfg.badCount) counters.bad = rollover(cfg.badCount);
  const inputs = new Map<string, OeeInput[]>();
  const use = (tag: string, as: OeeInput) => inputs.set(tag, [...(inputs.get(tag) ?? []), as]);
  use(cfg.state.tag, 'state');
  use(cfg.goodCount.tag, 'good');
  if (cfg.totalCount) use(cfg.totalCount.tag, 'total');
  if (cfg.badCount) use(cfg.badCount.tag, 'bad');
  const zone = cfg.timeZone ?? systemTimeZone();
  return {
    prefix: cfg.name,
    classify: (value) => classes.get(stateKey(value)) ?? other,
    causes: causesOf(cfg),
    idealCycleMs: cfg.idealCycleTimeS !== undefined ? cfg.idealCycleTimeS * 1000 : 60_000 / (cfg.idealRatePerMin as number),
    counters,
    periodMs: cfg.periodS * 1000,
    publishMs: cfg.publishS * 1000,
    zone: new ZonedTime(zone),
    shifts: cfg.shifts.map((s) => ({
      name: s.name,
      startMin: minuteOf(s.start),
      endMin: minuteOf(s.end),
      days: new Set(s.days ? s.days.map((d) => WEEKDAYS.indexOf(d)) : [0, 1, 2, 3, 4, 5, 6]),
    })),
    inputs,
    fingerprint: JSON.stringify({ ...cfg, publishS: undefined, timeZone: zone, counters }),
  };
}

/** Time and parts of one period or shift. */
class Tally {
  runMs = 0;
  plannedMs = 0;
  unplannedMs = 0;
  noDataMs = 0;
  byCause: Record<string, number> = {};
  good = 0;
  /** The total counter's parts (totalCount configured) or the bad counter's (badCount). */
  other = 0;
  /** Whether anything was counted: an empty window publishes no final figures. */
  any = false;

  static from(o: Partial<Tally>): Tally {
    return Object.assign(new Tally(), o);
  }
}

interface Window {
  start: number;
  end: number;
  tally: Tally;
}

interface CounterState {
  last?: number;
  lastTs: number;
}

/** What survives a restart of the device's runtime (a configuration change, a gateway restart). */
export interface OeeSnapshot {
  v: 1;
  fingerprint: string;
  at: number;
  state?: { cls: StateClass; cause?: string };
  period: Window;
  shift?: Window & { name: string };
  counters: Partial<Record<OeeInput, CounterState>>;
}

/** A saved state older than this is resumed without its state and counter readings (the gap is not counted). */
export const MAX_RESUME_GAP_MS = 10 * 60_000;

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export class OeeCalculator {
  /** Time accounted up to (ms). */
  private now: number;
  private state?: { cls: StateClass; cause?: string };
  private stateGood = false;
  private period: Window;
  private shift?: Window & { name: string };
  private shiftChangeAt = Number.POSITIVE_INFINITY;
  private counters: Partial<Record<OeeInput, CounterState>> = {};
  private nextPublish = 0;
  private readonly lastPublished = new Map<string, string>();
  /** Updates made while moving time (final figures, the shift's name): handed out by the next call. */
  private pending: TagUpdate[] = [];
  private readonly p: string;

  constructor(
    private readonly s: OeeSettings,
    now: number,
  ) {
    this.p = `${s.prefix}/`;
    this.now = now;
    this.period = this.periodAt(now);
    this.enterShift(now);
  }

  /** A value of an input tag (after its pipeline). */
  observe(tag: string, value: TagValue | null, quality: Quality, reason: string | undefined, ts: number, out: TagUpdate[]): void {
    const kinds = this.s.inputs.get(tag);
    if (!kinds) return;
    this.moveTo(ts);
    const good = quality === 'good' && value !== null;
    for (const kind of kinds) {
      if (kind === 'state') this.observeState(good ? value : null, reason, ts);
      else if (good) this.observeCounter(kind, value, ts);
    }
    this.drain(out);
  }

  /** Moves time on; publishes the figures of the running period and shift when the publishing period has come. */
  advance(now: number, out: TagUpdate[]): boolean {
    this.moveTo(now);
    this.drain(out);
    if (now < this.nextPublish) return false;
    this.nextPublish = (Math.floor(now / this.s.publishMs) + 1) * this.s.publishMs;
    // A window that starts now has nothing yet (and its end's final figures carry this timestamp).
    if (now > this.period.start) this.emitWindow(this.p, this.period.tally, now, out, false);
    if (this.shift && now > this.shift.start) this.emitWindow(`${this.p}shift/`, this.shift.tally, now, out, false);
    return true;
  }

  snapshot(): OeeSnapshot {
    return {
      v: 1,
      fingerprint: this.s.fingerprint,
      at: this.now,
      state: this.state,
      period: this.period,
      shift: this.shift,
      counters: this.counters,
    };
  }

  /**
   * Resumes a saved state (same settings, not from the future). After a short
   * gap the last state goes on through the gap, counted as noDataS, and the
   * counters count every part made meanwhile; after a long one the gap is not
   * counted at all. Windows that ended meanwhile publish their final figures.
   */
  restore(snap: OeeSnapshot, now: number): boolean {
    if (snap?.v !== 1 || snap.fingerprint !== this.s.fingerprint || snap.at > now) return false;
    this.now = snap.at;
    this.period = { ...snap.period, tally: Tally.from(snap.period.tally) };
    this.shift = snap.shift && { ...snap.shift, tally: Tally.from(snap.shift.tally) };
    this.shiftChangeAt = this.shift ? this.shift.end : this.nextShiftStart(snap.at);
    this.pending = [];
    if (now - snap.at <= MAX_RESUME_GAP_MS) {
      this.state = snap.state;
      this.counters = structuredClone(snap.counters);
    } else {
      this.state = undefined;
      this.counters = {};
    }
    this.stateGood = false;
    this.moveTo(now);
    return true;
  }

  private drain(out: TagUpdate[]) {
    if (this.pending.length === 0) return;
    for (const u of this.pending) out.push(u);
    this.pending = [];
  }

  private observeState(value: TagValue | null, reason: string | undefined, ts: number) {
    const name = `${this.p}state`;
    if (value === null) {
      if (!this.stateGood && this.lastPublished.has(name)) return;
      this.stateGood = false;
      this.publish(
        {
          tag: name,
          value: this.state?.cls ?? null,
          quality: this.state ? 'stale' : 'bad',
          reason: `the state tag has no good value${reason ? ` (${reason})` : ''}${this.state ? ': the last state is assumed' : ''}`,
          sourceTs: ts,
        },
        this.pending,
        false,
      );
      return;
    }
    this.state = this.s.classify(value);
    this.stateGood = true;
    this.publish({ tag: name, value: this.state.cls, quality: 'good', sourceTs: ts }, this.pending, false);
  }

  /**
   * Counts the parts since the counter's last good reading. A counter that went
   * down wrapped when the parts across the wrap are few enough to have been made
   * in the time (ten times the ideal rate), and was reset otherwise: then its
   * new value is the parts made since the reset.
   */
  private observeCounter(kind: Exclude<OeeInput, 'state'>, raw: TagValue, ts: number) {
    const v = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(v)) return;
    let c = this.counters[kind];
    if (!c) {
      c = { lastTs: ts };
      this.counters[kind] = c;
    }
    const last = c.last;
    c.last = v;
    const dt = Math.max(0, ts - c.lastTs);
    c.lastTs = ts;
    if (last === undefined) return;
    let parts = v - last;
    if (parts < 0) {
      const modulus = this.s.counters[kind] ?? Number.POSITIVE_INFINITY;
      const plausible = Math.ceil((10 * dt) / this.s.idealCycleMs) + 10;
      const wrapped = Number.isFinite(modulus) ? (((v - last) % modulus) + modulus) % modulus : Number.POSITIVE_INFINITY;
      parts = wrapped <= plausible ? wrapped : Math.max(0, v);
    }
    if (parts === 0) return;
    for (const t of this.tallies()) {
      if (kind === 'good') t.good += parts;
      else t.other += parts;
      t.any = true;
    }
  }

  private tallies(): Tally[] {
    return this.shift ? [this.period.tally, this.shift.tally] : [this.period.tally];
  }

  /** Accounts time up to `ts`, closing the periods and shifts that end on the way. */
  private moveTo(ts: number) {
    if (ts <= this.now) return;
    for (;;) {
      const boundary = Math.min(this.period.end, this.shiftChangeAt);
      if (boundary > ts) break;
      this.accumulate(boundary);
      if (this.period.end === boundary) {
        if (this.period.tally.any) this.emitWindow(this.p, this.period.tally, boundary, this.pending, true);
        this.period = this.periodAt(boundary);
      }
      if (this.shiftChangeAt === boundary) {
        if (this.shift?.tally.any) this.emitWindow(`${this.p}shift/`, this.shift.tally, boundary, this.pending, true);
        this.enterShift(boundary);
      }
    }
    this.accumulate(ts);
  }

  private accumulate(to: number) {
    const dt = to - this.now;
    this.now = to;
    if (dt <= 0 || !this.state) return;
    const { cls, cause } = this.state;
    for (const t of this.tallies()) {
      if (cls === 'running') t.runMs += dt;
      else {
        if (cls === 'plannedStop') t.plannedMs += dt;
        else t.unplannedMs += dt;
        const c = cause ?? 'other';
        t.byCause[c] = (t.byCause[c] ?? 0) + dt;
      }
      if (!this.stateGood) t.noDataMs += dt;
      t.any = true;
    }
  }

  /** The period `t` falls in: periods tile each local day from midnight (the last one of a day may be shorter). */
  private periodAt(t: number): Window {
    const z = this.s.zone;
    const date = z.dateOf(t);
    const dayStart = z.instant(date, 0);
    const nextDay = z.instant(addDays(date, 1), 0);
    const P = this.s.periodMs;
    const start = dayStart + Math.floor((t - dayStart) / P) * P;
    // Never a window that has already ended (a guard against odd time-zone data).
    return { start, end: Math.max(Math.min(start + P, nextDay), t + 1), tally: new Tally() };
  }

  private enterShift(t: number) {
    if (this.s.shifts.length === 0) return;
    const found = this.shiftAt(t);
    this.shift = found && { ...found, tally: new Tally() };
    this.shiftChangeAt = found ? found.end : this.nextShiftStart(t);
    this.publish({ tag: `${this.p}shift/name`, value: found?.name ?? '', quality: 'good', sourceTs: t }, this.pending, false);
  }

  private shiftAt(t: number): { name: string; start: number; end: number } | undefined {
    const z = this.s.zone;
    const today = z.dateOf(t);
    for (const offset of [-1, 0]) {
      const d = addDays(today, offset);
      const wd = weekday(d);
      for (const sh of this.s.shifts) {
        if (!sh.days.has(wd)) continue;
        const start = z.instant(d, sh.startMin);
        const end = z.instant(sh.endMin > sh.startMin ? d : addDays(d, 1), sh.endMin);
        if (start <= t && t < end) return { name: sh.name, start, end };
      }
    }
    return undefined;
  }

  private nextShiftStart(t: number): number {
    const z = this.s.zone;
    const today = z.dateOf(t);
    let best = Number.POSITIVE_INFINITY;
    for (let offset = 0; offset <= 7 && best === Number.POSITIVE_INFINITY; offset++) {
      const d = addDays(today, offset);
      for (const sh of this.s.shifts) {
        if (!sh.days.has(weekday(d))) continue;
        const start = z.instant(d, sh.startMin);
        if (start > t && start < best) best = start;
      }
    }
    return best;
  }

  /** The figures of a window: final ones at its end (always sent), running ones at a publishing time (only changes). */
  private emitWindow(base: string, t: Tally, ts: number, out: TagUpdate[], final: boolean) {
    const s = this.s;
    const badMode = s.counters.bad !== undefined;
    const total = badMode ? t.good + t.other : t.other;
    const planned = t.runMs + t.unplannedMs;
    const figure = (name: string, value: number | undefined, reason: string) =>
      this.publish(
        value === undefined
          ? { tag: `${base}${name}`, value: null, quality: 'bad', reason, sourceTs: ts }
          : { tag: `${base}${name}`, value, quality: 'good', sourceTs: ts },
        out,
        final,
      );
    figure('availability', planned > 0 ? round6(t.runMs / planned) : undefined, 'no planned production time yet');
    figure('performance', t.runMs > 0 ? round6((s.idealCycleMs * total) / t.runMs) : undefined, 'no run time yet');
    figure('quality', total > 0 ? round6(Math.min(1, t.good / total)) : undefined, 'no parts counted yet');
    figure('oee', planned > 0 ? round6((s.idealCycleMs * Math.min(t.good, total)) / planned) : undefined, 'no planned production time yet');
    figure('runTimeS', round3(t.runMs / 1000), '');
    figure('plannedStopS', round3(t.plannedMs / 1000), '');
    figure('unplannedStopS', round3(t.unplannedMs / 1000), '');
    figure('noDataS', round3(t.noDataMs / 1000), '');
    for (const c of s.causes) figure(`downtimeS/${c}`, round3((t.byCause[c] ?? 0) / 1000), '');
    figure('goodCount', Math.round(t.good), '');
    figure('totalCount', Math.round(total), '');
  }

  /** Pushes an update unless it repeats the last one of its metric (final figures are always sent). */
  private publish(u: TagUpdate, out: TagUpdate[], always: boolean) {
    const key = `${u.quality}\0${u.value}\0${u.reason ?? ''}`;
    if (!always && this.lastPublished.get(u.tag) === key) return;
    this.lastPublished.set(u.tag, key);
    out.push(u);
  }
}
