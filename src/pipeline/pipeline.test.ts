import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sample, TagValue } from '../../drivers/contract.ts';
import { type TagConfig, TagSchema } from '../config/schema.ts';
import { assertSchema } from '../config/schema-errors.ts';
import type { TagUpdate } from '../events.ts';
import { compileExpression, InputError } from './expression.ts';
import { buildPipeline, computeSample, NotInvertibleError, PipelineConfigError } from './pipeline.ts';

/** A tag as written in a configuration file; the schema fills in the defaults. */
const makeTag = (partial: Record<string, unknown>): TagConfig =>
  assertSchema<TagConfig>(TagSchema, { name: 'T', address: 'HR0', type: 'int16', ...partial }, 'tag');

const others = new Map<string, number>([['a', 5]]);
const lookup = (t: string) => {
  const v = others.get(t);
  if (v === undefined) throw new InputError(`input "${t}" has no good value`);
  return v;
};

/** Feeds samples (good unless given as {bad}) and returns everything reported. */
function run(tag: TagConfig, samples: ({ ts: number; v: TagValue } | { ts: number; bad: string })[]): TagUpdate[] {
  const p = buildPipeline(tag, { lookup });
  const out: TagUpdate[] = [];
  for (const s of samples) {
    const sample: Sample =
      'bad' in s
        ? { tag: tag.name, value: null, quality: 'bad', reason: s.bad, sourceTs: s.ts }
        : { tag: tag.name, value: s.v, quality: 'good', sourceTs: s.ts };
    p.process(sample, out);
  }
  return out;
}
const values = (updates: TagUpdate[]) => updates.map((u) => (u.quality === 'good' ? u.value : `${u.quality}:${u.value}:${u.reason}`));

describe('pipeline steps', () => {
  const table: [string, Record<string, unknown>, TagValue, TagValue | string][] = [
    ['scale', { steps: [{ kind: 'scale', factor: 0.1, offset: 2 }] }, 100, 12],
    ['map', { steps: [{ kind: 'map', rawMin: 0, rawMax: 27648, engMin: 0, engMax: 100 }] }, 13824, 50],
    ['clamp', { steps: [{ kind: 'clamp', min: 0, max: 50 }] }, 70, 50],
    ['round', { type: 'float32', steps: [{ kind: 'round', decimals: 1 }] }, 2.76543, 2.8],
    ['invert', { type: 'bool', address: 'CO0', steps: [{ kind: 'invert' }] }, true, false],
    ['bit', { type: 'uint16', steps: [{ kind: 'bit', bit: 3 }] }, 8, true],
    ['convert', { type: 'float32', steps: [{ kind: 'convert', to: 'int16' }] }, 3.6, 4],
    ['convert out of range', { type: 'float32', steps: [{ kind: 'convert', to: 'int16' }] }, 40000, 'bad:null:40000 does not fit int16 (-32768..32767)'],
    ['expression', { steps: [{ kind: 'expression', formula: 'value * 2 + a' }] }, 10, 25],
    ['expression with a bad input', { steps: [{ kind: 'expression', formula: 'value + b' }] }, 10, 'bad:null:input "b" has no good value'],
    [
      'scale then round',
      {
        steps: [
          { kind: 'scale', factor: 0.001 },
          { kind: 'round', decimals: 2 },
        ],
      },
      1234,
      1.23,
    ],
    ['int64 stays exact', { type: 'int64' }, 2n ** 62n + 1n, 2n ** 62n + 1n],
  ];
  for (const [name, cfg, input, expected] of table) {
    it(`${name}: ${String(input)} → ${String(expected)}`, () => {
      assert.deepEqual(values(run(makeTag(cfg), [{ ts: 1, v: input }])), [expected]);
    });
  }

  it('knows the type it publishes', () => {
    assert.equal(buildPipeline(makeTag({ steps: [{ kind: 'scale', factor: 2 }] }), { lookup }).outputType, 'float64');
    assert.equal(buildPipeline(makeTag({ type: 'uint16', steps: [{ kind: 'bit', bit: 0 }] }), { lookup }).outputType, 'bool');
    assert.equal(buildPipeline(makeTag({}), { lookup }).outputType, 'int16');
  });

  const badConfigs: [string, Record<string, unknown>, string, RegExp][] = [
    ['invert on a number', { steps: [{ kind: 'invert' }] }, 'steps[0]', /invert needs a bool, not int16/],
    ['bit of a float', { type: 'float32', steps: [{ kind: 'bit', bit: 1 }] }, 'steps[0]', /bit needs an integer/],
    ['a broken formula', { steps: [{ kind: 'expression', formula: 'value +* 2' }] }, 'steps[0]', /unexpected "\*" \(at position 8\)/],
    ['aggregates on a bool', { type: 'bool', address: 'CO0', aggregates: [{ windowS: 60, functions: ['avg'] }] }, 'aggregates', /numeric/],
    ['percentOfRange without a range', { deadband: { mode: 'percentOfRange', value: 1 } }, 'deadband', /needs deadband.range or a map step/],
    ['map with an empty raw range', { steps: [{ kind: 'map', rawMin: 1, rawMax: 1, engMin: 0, engMax: 5 }] }, 'steps[0]', /rawMin and rawMax to differ/],
    ['a computed tag using value', { address: undefined, compute: 'value + 1' }, 'compute', /no value of its own/],
  ];
  for (const [name, cfg, where, reason] of badConfigs) {
    it(`refuses ${name}`, () =>
      assert.throws(
        () => buildPipeline(makeTag(cfg), { lookup }),
        (e: unknown) => e instanceof PipelineConfigError && e.where === where && reason.test(e.message),
      ));
  }
});

