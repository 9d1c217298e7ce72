import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ByteOrder, DataType, TagValue } from '../contract.ts';
import { decodeRegisters, encodeRegisters, registerBit } from './codec.ts';

/** Hand-computed wire bytes for every type in every byte order. */
const cases: { type: DataType; value: TagValue; wire: Record<ByteOrder, string> }[] = [
  // -2 = 0xFFFE
  { type: 'int16', value: -2, wire: { ABCD: 'fffe', CDAB: 'fffe', BADC: 'feff', DCBA: 'feff' } },
  // 0x1234 = 4660
  { type: 'uint16', value: 4660, wire: { ABCD: '1234', CDAB: '1234', BADC: '3412', DCBA: '3412' } },
  // 0x12345678 = 305419896
  { type: 'uint32', value: 305419896, wire: { ABCD: '12345678', CDAB: '56781234', BADC: '34127856', DCBA: '78563412' } },
  // -123456789 = 0xF8A432EB
  { type: 'int32', value: -123456789, wire: { ABCD: 'f8a432eb', CDAB: '32ebf8a4', BADC: 'a4f8eb32', DCBA: 'eb32a4f8' } },
  // 1.0f = 0x3F800000
  { type: 'float32', value: 1, wire: { ABCD: '3f800000', CDAB: '00003f80', BADC: '803f0000', DCBA: '0000803f' } },
  // -2.5f = 0xC0200000
  { type: 'float32', value: -2.5, wire: { ABCD: 'c0200000', CDAB: '0000c020', BADC: '20c00000', DCBA: '000020c0' } },
  // 0x0102030405060708
  {
    type: 'uint64',
    value: 0x0102030405060708n,
    wire: { ABCD: '0102030405060708', CDAB: '0708050603040102', BADC: '0201040306050807', DCBA: '0807060504030201' },
  },
  // -2 = 0xFFFFFFFFFFFFFFFE
  {
    type: 'int64',
    value: -2n,
    wire: { ABCD: 'fffffffffffffffe', CDAB: 'fffeffffffffffff', BADC: 'fffffffffffffeff', DCBA: 'feffffffffffffff' },
  },
  // 1.5 = 0x3FF8000000000000
  {
    type: 'float64',
    value: 1.5,
    wire: { ABCD: '3ff8000000000000', CDAB: '0000000000003ff8', BADC: 'f83f000000000000', DCBA: '000000000000f83f' },
  },
];

describe('Modbus codec', () => {
  for (const c of cases) {
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as ByteOrder[]) {
      it(`${c.type} ${String(c.value)} in ${order} is ${c.wire[order]}`, () => {
        const wire = Buffer.from(c.wire[order], 'hex');
        assert.equal(encodeRegisters(c.value, c.type, order).toString('hex'), c.wire[order]);
        assert.equal(decodeRegisters(wire, 0, c.type, order), c.value);
      });
    }
  }

  it('decodes at a register offset inside a larger response', () => {
    const data = Buffer.from('000000003f800000', 'hex');
    assert.equal(decodeRegisters(data, 2, 'float32', 'ABCD'), 1);
  });

  it('reads single bits of a register, bit 0 being the least significant', () => {
    const data = Buffer.from('8001', 'hex');
    assert.equal(registerBit(data, 0, 0), true);
    assert.equal(registerBit(data, 0, 1), false);
    assert.equal(registerBit(data, 0, 15), true);
  });
});
