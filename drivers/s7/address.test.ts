import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataType } from '../contract.ts';
import { checkS7Tag, parseS7Address } from './address.ts';

const parse = (text: string, type?: DataType) => {
  const r = parseS7Address(text, type);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.error}`);
  const { area, db, offset, bit, s7Type, type: t, length, size } = r.address;
  return { area, db, offset, bit, s7Type, type: t, length, size };
};

describe('S7 addresses', () => {
  it('reads the typed data block forms, short letters included', () => {
    assert.deepEqual(parse('DB1,REAL0'), { area: 'DB', db: 1, offset: 0, bit: undefined, s7Type: 'REAL', type: 'float32', length: undefined, size: 4 });
    assert.deepEqual(parse('DB1,X8.3'), { area: 'DB', db: 1, offset: 8, bit: 3, s7Type: 'BOOL', type: 'bool', length: undefined, size: 1 });
    assert.deepEqual(parse('DB1,S20.32'), { area: 'DB', db: 1, offset: 20, bit: undefined, s7Type: 'STRING', type: 'string', length: 32, size: 34 });
    assert.deepEqual(parse('db12,c4.10'), { area: 'DB', db: 12, offset: 4, bit: undefined, s7Type: 'CHAR', type: 'string', length: 10, size: 10 });
    const cases: [string, string, DataType, number][] = [
      ['DB1,INT2', 'INT', 'int16', 2],
      ['DB1,I2', 'INT', 'int16', 2],
      ['DB1,DINT4', 'DINT', 'int32', 4],
      ['DB1,DI4', 'DINT', 'int32', 4],
      ['DB1,BYTE9', 'BYTE', 'uint8', 1],
      ['DB1,B9', 'BYTE', 'uint8', 1],
      ['DB1,WORD10', 'WORD', 'uint16', 2],
      ['DB1,DWORD12', 'DWORD', 'uint32', 4],
      ['DB1,DW12', 'DWORD', 'uint32', 4],
      ['DB1,R0', 'REAL', 'float32', 4],
      ['DB1,LREAL8', 'LREAL', 'float64', 8],
      ['DB1,SINT1', 'SINT', 'int8', 1],
      ['DB1,USINT1', 'USINT', 'uint8', 1],
      ['DB1,UINT2', 'UINT', 'uint16', 2],
      ['DB1,UDINT4', 'UDINT', 'uint32', 4],
      ['DB1,LINT8', 'LINT', 'int64', 8],
      ['DB1,ULINT8', 'ULINT', 'uint64', 8],
      ['DB1,LWORD8', 'LWORD', 'uint64', 8],
    ];
    for (const [text, s7Type, type, size] of cases) assert.deepEqual([parse(text).s7Type, parse(text).type, parse(text).size], [s7Type, type, size], text);
  });

  it('reads Siemens absolute, offset-only, merker, input and output forms, with the tag type deciding what a size holds', () => {
    assert.deepEqual(parse('DB1.DBX8.3'), parse('DB1,X8.3'));
    assert.deepEqual([parse('DB1.DBW10', 'int16').type, parse('DB1.DBD12', 'float32').s7Type, parse('DB1.DBB9').type], ['int16', 'REAL', 'uint8']);
    assert.deepEqual([parse('DB1,12', 'float32').s7Type, parse('DB1,12', 'uint32').s7Type, parse('DB1,8.3', 'bool').bit], ['REAL', 'DWORD', 3]);
    assert.deepEqual([parse('DB1,20.32', 'string').length, parse('DB1,20.32', 'string').size], [32, 34]);
    assert.deepEqual(parse('M10.0'), { area: 'M', db: 0, offset: 10, bit: 0, s7Type: 'BOOL', type: 'bool', length: undefined, size: 1 });
    assert.deepEqual([parse('MB10').size, parse('MW12', 'int16').type, parse('MD14', 'float32').s7Type, parse('MD14').type], [1, 'int16', 'REAL', 'uint32']);
    assert.deepEqual([parse('I0.0').area, parse('E0.7').area, parse('IW4').size, parse('ED8', 'int32').type], ['I', 'I', 2, 'int32']);
    assert.deepEqual([parse('Q0.1').area, parse('A1.1').area, parse('QW2').size, parse('AB3').offset], ['Q', 'Q', 2, 3]);
  });

  it('refuses a bad address with the reason', () => {
    const reason = (text: string, type?: DataType) => {
      const r = parseS7Address(text, type);
      assert.equal(r.ok, false, text);
      return r.ok ? '' : r.error;
    };
    assert.match(reason('DB1.DBW'), /is not a data block address: use DB1,REAL0/);
    assert.equal(reason('DB0,INT0'), 'DB number 0 is outside 1..65535');
    assert.match(reason('DB1,FLOAT0'), /^unknown S7 type "FLOAT" in DB1,FLOAT0: use X, BYTE/);
    assert.equal(reason('DB1,X8'), 'DB1,X8 is a bit address and needs a bit number, e.g. DB1,X8.0');
    assert.equal(reason('DB1,X8.8'), 'bit 8 is outside 0..7 in DB1,X8.8');
    assert.equal(reason('M10.9'), 'bit 9 is outside 0..7 in M10.9');
    assert.equal(reason('DB1,S20'), 'a STRING needs its maximum length, e.g. DB1,S20.32');
    assert.equal(reason('DB1,S20.255'), 'string length 255 is outside 1..254 in DB1,S20.255');
    assert.match(reason('DB1,INT2.4'), /\.4 applies to bits \(X\), strings \(S\) and characters \(C\) only; arrays are not supported/);
    assert.match(reason('MW12.1'), /a bit number applies to bit addresses only \(e\.g\. M12\.1\)/);
    assert.equal(reason('DB1,REAL65533'), 'DB1,REAL65533 runs past byte 65535');
    assert.match(reason('DB1,12'), /names no S7 type/);
    assert.match(reason('PIW256'), /peripheral I\/O, timers and counters are not supported/);
    assert.match(reason('T5'), /not supported/);
    assert.match(reason('HR100'), /is not an S7 address/);
    assert.match(reason(''), /is not an S7 address/);
  });

  it('refuses a tag type the address cannot hold, with the reason', () => {
    assert.equal(checkS7Tag('DB1,REAL0', 'int16'), 'DB1,REAL0 (REAL) holds float32, not int16');
    assert.equal(checkS7Tag('DB1,INT2', 'uint16'), 'DB1,INT2 (INT) holds int16, not uint16');
    assert.equal(checkS7Tag('DB1,X8.3', 'int16'), 'DB1,X8.3 (a bit) holds bool, not int16');
    assert.equal(checkS7Tag('MW12', 'float32'), 'MW12 (2 bytes) holds uint16, int16 or bcd16, not float32');
    assert.equal(checkS7Tag('MB10', 'string'), 'strings live in data blocks only (e.g. DB1,S20.32), not in merkers');
    assert.match(checkS7Tag('DB1,0', 'datetime') ?? '', /^S7 addresses hold no datetime values/);
    for (const [address, type] of [
      ['DB1,WORD10', 'int16'],
      ['DB1,WORD10', 'bcd16'],
      ['DB1,DWORD12', 'int32'],
      ['DB1,S20.32', 'string'],
      ['DB1,C4.2', 'string'],
      ['MD14', 'float32'],
      ['QD4', 'bcd32'],
      ['DB1,12', 'float64'],
      ['IB0', 'int8'],
    ] as [string, DataType][])
      assert.equal(checkS7Tag(address, type), undefined, `${address} as ${type}`);
  });
});
