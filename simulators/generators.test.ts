import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSchema } from '../src/config/schema-errors.ts';
import { createGenerator, type GeneratorConfig, GeneratorSchema } from './generators.ts';

const noise = (partial: Record<string, unknown>) =>
  createGenerator(assertSchema<GeneratorConfig>(GeneratorSchema, { kind: 'noise', ...partial }, 'generator'), 1_000_000, 7);

describe('noise generator', () => {
  it('is a pure function of time: Gaussian around the mean, one value per interval', () => {
    const g = noise({ mean: 5, stdDev: 2, intervalMs: 100 });
    assert.equal(g(1_000_050), g(1_000_099), 'the same value within an interval');
    assert.equal(g(1_000_150), noise({ mean: 5, stdDev: 2, intervalMs: 100 })(1_000_150), 'the same value for the same time and seed');
    const xs = Array.from({ length: 20_000 }, (_, i) => g(1_000_000 + i * 100) as number);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(mean - 5) < 0.05 && Math.abs(sd - 2) < 0.05, `mean ${mean}, sd ${sd}`);
    assert.ok(xs.filter((x) => Math.abs(x - 5) > 4).length / xs.length < 0.06, 'about 4.6 % beyond 2 sd');
  });

  it('adds spikes at the end of each spike period and steps every other step period', () => {
    const g = noise({ mean: 0, stdDev: 0, spikeEveryMs: 10_000, spikeSize: 7, spikeMs: 500, stepEveryMs: 60_000, stepSize: 3 });
    const at = (ms: number) => g(1_000_000 + ms);
    assert.deepEqual([at(0), at(9_400), at(9_500), at(9_999), at(10_000)], [0, 0, 7, 7, 0]);
    assert.deepEqual([at(59_000), at(60_000), at(69_600), at(120_000)], [0, 3, 10, 0]);
  });
});