describe('pipeline filters', () => {
  it('reports by exception by default, every value when turned off', () => {
    const samples = [
      { ts: 1, v: 5 },
      { ts: 2, v: 5 },
      { ts: 3, v: 6 },
    ];
    assert.deepEqual(values(run(makeTag({}), samples)), [5, 6]);
    assert.deepEqual(values(run(makeTag({ reportByException: false }), samples)), [5, 5, 6]);
  });

  it('applies an absolute deadband to the scaled value', () => {
    const tag = makeTag({ steps: [{ kind: 'scale', factor: 0.5 }], deadband: { mode: 'absolute', value: 0.5 } });
    const raw = [20, 21, 22, 23, 10];
    assert.deepEqual(
      values(
        run(
          tag,
          raw.map((v, i) => ({ ts: i, v })),
        ),
      ),
      [10, 11, 5],
    );
  });

  it('applies a deadband in percent of the last reported value and of the range', () => {
    const last = makeTag({ deadband: { mode: 'percentOfLast', value: 10 } });
    // 10 % of the last reported: 109 is inside 100 ± 10, 111 is not; then 121 is inside 111 ± 11.1, 123 is not.
    assert.deepEqual(
      values(
        run(
          last,
          [100, 109, 111, 121, 123].map((v, i) => ({ ts: i, v })),
        ),
      ),
      [100, 111, 123],
    );
    const range = makeTag({ steps: [{ kind: 'map', rawMin: 0, rawMax: 1000, engMin: 0, engMax: 500 }], deadband: { mode: 'percentOfRange', value: 1 } });
    // 1 % of 0..500 is 5: from 50, 54 is inside and 56 is not.
    assert.deepEqual(
      values(
        run(
          range,
          [100, 108, 112].map((v, i) => ({ ts: i, v })),
        ),
      ),
      [50, 56],
    );
  });

  it('reports a quality change even inside the deadband', () => {
    const tag = makeTag({ deadband: { mode: 'absolute', value: 100 } });
    assert.deepEqual(
      values(
        run(tag, [
          { ts: 1, v: 5 },
          { ts: 2, bad: 'timeout' },
          { ts: 3, v: 6 },
        ]),
      ),
      [5, 'bad:null:timeout', 6],
    );
  });

  it('keeps a minimum interval between reports', () => {
    const tag = makeTag({ minIntervalMs: 1000 });
    const samples = [0, 1, 2, 3, 4].map((v) => ({ ts: v * 400, v }));
    assert.deepEqual(values(run(tag, samples)), [0, 3]);
  });

  it('marks values outside the valid range bad and keeps them', () => {
    const tag = makeTag({ validRange: { min: 0, max: 100 } });
    assert.deepEqual(
      values(
        run(tag, [
          { ts: 1, v: 50 },
          { ts: 2, v: 150 },
        ]),
      ),
      [50, 'bad:150:150 is outside the valid range [0, 100]'],
    );
  });

  it('on a bad read reports bad, or keeps the last good value marked stale', () => {
    const samples = [
      { ts: 1, v: 7 },
      { ts: 2, bad: 'timeout' },
    ];
    assert.deepEqual(values(run(makeTag({}), samples)), [7, 'bad:null:timeout']);
    assert.deepEqual(values(run(makeTag({ onBadRead: 'stale' }), samples)), [7, 'stale:7:timeout']);
    assert.deepEqual(values(run(makeTag({ onBadRead: 'stale' }), [{ ts: 2, bad: 'timeout' }])), ['bad:null:timeout'], 'stale needs a good value first');
  });
});

