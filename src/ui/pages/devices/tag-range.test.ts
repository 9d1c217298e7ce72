/** Ranges of tags: counters in names, addresses stepped in each protocol's syntax. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultStep, fillCounter, generateRange, type RangeSpec, stepAddress } from './tag-range.ts';

const spec = (over: Partial<RangeSpec>): RangeSpec => ({
  protocol: 'modbus',
  namePattern: 'T{n}',
  first: 1,
  count: 3,
  startAddress: '40001',
  step: 2,
  type: 'float32',
  access: 'read',
  ...over,
});
const addresses = (s: Partial<RangeSpec>) => generateRange(spec(s)).tags.map((t) => t.address);
const step = (protocol: string, start: string, index: number, by: number, type = 'int16') => {
  const r = stepAddress(protocol, start, index, by, type);
  return r.ok ? r.address : `error: ${r.error}`;
};

describe('tag ranges', () => {
  it('fills the counter in names, padded on request', () => {
    assert.equal(fillCounter('T{n}', 7), 'T7');
    assert.equal(fillCounter('Line1/Temp_{n:3}', 7), 'Line1/Temp_007');
    const { tags } = generateRange(spec({ count: 2, unit: 'bar', description: 'Sensor {n}' }));
    assert.deepEqual(tags, [
      { name: 'T1', address: '40001', type: 'float32', access: 'read', unit: 'bar', description: 'Sensor 1' },
      { name: 'T2', address: '40003', type: 'float32', access: 'read', unit: 'bar', description: 'Sensor 2' },
    ]);
  });

  it('steps Modbus addresses: Modicon 5 and 6 digits, areas, bits, Neuron unit ids', () => {
    assert.deepEqual(addresses({ count: 50 }).slice(-2), ['40097', '40099']);
    assert.deepEqual(addresses({ startAddress: '400001' }), ['400001', '400003', '400005']);
    assert.equal(step('modbus', '49999', 1, 2), '410001', 'past 9999 a 5-digit address becomes its 6-digit form');
    assert.equal(step('modbus', '00001', 2, 1), '00003');
    assert.deepEqual(addresses({ startAddress: 'HR100', step: 4, type: 'float64' }), ['HR100', 'HR104', 'HR108']);
    assert.deepEqual(addresses({ startAddress: 'HR10.14', step: 1, type: 'bool' }), ['HR10.14', 'HR10.15', 'HR11.0']);
    assert.deepEqual(addresses({ startAddress: 'HR20.10', step: 5, type: 'string' }), ['HR20.10', 'HR25.10', 'HR30.10'], 'a string keeps its length');
    assert.equal(step('modbus', '1!400001#BB', 1, 2), '1!400003#BB');
    assert.match(step('modbus', '4001', 1, 1), /^error: Modicon addresses have 5 or 6 digits/);
    assert.match(step('modbus', 'HR65535', 2, 1), /^error: register 65537 is past the end/);
  });

  it('steps S7 addresses by bytes, and bits for bools', () => {
    assert.deepEqual(addresses({ protocol: 's7', startAddress: 'DB1,REAL0', step: 4 }), ['DB1,REAL0', 'DB1,REAL4', 'DB1,REAL8']);
    assert.deepEqual(addresses({ protocol: 's7', startAddress: 'DB1.DBD12', step: 4 }), ['DB1.DBD12', 'DB1.DBD16', 'DB1.DBD20']);
    assert.deepEqual(addresses({ protocol: 's7', startAddress: 'DB1,X0.6', step: 1, type: 'bool' }), ['DB1,X0.6', 'DB1,X0.7', 'DB1,X1.0']);
    assert.deepEqual(addresses({ protocol: 's7', startAddress: 'M10.7', step: 1, type: 'bool' }), ['M10.7', 'M11.0', 'M11.1']);
    assert.deepEqual(addresses({ protocol: 's7', startAddress: 'DB2,S20.32', step: 34, type: 'string' }), ['DB2,S20.32', 'DB2,S54.32', 'DB2,S88.32']);
    assert.deepEqual(addresses({ protocol: 's7', startAddress: 'MW10', step: 2, type: 'int16' }), ['MW10', 'MW12', 'MW14']);
    assert.equal(defaultStep('s7', 'float32', 'DB1,REAL0'), 4);
    assert.equal(defaultStep('s7', 'string', 'DB1,S20.32'), 34);
    assert.equal(defaultStep('modbus', 'float32', '40001'), 2);
    assert.equal(defaultStep('modbus', 'int64', 'HR0'), 4);
  });

  it('steps OPC UA numeric identifiers, and fills {n} in string identifiers', () => {
    assert.deepEqual(addresses({ protocol: 'opcua', startAddress: 'ns=2;i=1000', step: 1 }), ['ns=2;i=1000', 'ns=2;i=1001', 'ns=2;i=1002']);
    assert.deepEqual(addresses({ protocol: 'opcua', startAddress: 'ns=2;s=Line1.Temp{n}', first: 5 }), [
      'ns=2;s=Line1.Temp5',
      'ns=2;s=Line1.Temp6',
      'ns=2;s=Line1.Temp7',
    ]);
    assert.deepEqual(addresses({ protocol: 'opcua', startAddress: 'ns=2;s=Motor01.Speed', step: 1 }), [
      'ns=2;s=Motor01.Speed',
      'ns=2;s=Motor02.Speed',
      'ns=2;s=Motor03.Speed',
    ]);
    assert.match(step('opcua', 'ns=2;s=Speed', 1, 1), /needs a number to count, or \{n\}/);
    assert.match(step('opcua', 'ns=1;g=72962b91-fa75-4ae6-8d28-b404dc7daf63', 1, 1), /only numeric \(i=\) and string \(s=\) NodeIds/);
  });

  it('says what is wrong with the range itself', () => {
    assert.deepEqual(generateRange(spec({ namePattern: 'Temp' })).errors, [
      { field: 'namePattern', message: 'needs {n} where the counter goes, so that every name differs' },
    ]);
    assert.deepEqual(
      generateRange(spec({ count: 0 })).errors.map((e) => e.field),
      ['count'],
    );
    assert.deepEqual(generateRange(spec({ startAddress: 'XYZ' })).errors, [
      { field: 'startAddress', message: '"XYZ" is not a Modbus address to count from (e.g. 40001, 400001 or HR0)' },
    ]);
    assert.equal(generateRange(spec({ namePattern: 'Only', count: 1 })).tags[0]?.name, 'Only', 'one tag needs no counter');
  });
});
