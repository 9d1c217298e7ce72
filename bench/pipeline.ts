/**
 * The value pipeline on one core: 100,000 tags, each with scale + deadband +
 * report by exception, fed rounds of changing values; then the same with a
 * 60 s mean window on every tag. Medians of several rounds.
 */

import type { TagUpdate } from '../src/events.ts';
import { fmt, line, median } from './report.ts';
import { scaledTagPipelines } from './tags.ts';

const TAGS = 100_000;
const ROUNDS = 9;

function measure(extra: Record<string, unknown>): { rate: number; reported: number } {
  const pipelines = scaledTagPipelines(TAGS, extra);
  const rates: number[] = [];
  let reported = 0;
  const out: TagUpdate[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ts = 1_700_000_000_000 + round * 1000;
    const started = performance.now();
    for (let i = 0; i < TAGS; i++) {
      // Every value changes; some of the changes fall inside the deadband.
      pipelines[i]?.process({ tag: '', value: (i + round * (round % 2 ? 3 : 9)) % 30000, quality: 'good', sourceTs: ts }, out);
      // The gateway hands on a group's updates after each read (here: groups of 1,000 tags).
      if (i % 1000 === 999) {
        reported += out.length;
        out.length = 0;
      }
    }
    rates.push(TAGS / ((performance.now() - started) / 1000));
  }
  return { rate: median(rates.slice(1)), reported: reported / ROUNDS };
}

export function benchPipeline(): void {
  process.stdout.write(`\nPipeline: ${fmt(TAGS)} tags × scale + deadband + report by exception, one core (median of ${ROUNDS - 1} rounds)\n`);
  const plain = measure({});
  line('values per second', fmt(plain.rate));
  line('updates reported per round (of 100,000)', fmt(plain.reported));
  const windowed = measure({ aggregates: [{ windowS: 60, functions: ['avg'] }] });
  line('values per second with a 60 s mean window', `${fmt(windowed.rate)} (${(windowed.rate / plain.rate).toFixed(2)} × without)`);
}
