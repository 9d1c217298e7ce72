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

  it('checks that the type fits the address', () => {
    assert.equal(checkModbusTag('HR0', 'float32'), undefined);
    assert.equal(checkModbusTag('HR0.1', 'bool'), undefined);
    assert.equal(checkModbusTag('CO0', 'bool'), undefined);
    assert.match(checkModbusTag('CO0', 'int16') ?? '', /coils hold bool values, not int16/);
    assert.match(checkModbusTag('HR0', 'bool') ?? '', /needs a bit number, e.g. HR0.0/);
    assert.match(checkModbusTag('HR0.1', 'int16') ?? '', /is a bool, not int16/);
    assert.match(checkModbusTag('HR65534', 'float64') ?? '', /runs past register 65535/);
  });
});
