import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataType, DriverTag } from '../contract.ts';
import { planReads } from './read-planner.ts';

const tag = (name: string, address: string, type: DataType = 'uint16'): DriverTag => ({ name, address, type });
const shape = (plan: ReturnType<typeof planReads>) =>
  plan.map((r) => `${r.area}:${r.start}+${r.count}[${r.tags.map((t) => `${t.tag.name}@${t.offset}`).join(',')}]`);

describe('Modbus read planner', () => {
  it('merges contiguous tags of one area into one request, whatever their order', () => {
    const plan = planReads([tag('b', 'HR2', 'float32'), tag('a', 'HR0', 'float32'), tag('c', 'HR4')]);
    assert.deepEqual(shape(plan), ['holding:0+5[a@0,b@2,c@4]']);
  });

  it('splits areas into their own requests', () => {
    const plan = planReads([tag('h', 'HR0'), tag('i', 'IR0'), tag('c', 'CO0', 'bool'), tag('d', 'DI0', 'bool')]);
    assert.deepEqual(shape(plan), ['coil:0+1[c@0]', 'discrete:0+1[d@0]', 'holding:0+1[h@0]', 'input:0+1[i@0]']);
  });

  it('reads across gaps up to maxGap and no further', () => {
    const tags = [tag('a', 'HR0'), tag('b', 'HR5'), tag('c', 'HR20')];
    assert.deepEqual(shape(planReads(tags, { maxGap: 0 })), ['holding:0+1[a@0]', 'holding:5+1[b@0]', 'holding:20+1[c@0]']);
    assert.deepEqual(shape(planReads(tags, { maxGap: 4 })), ['holding:0+6[a@0,b@5]', 'holding:20+1[c@0]']);
    assert.deepEqual(shape(planReads(tags, { maxGap: 14 })), ['holding:0+21[a@0,b@5,c@20]']);
  });

  it('never exceeds 125 registers: 1000 float32 tags take the minimum of 17 requests', () => {
    const tags = Array.from({ length: 1000 }, (_, i) => tag(`t${i}`, `HR${i * 2}`, 'float32'));
    const plan = planReads(tags);
    // A float32 cannot be split, so 62 of them (124 registers) fill a request: ceil(1000 / 62) = 17.
    assert.equal(plan.length, 17);
    assert.ok(plan.every((r) => r.count <= 125));
    assert.equal(
      plan.reduce((n, r) => n + r.tags.length, 0),
      1000,
    );
  });

  it('does not split a multi-register value across requests', () => {
    const plan = planReads([tag('a', 'HR0', 'uint16'), tag('b', 'HR1', 'float64')], { maxRegisters: 4 });
    assert.deepEqual(shape(plan), ['holding:0+1[a@0]', 'holding:1+4[b@0]']);
  });

  it('packs up to 2000 bits per request and honours a smaller device limit', () => {
    const coils = Array.from({ length: 2500 }, (_, i) => tag(`c${i}`, `CO${i}`, 'bool'));
    assert.deepEqual(
      planReads(coils).map((r) => r.count),
      [2000, 500],
    );
    const regs = Array.from({ length: 100 }, (_, i) => tag(`r${i}`, `HR${i}`));
    assert.equal(planReads(regs, { maxRegisters: 10 }).length, 10);
  });

  it('reads a register once for several bits of it', () => {
    const plan = planReads([tag('b0', 'HR10.0', 'bool'), tag('b5', 'HR10.5', 'bool'), tag('w', 'HR11')]);
    assert.deepEqual(shape(plan), ['holding:10+2[b0@0,b5@0,w@1]']);
  });
});
