import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSchema } from '../config/schema-errors.ts';
import { AnomalyConfigError, AnomalyDetector, resolveAnomaly } from './anomaly.ts';
import { type AnomalyConfig, AnomalySchema } from './schema.ts';

/** Settings as written in a configuration file; the schema fills in the defaults. */
const settings = (partial: Record<string, unknown> = {}) => resolveAnomaly(assertSchema<AnomalyConfig>(AnomalySchema, { ...partial }, 'anomaly'));

/** A seeded uniform generator (mulberry32): the same series on every run. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal values (Box–Muller). */
function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Bell-shaped but bounded noise: the sum of three uniforms, centred (standard deviation 0.5, never beyond ±1.5). */
function bell(seed: number): () => number {
  const u = uniform(seed);
  return () => u() + u() + u() - 1.5;
}

interface Transition {
  at: number;
  alarm: boolean;
}

/** Feeds values one per second from t = 0 s; returns the alarm's raises and clears (time in seconds) and the scores. */
function run(detector: AnomalyDetector, values: number[]): { transitions: Transition[]; scores: number[] } {
  const transitions: Transition[] = [];
  const scores: number[] = [];
  values.forEach((v, i) => {
    detector.add(i * 1000, v);
    scores.push(detector.score);
    if (detector.changed) {
      transitions.push({ at: i, alarm: detector.alarm });
      assert.equal(detector.since, i * 1000, 'since is the time of the change');
    }
  });
  return { transitions, scores };
}

