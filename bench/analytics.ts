/**
 * The cost of anomaly detection: 10,000 tags, each with scale + deadband +
 * report by exception, fed one noisy value per tag and second; without anomaly
 * detection, then with it on every tag (rolling window of 60 s, then EWMA).
 * Medians of the rounds after the windows have filled, on one core.
 */

import type { TagUpdate } from '../src/events.ts';
import { fmt, line, median } from './report.ts';
import { scaledTagPipelines } from './tags.ts';

const TAGS = 10_000;
const WARMUP = 60;
const ROUNDS = 100;

function measure(anomaly: Record<string, unknown> | undefined): { rate: number; reported: number } {
  const pipelines = scaledTagPipelines(TAGS, anomaly ? { anomaly } : {});
  // Noise of a few counts around a level per tag, with an occasional spike: a cheap deterministic hash.
  const raw = (i: number, round: number) => {
    let h = Math.imul(i * 31 + round, 0x9e3779b1);
    h ^= h >>> 15;
    const noise = (h & 0xff) / 32 - 4;
    return 1000 + (i % 500) + Math.round(noise) + (h % 997 === 0 ? 200 : 0);
  };
  const rates: number[] = [];
  let reported = 0;
  const out: TagUpdate[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ts = 1_700_000_000_000 + round * 1000;
    const started = performance.now();
    for (let i = 0; i < TAGS; i++) {
      pipelines[i]?.process({ tag: '', value: raw(i, round), quality: 'good', sourceTs: ts }, out);
      // The gateway hands on a group's updates after each read (here: groups of 1,000 tags).
      if (i % 1000 === 999) {
        if (round >= WARMUP) reported += out.length;
        out.length = 0;
      }
    }
    if (round >= WARMUP) rates.push(TAGS / ((performance.now() - started) / 1000));
  }
  return { rate: median(rates), reported: reported / (ROUNDS - WARMUP) };
}

export function benchAnalytics(): void {
  process.stdout.write(
    `\nAnomaly detection: ${fmt(TAGS)} tags × scale + deadband + report by exception, one value per tag and second, one core (median of ${ROUNDS - WARMUP} rounds)\n`,
  );
  const plain = measure(undefined);
  line('values per second, no anomaly detection', fmt(plain.rate));
  line('  updates reported per round', fmt(plain.reported));
  for (const [label, cfg] of [
    ['EWMA, alpha 0.02', { method: 'ewma' }],
    ['rolling 60 s window', { method: 'rolling', windowS: 60 }],
  ] as const) {
    const m = measure(cfg);
    line(`values per second, ${label}`, `${fmt(m.rate)} (${(m.rate / plain.rate).toFixed(2)} × without)`);
    line('  updates reported per round', `${fmt(m.reported)} (tags, alarms, their times and scores)`);
  }
}
