import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkModbusTag, parseModbusAddress } from './address.ts';

describe('Modbus address parser', () => {
  const good: [string, object][] = [
    ['HR0', { area: 'holding', address: 0 }],
    ['hr100', { area: 'holding', address: 100 }],
    ['IR7', { area: 'input', address: 7 }],
    ['CO12', { area: 'coil', address: 12 }],
    ['DI65535', { area: 'discrete', address: 65535 }],
    ['HR100.3', { area: 'holding', address: 100, bit: 3 }],
    ['40001', { area: 'holding', address: 0 }],
    ['30010', { area: 'input', address: 9 }],
    ['00001', { area: 'coil', address: 0 }],
    ['10002', { area: 'discrete', address: 1 }],
    ['465536', { area: 'holding', address: 65535 }],
    ['40010.15', { area: 'holding', address: 9, bit: 15 }],
  ];
  for (const [text, expected] of good) {
    it(`parses ${text}`, () => assert.deepEqual(parseModbusAddress(text), { ok: true, address: expected }));
  }

  const bad: [string, RegExp][] = [
    ['XX5', /unknown area "XX".*position 1/],
    ['HR70000', /above 65535/],
    ['HR1.16', /bit 16 is outside 0..15 \(at position 5\)/],
    ['CO1.2', /applies to registers only/],
    ['50001', /must start with 0, 1, 3 or 4/],
    ['4001', /must have 5 or 6 digits/],
    ['40000', /outside 1..9999/],
    ['HR-1', /not a Modbus address.*position 3/],
    ['', /not a Modbus address/],
  ];
  for (const [text, reason] of bad) {
    it(`refuses "${text}" with the reason`, () => {
      const result = parseModbusAddress(text);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, reason);
    });
  }

  const typed: [string, string, object][] = [
    ['1!400001', 'int16', { area: 'holding', address: 0, unitId: 1 }],
    ['1!40001', 'int16', { area: 'holding', address: 0, unitId: 1 }],
    ['1!4000127', 'int16', { area: 'holding', address: 126, unitId: 1 }],
    ['1!400010.4', 'bool', { area: 'holding', address: 9, unitId: 1, bit: 4 }],
    ['1!400001#LB', 'float32', { area: 'holding', address: 0, unitId: 1, byteOrder: 'BADC' }],
    ['1!400001#BL', 'int32', { area: 'holding', address: 0, unitId: 1, byteOrder: 'CDAB' }],
    ['1!400001#BB', 'int32', { area: 'holding', address: 0, unitId: 1, byteOrder: 'DCBA' }],
    ['1!400001#LL', 'int32', { area: 'holding', address: 0, unitId: 1, byteOrder: 'ABCD' }],
    ['1!400001#B', 'int16', { area: 'holding', address: 0, unitId: 1, byteOrder: 'BADC' }],
    ['2!300001#CDAB', 'float32', { area: 'input', address: 0, unitId: 2, byteOrder: 'CDAB' }],
    ['1!400020.10H', 'string', { area: 'holding', address: 19, unitId: 1, length: 10, stringMode: 'H' }],
    ['1!400020.10', 'string', { area: 'holding', address: 19, unitId: 1, length: 10, stringMode: 'H' }],
    ['HR10.7L', 'string', { area: 'holding', address: 10, length: 7, stringMode: 'L' }],
    ['IR4.3d', 'string', { area: 'input', address: 4, length: 3, stringMode: 'D' }],
    ['5!000001', 'bool', { area: 'coil', address: 0, unitId: 5 }],
  ];
  for (const [text, type, expected] of typed) {
    it(`parses ${text} as ${type}`, () => assert.deepEqual(parseModbusAddress(text, { type: type as never }), { ok: true, address: expected }));
  }

  it('counts HR/IR/CO/DI addresses from 1 when the device says so; Modicon numbers are always one-based', () => {
    assert.deepEqual(parseModbusAddress('HR1', { addressBase: 1 }), { ok: true, address: { area: 'holding', address: 0 } });
    assert.deepEqual(parseModbusAddress('40001', { addressBase: 1 }), { ok: true, address: { area: 'holding', address: 0 } });
    const zero = parseModbusAddress('HR0', { addressBase: 1 });
    assert.equal(zero.ok, false);
    if (!zero.ok) assert.match(zero.error, /below 1: this device counts addresses from 1/);
  });

  const typedBad: [string, string, RegExp][] = [
    ['300!400001', 'int16', /unit id 300 is above 255/],
    ['1!400001#XY', 'int32', /unknown byte order "#XY".*\(at position 9\)/],
    ['1!400001.0', 'string', /string length 0 is outside 1..250/],
    ['HR1.200D', 'string', /string length 200 is outside 1..125 for mode D/],
    ['HR1.5H', 'int16', /applies to string tags only/],
    ['CO1.5', 'string', /a string needs registers/],
  ];
  for (const [text, type, reason] of typedBad) {
    it(`refuses "${text}" as ${type}`, () => {
      const result = parseModbusAddress(text, { type: type as never });
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, reason);
    });
  }

  it('checks that the type fits the address', () => {
    assert.match(checkModbusTag('HR0', 'string') ?? '', /a string needs its length in characters, e.g. HR0.20/);
    assert.equal(checkModbusTag('HR0.20', 'string'), undefined);
    assert.equal(checkModbusTag('HR0', 'bcd32'), undefined);
    assert.equal(checkModbusTag('HR0', 'float32'), undefined);
    assert.equal(checkModbusTag('HR0.1', 'bool'), undefined);
    assert.equal(checkModbusTag('CO0', 'bool'), undefined);
    assert.match(checkModbusTag('CO0', 'int16') ?? '', /coils hold bool values, not int16/);
    assert.match(checkModbusTag('HR0', 'bool') ?? '', /needs a bit number, e.g. HR0.0/);
    assert.match(checkModbusTag('HR0.1', 'int16') ?? '', /is a bool, not int16/);
    assert.match(checkModbusTag('HR65534', 'float64') ?? '', /runs past register 65535/);
  });
});