describe('anomaly detection', () => {
  for (const method of ['rolling', 'ewma'] as const) {
    const cfg = method === 'rolling' ? { method, windowS: 60 } : { method }; // ewma: alpha 0.02 by default

    it(`${method}: detects a known step at once and clears once the baseline has taken it in`, () => {
      const noise = bell(7);
      const values = Array.from({ length: 600 }, (_, i) => 10 + noise() + (i >= 300 ? 5 : 0)); // a step of 10 σ at 300 s
      const { transitions, scores } = run(new AnomalyDetector(settings(cfg)), values);
      assert.deepEqual(transitions[0], { at: 300, alarm: true }, `raised at the step, not before: ${JSON.stringify(transitions)}`);
      assert.ok((scores[300] as number) > 8, `score at the step ${scores[300]}`);
      assert.equal(transitions.length, 2, `raised once and cleared once: ${JSON.stringify(transitions)}`);
      const cleared = transitions[1] as Transition;
      assert.equal(cleared.alarm, false);
      // Not before holdS (10 s by default); within the rolling window's length at the latest.
      assert.ok(cleared.at >= 310 && cleared.at <= 360, `cleared at ${cleared.at} s`);
    });

    it(`${method}: detects a known spike and holds the alarm for holdS`, () => {
      const noise = bell(11);
      const values = Array.from({ length: 400 }, (_, i) => 50 + noise() + (i === 200 ? 8 : 0)); // 16 σ for one second
      const { transitions } = run(new AnomalyDetector(settings({ ...cfg, holdS: 15 })), values);
      assert.deepEqual(transitions, [
        { at: 200, alarm: true },
        { at: 215, alarm: false },
      ]);
    });

    it(`${method}: raises no alarm on Gaussian-ish noise (bounded) at the default threshold`, () => {
      const noise = bell(3);
      const values = Array.from({ length: 20_000 }, () => 20 + 2 * noise());
      const { transitions, scores } = run(new AnomalyDetector(settings(cfg)), values);
      assert.deepEqual(transitions, []);
      assert.ok(Math.max(...scores) < 4, `highest score ${Math.max(...scores)}`);
    });

    it(`${method}: raises no alarm on Gaussian noise at zThreshold 5`, () => {
      const noise = gaussian(5);
      const values = Array.from({ length: 10_000 }, () => -3 + 0.1 * noise());
      assert.deepEqual(run(new AnomalyDetector(settings({ ...cfg, zThreshold: 5 })), values).transitions, []);
    });
  }

  it('holds a raised alarm while the score stays above clearBelow (hysteresis), then clears after holdS', () => {
    // A long, quiet baseline with a floor of 1 on the standard deviation: the score is |value − 10| within a few hundredths.
    const quiet = Array.from({ length: 1000 }, (_, i) => 10 + (i % 2 ? 0.01 : -0.01));
    const wobble = [14.5, 12.5, 14.2, 12.6, 13.9, 12.2, 14.1, 12.4]; // scores 4.5, 2.5, 4.2, 2.6 … around the threshold 4
    const after = Array.from({ length: 40 }, () => 10);
    const d = new AnomalyDetector(settings({ method: 'rolling', windowS: 5000, minStdDev: 1, zThreshold: 4, clearBelow: 2, holdS: 10 }));
    const { transitions, scores } = run(d, [...quiet, ...wobble, ...after]);
    for (let i = 0; i < wobble.length; i++)
      assert.ok(Math.abs((scores[1000 + i] as number) - ((wobble[i] as number) - 10)) < 0.05, `score ${scores[1000 + i]}`);
    // Raised at the first 4.5, never cleared while the score only dipped to 2.2…2.6; the last score ≥ 4 was at 1006 s.
    assert.deepEqual(transitions, [
      { at: 1000, alarm: true },
      { at: 1016, alarm: false },
    ]);
  });

  it('a score between clearBelow and zThreshold neither raises nor clears', () => {
    const quiet = Array.from({ length: 100 }, (_, i) => (i % 2 ? 0.01 : -0.01));
    const d = new AnomalyDetector(settings({ method: 'ewma', alpha: 0.001, minStdDev: 1, zThreshold: 4, clearBelow: 2 }));
    const { transitions } = run(d, [...quiet, 3, 3.5, 3.9, 3.2]);
    assert.deepEqual(transitions, []);
  });

  it('scores a change faster than rateLimit on the same scale, even before the baseline is learnt', () => {
    const d = new AnomalyDetector(settings({ method: 'rolling', windowS: 60, rateLimit: 2, zThreshold: 4, holdS: 0 }));
    d.add(0, 100);
    d.add(1000, 101); // 1 unit/s: score 1/2 × 4 = 2
    assert.equal(d.score, 2);
    assert.equal(d.alarm, false);
    d.add(2000, 104); // 3 units/s: score 6
    assert.equal(d.score, 6);
    assert.equal(d.alarm, true);
    d.add(4000, 104.5); // 0.25 units/s: score 0.5, below clearBelow 2
    assert.equal(d.alarm, false);
  });

  it('counts no z-score until minSamples values are in the baseline', () => {
    const d = new AnomalyDetector(settings({ method: 'rolling', windowS: 600, minSamples: 5 }));
    for (const [i, v] of [1, 1.1, 0.9, 1, 1000].entries()) d.add(i * 1000, v);
    assert.equal(d.score, 0, 'only 4 values before the fifth');
    d.add(5000, 1000);
    assert.ok(d.score > 1, `scored against 5 values: ${d.score}`);
  });

  it('a constant signal that moves scores high but finite; minStdDev keeps its last digit quiet', () => {
    const flat = new AnomalyDetector(settings({ method: 'rolling', windowS: 60 }));
    for (let i = 0; i < 40; i++) flat.add(i * 1000, 5);
    assert.equal(flat.score, 0);
    flat.add(40_000, 5.001);
    assert.ok(Number.isFinite(flat.score) && flat.score >= 4 && flat.alarm);
    const floored = new AnomalyDetector(settings({ method: 'rolling', windowS: 60, minStdDev: 0.01 }));
    for (let i = 0; i < 40; i++) floored.add(i * 1000, 5);
    floored.add(40_000, 5.001);
    assert.ok(Math.abs(floored.score - 0.1) < 1e-9, `score ${floored.score}`);
  });

  it('forgets values older than the rolling window', () => {
    const d = new AnomalyDetector(settings({ method: 'rolling', windowS: 10, minSamples: 3 }));
    for (let i = 0; i < 10; i++) d.add(i * 1000, i % 2 ? 1 : -1); // mean 0, sd about 1
    for (let i = 10; i < 30; i++) d.add(i * 1000, 100 + (i % 2 ? 1 : -1)); // the window now holds only these
    d.add(30_000, 100);
    assert.ok(d.score < 1, `score against the last 10 s only: ${d.score}`);
  });

  it('stays exact over millions of values far from zero', () => {
    const d = new AnomalyDetector(settings({ method: 'rolling', windowS: 100 }));
    const noise = bell(1);
    for (let i = 0; i < 300_000; i++) d.add(i * 1000, 1e9 + noise());
    d.add(300_000_000, 1e9 + 3);
    assert.ok(Math.abs(d.score - 6) < 1, `3 units from the mean with sd 0.5: ${d.score}`);
  });

  it('refuses settings that contradict each other, naming the setting', () => {
    const where = (cfg: Record<string, unknown>) => {
      try {
        settings(cfg);
      } catch (err) {
        assert.ok(err instanceof AnomalyConfigError);
        return `${err.where}: ${err.message}`;
      }
      return 'accepted';
    };
    assert.match(where({ zThreshold: 3, clearBelow: 3 }), /^clearBelow: must be below zThreshold \(3\)/);
    assert.match(where({ method: 'rolling', alpha: 0.2 }), /^alpha: alpha is for method ewma/);
    assert.match(where({ method: 'ewma', windowS: 30 }), /^windowS: windowS is for method rolling/);
    assert.equal(where({ method: 'ewma' }), 'accepted');
  });
});
