import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ByteOrder, DataType, TagValue } from '../contract.ts';
import type { StringMode } from './address.ts';
import { decodeRegisters, decodeString, encodeRegisters, encodeString, registerBit } from './codec.ts';

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

  it('encodes and decodes binary-coded decimals, refusing what is not BCD', () => {
    assert.equal(encodeRegisters(1234, 'bcd16', 'ABCD').toString('hex'), '1234');
    assert.equal(encodeRegisters(12345678, 'bcd32', 'ABCD').toString('hex'), '12345678');
    assert.equal(encodeRegisters(12345678, 'bcd32', 'CDAB').toString('hex'), '56781234');
    assert.equal(decodeRegisters(Buffer.from('0950', 'hex'), 0, 'bcd16', 'ABCD'), 950);
    assert.throws(() => decodeRegisters(Buffer.from('12ab', 'hex'), 0, 'bcd16', 'ABCD'), /0x12ab is not binary-coded decimal/);
    assert.throws(() => encodeRegisters(10000, 'bcd16', 'ABCD'), /does not fit 4 BCD digits/);
  });

  it('packs strings as H, L, D and E, trimming trailing NULs and spaces', () => {
    const cases: [StringMode, string][] = [
      ['H', '48492100'],
      ['L', '49480021'],
      ['D', '004800490021'],
      ['E', '480049002100'],
    ];
    for (const [mode, hex] of cases) {
      const length = mode === 'H' || mode === 'L' ? 4 : 3;
      assert.equal(encodeString('HI!', length, mode).toString('hex'), hex, mode);
      assert.equal(decodeString(Buffer.from(hex, 'hex'), 0, length, mode), 'HI!', mode);
    }
    assert.equal(decodeString(Buffer.from('4142202000000000', 'hex'), 0, 8, 'H'), 'AB');
    assert.throws(() => encodeString('too long', 4, 'H'), /longer than the 4 characters/);
  });

  it('reads single bits of a register, bit 0 being the least significant', () => {
    const data = Buffer.from('8001', 'hex');
    assert.equal(registerBit(data, 0, 0), true);
    assert.equal(registerBit(data, 0, 1), false);
    assert.equal(registerBit(data, 0, 15), true);
  });
});
