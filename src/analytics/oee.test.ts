import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataType, TagValue } from '../../drivers/contract.ts';
import { assertSchema } from '../config/schema-errors.ts';
import type { TagUpdate } from '../events.ts';
import { checkOee, OeeCalculator, oeeMetrics, resolveOee } from './oee.ts';
import { type OeeConfig, OeeSchema } from './schema.ts';
import { ZonedTime } from './zoned-time.ts';

const TYPES = new Map<string, DataType>([
  ['StateCode', 'int32'],
  ['Good', 'uint32'],
  ['Bad', 'uint32'],
  ['Good16', 'uint16'],
  ['Total16', 'uint16'],
  ['Running', 'bool'],
  ['Label', 'string'],
]);

/** An OEE block as written in a configuration file: codes 1 running, 0 idle and 2 break planned, 3 a jam; 4 is not listed. */
const oeeConfig = (partial: Record<string, unknown> = {}): OeeConfig =>
  assertSchema<OeeConfig>(
    OeeSchema,
    {
      state: { tag: 'StateCode', running: [1], plannedStops: [0, 2], unplannedStops: [3], causes: { '0': 'Idle', '2': 'Break', '3': 'Jam' } },
      goodCount: { tag: 'Good' },
      badCount: { tag: 'Bad' },
      idealCycleTimeS: 1,
      periodS: 3600,
      publishS: 10,
      timeZone: 'UTC',
      shifts: [
        { name: 'Early', start: '06:00', end: '14:00' },
        { name: 'Late', start: '14:00', end: '22:00' },
      ],
      ...partial,
    },
    'oee',
  );

/** Monday 2 March 2026, UTC. */
const T = (hhmm: string, s = 0) => Date.UTC(2026, 2, 2, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)), s);

type Event = { ts: number; tag: string; value: TagValue | null };

/**
 * A shift: runs from 06:00 with a planned break 07:00–07:30, a jam 09:00–09:20
 * and an unlisted state 4 from 12:00 to 12:10; idle from 14:00. While it runs
 * the line makes 54 parts a minute, 3 of them bad; the counters are read every
 * minute at :30, so the parts of a minute land in the same hour.
 */
function shiftEvents(opts: { resetAt?: number; goodStart?: number; goodTag?: string; totalTag?: string; gap?: [number, number] } = {}): Event[] {
  const states: [string, number][] = [
    ['05:50', 0],
    ['06:00', 1],
    ['07:00', 2],
    ['07:30', 1],
    ['09:00', 3],
    ['09:20', 1],
    ['12:00', 4],
    ['12:10', 1],
    ['14:00', 0],
  ];
  const events: Event[] = states.map(([t, v]) => ({ ts: T(t), tag: 'StateCode', value: v }));
  const goodTag = opts.goodTag ?? 'Good';
  let good = opts.goodStart ?? 1000;
  let other = 40; // bad parts, or total parts when totalTag is given
  if (opts.totalTag) other = good + 40;
  const stateAt = (ts: number) => (states.filter(([t]) => T(t) <= ts).at(-1) as [string, number])[1];
  for (let ts = T('05:50'); ts < T('14:10'); ts += 60_000) {
    if (ts >= T('06:00') && stateAt(ts) === 1) {
      good += 51;
      other += opts.totalTag ? 54 : 3;
    }
    if (opts.resetAt !== undefined && ts === opts.resetAt) {
      // The PLC resets its counters: the reading shows only the parts since.
      good = 51;
      other = opts.totalTag ? 54 : 3;
    }
    const wrap = (n: number) => (goodTag === 'Good16' ? n % 65536 : n);
    events.push({ ts: ts + 30_000, tag: goodTag, value: wrap(good) });
    events.push({ ts: ts + 30_000, tag: opts.totalTag ?? 'Bad', value: wrap(other) });
  }
  if (opts.gap) {
    // Inputs of bad quality: the readings in the gap carry no value.
    const [from, to] = opts.gap;
    for (const e of events) if (e.ts >= from && e.ts < to) e.value = null;
    events.push({ ts: from, tag: 'StateCode', value: null });
    events.push({ ts: to, tag: 'StateCode', value: 3 });
  }
  return events.sort((a, b) => a.ts - b.ts);
}

/** Plays events through a calculator, moving time every 10 s as the gateway's timer does; returns everything published. */
function play(calc: OeeCalculator, events: Event[], from: number, to: number): TagUpdate[] {
  const out: TagUpdate[] = [];
  let i = 0;
  for (let now = from; now <= to; now += 10_000) {
    for (; i < events.length && (events[i] as Event).ts <= now; i++) {
      const e = events[i] as Event;
      calc.observe(e.tag, e.value, e.value === null ? 'bad' : 'good', e.value === null ? 'read timed out' : undefined, e.ts, out);
    }
    calc.advance(now, out);
  }
  return out;
}