describe('pipeline aggregates', () => {
  const all = ['min', 'max', 'avg', 'twa', 'sum', 'count', 'first', 'last', 'stddev'] as const;

  it('computes every function over a wall-clock window, across a gap of bad quality', () => {
    const tag = makeTag({ type: 'float32', aggregates: [{ windowS: 10, functions: [...all] }] });
    const out = run(tag, [
      { ts: 100_000, v: 10 },
      { ts: 102_000, v: 20 },
      { ts: 104_000, bad: 'timeout' },
      { ts: 106_000, v: 30 },
      { ts: 110_500, v: 40 },
    ]);
    const aggregates = Object.fromEntries(out.filter((u) => u.tag.includes('_10s')).map((u) => [u.tag, u]));
    const v = (fn: string) => aggregates[`T/${fn}_10s`]?.value;
    assert.deepEqual(
      all.map((fn) => [fn, v(fn)]),
      [
        ['min', 10],
        ['max', 30],
        ['avg', 20],
        // 10 for 2 s, 20 for 2 s, the bad gap not counted, 30 for 4 s: (20 + 40 + 120) / 8
        ['twa', 22.5],
        ['sum', 60],
        ['count', 3],
        ['first', 10],
        ['last', 30],
        ['stddev', Math.sqrt(200 / 3)],
      ],
    );
    assert.ok(
      Object.values(aggregates).every((u) => u.sourceTs === 110_000 && u.quality === 'good'),
      'timestamped at the window end',
    );
  });

  it('closes a quiet window on flush, carrying the held value, and reports an empty one as bad', () => {
    const tag = makeTag({ aggregates: [{ windowS: 1, functions: ['twa', 'count', 'avg'] }] });
    const p = buildPipeline(tag, { lookup });
    const out: TagUpdate[] = [];
    p.process({ tag: 'T', value: 8, quality: 'good', sourceTs: 5_500 }, out);
    p.flush(8_000, out, 1000);
    const agg = out.filter((u) => u.tag !== 'T').map((u) => `${u.tag}@${u.sourceTs}=${u.quality === 'good' ? u.value : u.quality}`);
    assert.deepEqual(agg, ['T/twa_1s@6000=8', 'T/count_1s@6000=1', 'T/avg_1s@6000=8', 'T/twa_1s@7000=8', 'T/count_1s@7000=0', 'T/avg_1s@7000=bad']);
  });

  it('declares its metrics for the births', () => {
    const p = buildPipeline(makeTag({ name: 'Line1/Temp', aggregates: [{ windowS: 60, functions: ['avg', 'count'] }] }), { lookup });
    assert.deepEqual(p.aggregateMetrics, [
      { name: 'Line1/Temp/avg_60s', type: 'float64' },
      { name: 'Line1/Temp/count_60s', type: 'uint32' },
    ]);
  });
});

