import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DriverTag } from '../contract.ts';
import { pduLimits, planReads, type ReadRequest, spansOf } from './read-planner.ts';

const tag = (address: string, type: DriverTag['type'] = 'int16'): DriverTag => ({ name: address, address, type });
const items = (plan: ReadRequest[]) => plan.map((r) => r.items.map((i) => `${i.area === 'DB' ? `DB${i.db}` : i.area}:${i.start}+${i.length}`));

/** What a PLC would refuse: more than the PDU in either direction, or more than 20 items. */
function assertWithinPdu(plan: ReadRequest[], pduSize: number) {
  for (const r of plan) {
    assert.ok(r.items.length <= 20, `${r.items.length} items`);
    assert.ok(12 + 12 * r.items.length <= pduSize, 'request fits the PDU');
    const response = 14 + r.items.reduce((n, i) => n + 4 + i.length + (i.length % 2), 0);
    assert.ok(response <= pduSize, `response of ${response} bytes fits the PDU of ${pduSize}`);
    for (const i of r.items) assert.ok(i.length <= pduLimits(pduSize).itemBytes);
  }
}

describe('S7 read planner', () => {
  it('reads tags close together in one item, and bits of one byte once', () => {
    const spans = spansOf([
      tag('DB1,X0.0', 'bool'),
      tag('DB1,X0.1', 'bool'),
      tag('DB1,INT2'),
      tag('DB1,REAL10', 'float32'),
      tag('DB1,INT100'),
      tag('MW4'),
      tag('M4.1', 'bool'),
    ]);
    assert.deepEqual(
      spans.map((s) => [s.key, s.end - s.start, s.tags.length]),
      [
        ['M:4', 2, 2],
        ['DB1:0', 1, 2],
        ['DB1:2', 2, 1],
        ['DB1:10', 4, 1],
        ['DB1:100', 2, 1],
      ],
    );
    assert.deepEqual(items(planReads(spans, { pduSize: 240 })), [['M:4+2', 'DB1:0+14', 'DB1:100+2']]);
    assert.deepEqual(items(planReads(spans, { pduSize: 240, maxGap: 0 })), [['M:4+2', 'DB1:0+1', 'DB1:2+2', 'DB1:10+4', 'DB1:100+2']]);
    assert.deepEqual(items(planReads(spans, { pduSize: 240, maxGap: 100 })), [['M:4+2', 'DB1:0+102']]);
  });

  it('reads a span the PLC refused in an item of its own', () => {
    const spans = spansOf([tag('DB1,INT0'), tag('DB1,INT2'), tag('DB1,INT4')]);
    assert.deepEqual(items(planReads(spans, { pduSize: 240, isolated: new Set(['DB1:2']) })), [['DB1:0+2', 'DB1:2+2', 'DB1:4+2']]);
  });

  it('never parts a value between requests, and parts only what is longer than an item can be', () => {
    // 60 REALs 8 bytes apart, at PDU 240: an item (with the 18 bytes of headers) holds 220 bytes.
    const reals = Array.from({ length: 60 }, (_, i) => tag(`DB1,REAL${i * 8}`, 'float32'));
    const plan = planReads(spansOf(reals), { pduSize: 240 });
    assertWithinPdu(plan, 240);
    for (const r of plan) for (const i of r.items) assert.equal((i.length - 4) % 8, 0, 'items end at a value');
    // A STRING[254] (256 bytes) is longer than any item at PDU 240: it is read in parts.
    const long = planReads(spansOf([tag('DB2,S0.254', 'string')]), { pduSize: 240 });
    assert.deepEqual(items(long), [['DB2:0+220'], ['DB2:220+36']]);
  });

  it('packs 1,000 mixed tags of 10 DBs into as few requests as the PDU allows', () => {
    const tags: DriverTag[] = [];
    for (let db = 1; db <= 10; db++) {
      let at = 0;
      for (let i = 0; i < 100; i++) {
        const kind = i % 5;
        if (kind === 0) tags.push(tag(`DB${db},REAL${at}`, 'float32'));
        if (kind === 1) tags.push(tag(`DB${db},INT${at}`));
        if (kind === 2) tags.push(tag(`DB${db},DINT${at}`, 'int32'));
        if (kind === 3) tags.push(tag(`DB${db},X${at}.${i % 8}`, 'bool'));
        if (kind === 4) tags.push(tag(`DB${db},WORD${at}`, 'uint16'));
        at += [4, 2, 4, 1, 2][kind] as number;
      }
    }
    const spans = spansOf(tags);
    const bytes = spans.reduce((n, s) => n + s.end - s.start, 0);
    assert.equal(bytes, 10 * 20 * 13);
    const counts: Record<number, number> = {};
    for (const pduSize of [240, 480, 960]) {
      const plan = planReads(spans, { pduSize });
      assertWithinPdu(plan, pduSize);
      assert.equal(plan.flatMap((r) => r.items.flatMap((i) => i.spans.flatMap((s) => s.tags))).length, 1000, 'every tag once');
      counts[pduSize] = plan.length;
      // At most one request more than the bytes need, with 4 header bytes per item.
      assert.ok(plan.length <= Math.ceil(bytes / (pduSize - 14 - 4 * 3)) + 1, `${plan.length} requests at ${pduSize}`);
    }
    assert.deepEqual(counts, { 240: 12, 480: 6, 960: 3 }); // the fewest the bytes allow
  });
});