/** The figures published at `ts` under a prefix, by short name. */
function figuresAt(updates: TagUpdate[], prefix: string, ts: number): Record<string, TagValue | null> {
  const found: Record<string, TagValue | null> = {};
  for (const u of updates) {
    if (u.sourceTs !== ts || !u.tag.startsWith(prefix)) continue;
    const rest = u.tag.slice(prefix.length);
    if (rest.startsWith('shift/') && !prefix.endsWith('shift/')) continue;
    found[rest] = u.value;
  }
  return found;
}

const near = (actual: TagValue | null | undefined, expected: number, what: string) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-6, `${what}: ${actual}, expected ${expected}`);

/**
 * The Early shift by hand: 8 h = 28,800 s. Planned stop (break) 1,800 s;
 * unplanned 1,200 s (jam) + 600 s (state 4, cause "other") = 1,800 s; run time
 * 28,800 − 3,600 = 25,200 s. Planned production time 25,200 + 1,800 = 27,000 s.
 * Parts: 420 running minutes × 54 = 22,680, of them 420 × 51 = 21,420 good.
 * Availability 25,200 / 27,000 = 0.933333; performance 1 s × 22,680 / 25,200 = 0.9;
 * quality 21,420 / 22,680 = 0.944444; OEE = 0.933333 × 0.9 × 0.944444 = 21,420 s / 27,000 s = 0.793333.
 */
function assertEarlyShift(f: Record<string, TagValue | null>, noDataS = 0) {
  assert.equal(f.runTimeS, 25_200);
  assert.equal(f.plannedStopS, 1800);
  assert.equal(f.unplannedStopS, 1800);
  assert.equal(f['downtimeS/Break'], 1800);
  assert.equal(f['downtimeS/Jam'], 1200);
  assert.equal(f['downtimeS/other'], 600);
  assert.equal(f['downtimeS/Idle'], 0);
  assert.equal(f.noDataS, noDataS);
  assert.equal(f.totalCount, 22_680);
  assert.equal(f.goodCount, 21_420);
  near(f.availability, 25_200 / 27_000, 'availability');
  near(f.performance, 0.9, 'performance');
  near(f.quality, 21_420 / 22_680, 'quality');
  near(f.oee, 21_420 / 27_000, 'OEE');
}