describe('pipeline anomaly detection', () => {
  const anomalyTag = (anomaly: Record<string, unknown> = {}) =>
    makeTag({
      name: 'Vib',
      type: 'float32',
      steps: [{ kind: 'scale', factor: 0.1 }],
      deadband: { mode: 'absolute', value: 5 },
      anomaly: { windowS: 60, minSamples: 5, holdS: 2, ...anomaly },
    });

  it('declares the alarm, its score and its time for the births', () => {
    assert.deepEqual(buildPipeline(anomalyTag(), { lookup }).aggregateMetrics, [
      { name: 'Vib/anomaly', type: 'bool' },
      { name: 'Vib/anomaly_score', type: 'float64' },
      { name: 'Vib/anomaly_since', type: 'datetime' },
    ]);
  });

  it('scores the transformed value before the report filters, and publishes the raise and the clear with their times', () => {
    // Raw 100 ± 1 (10 ± 0.1 after scaling), then a spike to 200 (20): inside no deadband of the tag's own reports.
    const raw = [100, 101, 99, 100, 101, 99, 100, 200, 100, 101, 99, 100];
    const out = run(
      anomalyTag(),
      raw.map((v, i) => ({ ts: i * 1000, v })),
    );
    const series = (tag: string) => out.filter((u) => u.tag === tag).map((u) => [u.sourceTs / 1000, u.value]);
    assert.deepEqual(series('Vib'), [
      [0, 10],
      [7, 20],
      [8, 10],
    ]);
    assert.deepEqual(series('Vib/anomaly'), [
      [0, false],
      [7, true],
      [9, false],
    ]);
    assert.deepEqual(series('Vib/anomaly_since'), [
      [0, 0],
      [7, 7000],
      [9, 9000],
    ]);
    const scores = series('Vib/anomaly_score');
    assert.deepEqual(scores[0], [0, 0]);
    assert.ok((scores.find(([t]) => t === 7)?.[1] as number) > 50, `the spike's score: ${JSON.stringify(scores)}`);
  });

  it("reports the score with the tag's own reports, when it moved by scoreDeadband", () => {
    const samples = [100, 102, 100, 102, 100, 102, 101, 103, 100].map((v, i) => ({ ts: i * 1000, v }));
    const every = run(makeTag({ name: 'Vib', type: 'float32', reportByException: false, anomaly: { minSamples: 2, scoreDeadband: 1 } }), samples);
    const scores = every.filter((u) => u.tag === 'Vib/anomaly_score').map((u) => u.value as number);
    assert.ok(scores.length > 2, JSON.stringify(scores));
    for (let i = 1; i < scores.length; i++) assert.ok(Math.abs((scores[i] as number) - (scores[i - 1] as number)) >= 1, JSON.stringify(scores));
    // With a deadband that holds the tag's own reports back, the score waits for them too.
    const held = run(anomalyTag({ minSamples: 2, scoreDeadband: 0 }), samples);
    const reportTimes = (tag: string) => held.filter((u) => u.tag === tag).map((u) => u.sourceTs);
    assert.deepEqual(reportTimes('Vib'), [0]);
    assert.deepEqual(reportTimes('Vib/anomaly_score'), [0]);
  });

  it('on a bad input the alarm goes stale with its last value and the score bad, once; a good value brings them back', () => {
    const out = run(anomalyTag(), [
      { ts: 0, v: 100 },
      { ts: 1000, bad: 'timeout' },
      { ts: 2000, bad: 'timeout' },
      { ts: 3000, v: 100 },
    ]);
    assert.deepEqual(
      out.filter((u) => u.tag.startsWith('Vib/anomaly')).map((u) => `${u.sourceTs} ${u.tag} ${values([u])[0]}`),
      [
        '0 Vib/anomaly false',
        '0 Vib/anomaly_since 0',
        '0 Vib/anomaly_score 0',
        '1000 Vib/anomaly stale:false:the input is bad (timeout)',
        '1000 Vib/anomaly_score bad:null:the input is bad (timeout)',
        '3000 Vib/anomaly false',
        '3000 Vib/anomaly_since 0',
        '3000 Vib/anomaly_score 0',
      ],
    );
  });

  const badAnomaly: [string, Record<string, unknown>, string, RegExp][] = [
    ['anomaly on a bool', { type: 'bool', address: 'CO0', anomaly: {} }, 'anomaly', /anomaly detection needs a numeric value, not bool/],
    ['clearBelow above zThreshold', { anomaly: { zThreshold: 3, clearBelow: 4 } }, 'anomaly.clearBelow', /must be below zThreshold \(3\)/],
    ['alpha for the rolling method', { anomaly: { alpha: 0.5 } }, 'anomaly.alpha', /alpha is for method ewma/],
  ];
  for (const [name, cfg, where, reason] of badAnomaly) {
    it(`refuses ${name}`, () =>
      assert.throws(
        () => buildPipeline(makeTag(cfg), { lookup }),
        (e: unknown) => e instanceof PipelineConfigError && e.where === where && reason.test(e.message),
      ));
  }
});

describe('computed tags and writes', () => {
  it('computes from other tags, and goes bad with the reason when an input is bad', () => {
    const formula = compileExpression('(a + b) / 2');
    const good = computeSample('avg', formula, (t) => ({ a: 4, b: 6 })[t] as number, 1);
    assert.deepEqual([good.quality, good.value], ['good', 5]);
    const bad = computeSample(
      'avg',
      formula,
      (t) => {
        if (t === 'b') throw new InputError('input "b" has no good value (timeout)');
        return 4;
      },
      1,
    );
    assert.deepEqual([bad.quality, bad.reason], ['bad', 'input "b" has no good value (timeout)']);
  });

  it('inverts scale and offset: scaling then inverse scaling returns the raw value (property test)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const factor = random() * 200 - 100 || 1;
      const offset = random() * 2000 - 1000;
      const raw = Math.round(random() * 65535) - 32768;
      const p = buildPipeline(makeTag({ steps: [{ kind: 'scale', factor, offset }] }), { lookup });
      const out: TagUpdate[] = [];
      p.process({ tag: 'T', value: raw, quality: 'good', sourceTs: 1 }, out);
      assert.equal(p.toRaw(out[0]?.value as number), raw, `factor ${factor}, offset ${offset}, raw ${raw}`);
    }
  });

  it('checks the range of the raw value and refuses steps it cannot invert', () => {
    const scaled = buildPipeline(makeTag({ steps: [{ kind: 'scale', factor: 0.1 }] }), { lookup });
    assert.equal(scaled.toRaw(12.3), 123);
    assert.throws(() => scaled.toRaw(4000), /40000 does not fit int16/);
    const formula = buildPipeline(makeTag({ steps: [{ kind: 'expression', formula: 'value * 2' }] }), { lookup });
    assert.throws(
      () => formula.toRaw(1),
      (e: unknown) => e instanceof NotInvertibleError && /expression value \* 2" cannot be inverted/.test(e.message),
    );
    const computed = buildPipeline(makeTag({ address: undefined, compute: 'a * 2' }), { lookup });
    assert.throws(() => computed.toRaw(1), /computed tag/);
  });
});
