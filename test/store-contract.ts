/** The behaviour every ValueStore implementation must have (CONVENTIONS 7): one suite, run per implementation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TagUpdate } from '../src/events.ts';
import type { StoreLimits, ValueStore } from '../src/store/store.ts';

export interface StoreHarness {
  store: ValueStore;
  /** The same store after a restart of the gateway (or a crash). */
  reopen(): ValueStore;
  close(): void;
}

const updates = (from: number, n: number, device = 'D'): TagUpdate[] =>
  Array.from({ length: n }, (_, i) => ({ tag: `${device}.t${i % 3}`, value: from + i, quality: 'good' as const, sourceTs: 1_700_000_000_000 + from + i }));

export function storeContract(name: string, make: (limits: StoreLimits) => StoreHarness) {
  describe(`${name}: the store-and-forward contract`, () => {
    const big: StoreLimits = { maxBytes: 100 * 1024 * 1024 };

    it('gives back waiting batches oldest first, only for the devices asked for', () => {
      const h = make(big);
      try {
        const a1 = h.store.append('A', updates(0, 2, 'A'), false);
        const b1 = h.store.append('B', updates(10, 1, 'B'), false);
        const a2 = h.store.append('A', updates(20, 1, 'A'), false);
        assert.deepEqual(
          h.store.pending(new Set(['A']), 10).map((b) => b.id),
          [a1, a2],
        );
        const all = h.store.pending(new Set(['A', 'B']), 10);
        assert.deepEqual(
          all.map((b) => b.id),
          [a1, b1, a2],
        );
        assert.deepEqual(all[0]?.records, [
          { metric: 'A.t0', ts: 1_700_000_000_000, value: 0, quality: 'good' },
          { metric: 'A.t1', ts: 1_700_000_000_001, value: 1, quality: 'good' },
        ]);
        assert.equal(h.store.stats().values, 4);
      } finally {
        h.close();
      }
    });

    it('keeps sent batches until proven, and makes unproven ones wait again', () => {
      const h = make(big);
      try {
        const live = h.store.append('D', updates(0, 3), true);
        assert.deepEqual(h.store.pending(new Set(['D']), 10), [], 'a sent batch is not waiting');
        h.store.requeueSent();
        assert.deepEqual(
          h.store.pending(new Set(['D']), 10).map((b) => b.id),
          [live],
          'the connection was lost before proof: it waits again',
        );
        h.store.markSent([live]);
        h.store.remove([live]);
        assert.deepEqual(h.store.pending(new Set(['D']), 10), []);
        assert.equal(h.store.stats().values, 0);
      } finally {
        h.close();
      }
    });

    it('survives a restart: what was sent but not proven waits again', () => {
      const h = make(big);
      try {
        h.store.append('D', updates(0, 2), true);
        h.store.append('D', updates(5, 2), false);
        const after = h.reopen();
        const pending = after.pending(new Set(['D']), 10);
        assert.equal(pending.length, 2);
        assert.equal(after.stats().values, 4);
      } finally {
        h.close();
      }
    });

    it('keeps every value type exactly', () => {
      const h = make(big);
      try {
        const values: TagUpdate['value'][] = [true, false, null, 1.5, Math.PI, -7, 2n ** 63n + 5n, -(2n ** 60n), 'héllo', Number.NaN];
        h.store.append(
          'D',
          values.map((value, i) => ({ tag: `m${i}`, value, quality: i === 2 ? 'bad' : i === 3 ? 'stale' : 'good', sourceTs: 1000 - i })),
          false,
        );
        const [batch] = h.store.pending(new Set(['D']), 1);
        assert.deepEqual(
          batch?.records.map((r) => r.value),
          values,
        );
        assert.deepEqual(
          batch?.records.map((r) => r.quality),
          ['good', 'good', 'bad', 'stale', 'good', 'good', 'good', 'good', 'good', 'good'],
        );
        assert.deepEqual(
          batch?.records.map((r) => r.ts),
          values.map((_, i) => 1000 - i),
        );
      } finally {
        h.close();
      }
    });

    it('when full, drops the oldest values, counts them, and keeps the newest', () => {
      const h = make({ maxBytes: 64 * 1024 });
      try {
        let last = 0;
        for (let i = 0; i < 200; i++) last = h.store.append('D', updates(i * 100, 100), false);
        const stats = h.store.stats();
        assert.ok(stats.bytes <= 64 * 1024, `${stats.bytes} bytes kept`);
        assert.ok(stats.dropped > 0);
        assert.equal(stats.dropped + stats.values, 200 * 100, 'every value is either kept or counted as dropped');
        const pending = h.store.pending(new Set(['D']), 1000);
        assert.equal(pending.at(-1)?.id, last, 'the newest batch is kept');
        assert.ok((pending[0]?.id ?? 0) > 1, 'the oldest went first');
      } finally {
        h.close();
      }
    });

    it('drops values older than the maximum age', () => {
      const h = make({ maxBytes: big.maxBytes, maxAgeMs: 60_000 });
      try {
        const old: TagUpdate[] = [{ tag: 't', value: 1, quality: 'good', sourceTs: Date.now() - 120_000 }];
        h.store.append('D', old, false);
        h.store.append('D', [{ tag: 't', value: 2, quality: 'good', sourceTs: Date.now() }], false);
        assert.deepEqual(
          h.store.pending(new Set(['D']), 10).flatMap((b) => b.records.map((r) => r.value)),
          [2],
        );
        assert.equal(h.store.stats().dropped, 1);
      } finally {
        h.close();
      }
    });
  });
}