describe('OEE calculator', () => {
  it('a shift with planned and unplanned stops, by hand', () => {
    const calc = new OeeCalculator(resolveOee(oeeConfig(), TYPES), T('05:50'));
    const updates = play(calc, shiftEvents(), T('05:50'), T('14:30'));
    assertEarlyShift(figuresAt(updates, 'OEE/shift/', T('14:00')));

    // 07:00–08:00: 30 min break (planned: not against availability), 30 min running, 1,620 parts, 1,530 good.
    const h7 = figuresAt(updates, 'OEE/', T('08:00'));
    assert.deepEqual([h7.runTimeS, h7.plannedStopS, h7.unplannedStopS, h7.totalCount, h7.goodCount], [1800, 1800, 0, 1620, 1530]);
    near(h7.availability, 1, 'availability 07:00');
    near(h7.performance, 0.9, 'performance 07:00');
    near(h7.oee, 1530 / 1800, 'OEE 07:00');
    // 09:00–10:00: 20 min jam, 40 min running: availability 2/3, OEE 2,040 good × 1 s / 3,600 s.
    const h9 = figuresAt(updates, 'OEE/', T('10:00'));
    near(h9.availability, 2400 / 3600, 'availability 09:00');
    near(h9.oee, 2040 / 3600, 'OEE 09:00');
    // 05:00–06:00 saw only 10 min of idling: no planned production time, so no availability or OEE.
    const h5 = updates.filter((u) => u.sourceTs === T('06:00') && u.tag.startsWith('OEE/') && !u.tag.includes('shift/'));
    assert.equal(h5.find((u) => u.tag === 'OEE/plannedStopS')?.value, 600);
    assert.deepEqual(
      h5.filter((u) => u.quality !== 'good').map((u) => `${u.tag}: ${u.reason}`),
      [
        'OEE/availability: no planned production time yet',
        'OEE/performance: no run time yet',
        'OEE/quality: no parts counted yet',
        'OEE/oee: no planned production time yet',
      ],
    );
    // The shift's name changes at its boundaries; the Late shift starts from zero.
    assert.deepEqual(
      updates.filter((u) => u.tag === 'OEE/shift/name').map((u) => [u.value, new Date(u.sourceTs).toISOString().slice(11, 16)]),
      [
        ['', '05:50'],
        ['Early', '06:00'],
        ['Late', '14:00'],
      ],
    );
    const late = updates.filter((u) => u.tag === 'OEE/shift/plannedStopS' && u.sourceTs > T('14:00')).at(-1);
    assert.deepEqual([late?.value, late?.sourceTs], [1800, T('14:30')]);
    // The state, as the calculator classes it.
    assert.deepEqual(
      updates.filter((u) => u.tag === 'OEE/state' && u.sourceTs >= T('06:00') && u.sourceTs <= T('09:00')).map((u) => u.value),
      ['running', 'plannedStop', 'running', 'unplannedStop'],
    );
  });

  it('publishes the running figures every publishS, only those that changed', () => {
    const calc = new OeeCalculator(resolveOee(oeeConfig(), TYPES), T('05:50'));
    const updates = play(calc, shiftEvents(), T('05:50'), T('06:30'));
    const at = (ts: number) => figuresAt(updates, 'OEE/shift/', ts);
    const latest = (tag: string, ts: number) => updates.filter((u) => u.tag === tag && u.sourceTs <= ts).at(-1)?.value;
    // 06:10:00: ten minutes of running; the parts counted up to 06:09:30, the tenth reading.
    assert.equal(at(T('06:10')).runTimeS, 600);
    assert.deepEqual([latest('OEE/shift/totalCount', T('06:10')), latest('OEE/shift/goodCount', T('06:10'))], [540, 510]);
    near(latest('OEE/shift/availability', T('06:10')), 1, 'availability');
    near(at(T('06:10')).performance, 540 / 600, 'performance');
    // Unchanged figures are not repeated: at 06:10:10 availability (still 1) is not sent again.
    assert.equal(at(T('06:10', 10)).availability, undefined);
    assert.equal(at(T('06:10', 10)).runTimeS, 610);
    // Figures go out at publishing times only (the state and the shift's name when they change).
    assert.ok(updates.filter((u) => u.tag.startsWith('OEE/shift/') && u.tag !== 'OEE/shift/name').every((u) => u.sourceTs % 10_000 === 0));
  });

  it('a counter reset mid-shift loses no parts and invents none', () => {
    const calc = new OeeCalculator(resolveOee(oeeConfig(), TYPES), T('05:50'));
    const updates = play(calc, shiftEvents({ resetAt: T('10:00') }), T('05:50'), T('14:00'));
    assertEarlyShift(figuresAt(updates, 'OEE/shift/', T('14:00')));
  });

  it('a counter that wraps around (uint16, with a total counter) counts across the wrap', () => {
    // The good counter starts at 60,000 and passes 65,535 after about 100 running minutes; the total one shortly after.
    const calc = new OeeCalculator(
      resolveOee(oeeConfig({ goodCount: { tag: 'Good16' }, badCount: undefined, totalCount: { tag: 'Total16' } }), TYPES),
      T('05:50'),
    );
    const events = shiftEvents({ goodStart: 60_000, goodTag: 'Good16', totalTag: 'Total16' });
    assert.ok(
      events.some((e, i) => e.tag === 'Good16' && i > 0 && (e.value as number) < 1000),
      'the series wraps',
    );
    const updates = play(calc, events, T('05:50'), T('14:00'));
    assertEarlyShift(figuresAt(updates, 'OEE/shift/', T('14:00')));
  });

  it('bad quality of the inputs during a stop does not corrupt the figures', () => {
    // State and counters unreadable from 09:05 to 09:15, in the middle of the jam: the jam is assumed to go on.
    const calc = new OeeCalculator(resolveOee(oeeConfig(), TYPES), T('05:50'));
    const updates = play(calc, shiftEvents({ gap: [T('09:05'), T('09:15')] }), T('05:50'), T('14:00'));
    assertEarlyShift(figuresAt(updates, 'OEE/shift/', T('14:00')), 600);
    const state = updates.filter((u) => u.tag === 'OEE/state' && u.sourceTs >= T('09:00') && u.sourceTs <= T('09:20'));
    assert.deepEqual(
      state.map((u) => [u.value, u.quality, u.reason]),
      [
        ['unplannedStop', 'good', undefined],
        ['unplannedStop', 'stale', 'the state tag has no good value (read timed out): the last state is assumed'],
        ['unplannedStop', 'good', undefined],
        ['running', 'good', undefined],
      ],
    );
  });

  it('with no state yet, no time is counted; with a running boolean, false is downtime of its cause', () => {
    const cfg = oeeConfig({ state: { tag: 'Running', running: [true], causes: {} }, shifts: [] });
    const calc = new OeeCalculator(resolveOee(cfg, TYPES), T('06:00'));
    const out: TagUpdate[] = [];
    calc.advance(T('06:05'), out);
    assert.equal(out.find((u) => u.tag === 'OEE/runTimeS')?.value, 0);
    calc.observe('Running', true, 'good', undefined, T('06:05'), out);
    calc.observe('Running', false, 'good', undefined, T('06:15'), out);
    calc.observe('Running', true, 'good', undefined, T('06:20'), out);
    out.length = 0;
    calc.advance(T('06:30'), out);
    const f = figuresAt(out, 'OEE/', T('06:30'));
    assert.deepEqual([f.runTimeS, f.unplannedStopS, f['downtimeS/other']], [1200, 300, 300]);
    near(f.availability, 1200 / 1500, 'availability');
    assert.equal(
      oeeMetrics(cfg).some((m) => m.name.startsWith('OEE/shift/')),
      false,
      'no shift metrics without shifts',
    );
  });

  it('resumes a saved state after a restart: the gap is assumed to go on as the last state', () => {
    const settings = resolveOee(oeeConfig(), TYPES);
    const events = shiftEvents();
    const first = new OeeCalculator(settings, T('05:50'));
    const before = play(first, events, T('05:50'), T('10:00'));
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    // The gateway is away from 10:00 to 10:02; the readings of that time are lost.
    const second = new OeeCalculator(settings, T('10:02'));
    assert.equal(second.restore(saved, T('10:02')), true);
    // After a restart the pipeline reports every tag's first reading, the state too.
    const after = play(second, [{ ts: T('10:02'), tag: 'StateCode', value: 1 }, ...events.filter((e) => e.ts >= T('10:02'))], T('10:02'), T('14:00'));
    assertEarlyShift(figuresAt(after, 'OEE/shift/', T('14:00')), 120);
    assert.ok(before.length > 0);
    // Other settings: the saved state does not fit and is not used.
    const other = new OeeCalculator(resolveOee(oeeConfig({ idealCycleTimeS: 2 }), TYPES), T('10:02'));
    assert.equal(other.restore(saved, T('10:02')), false);
  });

  it('a night shift across the change to summer time lasts 7 hours (Europe/Berlin)', () => {
    const cfg = oeeConfig({ timeZone: 'Europe/Berlin', shifts: [{ name: 'Night', start: '22:00', end: '06:00' }] });
    const z = new ZonedTime('Europe/Berlin');
    const start = z.instant({ year: 2026, month: 3, day: 28 }, 22 * 60);
    const end = z.instant({ year: 2026, month: 3, day: 29 }, 6 * 60);
    assert.equal(new Date(start).toISOString(), '2026-03-28T21:00:00.000Z');
    assert.equal(new Date(end).toISOString(), '2026-03-29T04:00:00.000Z');
    const calc = new OeeCalculator(resolveOee(cfg, TYPES), start - 60_000);
    const out: TagUpdate[] = [];
    calc.observe('StateCode', 1, 'good', undefined, start - 60_000, out);
    for (let t = start; t <= end + 60_000; t += 60_000) calc.advance(t, out);
    const f = figuresAt(out, 'OEE/shift/', end);
    assert.equal(f.runTimeS, 7 * 3600);
    // Hourly periods tile the local day from midnight: 00:00, 01:00, then 03:00 local.
    const periodEnds = [...new Set(out.filter((u) => u.tag === 'OEE/runTimeS' && u.value === 3600).map((u) => u.sourceTs))].slice(0, 4);
    assert.deepEqual(
      periodEnds.map((t) => new Date(t).toISOString().slice(11, 16)),
      ['22:00', '23:00', '00:00', '01:00'],
    );
  });

  it('finds every problem of a block against the device tags, by path', () => {
    const problems = checkOee(
      oeeConfig({
        state: { tag: 'Nope', running: [1, 'Run'], plannedStops: ['Run'], causes: { '9': 'X' } },
        goodCount: { tag: 'Label' },
        totalCount: { tag: 'Good' },
        idealRatePerMin: 60,
        timeZone: 'Mars/Olympus',
        shifts: [
          { name: 'A', start: '06:00', end: '14:00' },
          { name: 'B', start: '13:00', end: '22:00', days: ['mon'] },
          { name: 'A', start: '22:00', end: '22:00' },
        ],
      }),
      TYPES,
    ).map((p) => `${p.where}: ${p.message}`);
    assert.deepEqual(problems, [
      'state.tag: "Nope" is not a tag of this device',
      'goodCount.tag: "Label" is string: a counter must be numeric',
      'badCount: give totalCount or badCount, not both',
      'idealRatePerMin: give idealCycleTimeS or idealRatePerMin, not both',
      'state.plannedStops[0]: "Run" is also listed in state.running',
      'state.causes.9: "9" is not a state value listed in plannedStops or unplannedStops',
      'timeZone: unknown time zone "Mars/Olympus" (an IANA name such as Europe/Berlin)',
      'shifts[2].name: duplicate shift name "A" (also at index 0)',
      'shifts[2].end: a shift must end at another time than it starts',
      'shifts[1]: overlaps shift "A" (at Mon 13:00)',
    ]);
  });
});
