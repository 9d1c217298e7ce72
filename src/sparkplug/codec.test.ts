/** Our encoder, decoded by sparkplug-payload's own decoder: the types OPC UA and S7 add (Int8, UInt8, DateTime, Bytes). */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { encodePayload, SPARKPLUG_TYPE_OF } from './codec.ts';

const sparkplug = createRequire(import.meta.url)('sparkplug-payload').get('spBv1.0');

describe('Sparkplug encoding of the newer tag types', () => {
  it('encodes int8, uint8, datetime and bytes with their Sparkplug datatypes', () => {
    const at = Date.parse('2026-11-22T08:00:00Z');
    const payload = encodePayload(at, [
      { name: 'i8', timestamp: at, datatype: SPARKPLUG_TYPE_OF.int8, value: -100 },
      { name: 'u8', timestamp: at, datatype: SPARKPLUG_TYPE_OF.uint8, value: 200 },
      { name: 'when', timestamp: at, datatype: SPARKPLUG_TYPE_OF.datetime, value: Date.parse('2030-05-06T07:08:09.123Z') },
      { name: 'raw', timestamp: at, datatype: SPARKPLUG_TYPE_OF.bytes, value: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') },
    ]);
    const decoded = sparkplug.decodePayload(payload);
    const byName = new Map(decoded.metrics.map((m: { name: string }) => [m.name, m]));
    const of = (name: string) => byName.get(name) as { type: string; value: unknown };
    assert.equal(of('i8').type, 'Int8');
    assert.equal(((of('i8').value as number) << 24) >> 24, -100, 'two’s complement in int_value');
    assert.deepEqual([of('u8').type, of('u8').value], ['UInt8', 200]);
    assert.equal(of('when').type, 'DateTime');
    assert.equal(Number(of('when').value), Date.parse('2030-05-06T07:08:09.123Z'));
    assert.equal(of('raw').type, 'Bytes');
    assert.deepEqual([...(of('raw').value as Uint8Array)], [0xde, 0xad, 0xbe, 0xef]);
  });
});

describe('Sparkplug metric properties', () => {
  it('encodes metadata with its types, and Quality after it', () => {
    const at = Date.parse('2026-11-22T08:00:00Z');
    const properties = { engUnit: 'kWh', engHigh: 1000, ratio: 0.5, big: 2 ** 40, negative: -3, calibrated: true };
    const payload = encodePayload(at, [{ name: 'Energy', timestamp: at, datatype: SPARKPLUG_TYPE_OF.float64, value: 1.5, properties, quality: 'stale' }]);
    const decoded = sparkplug.decodePayload(payload).metrics[0].properties as Record<string, { type: string; value: unknown }>;
    const plain = Object.fromEntries(Object.entries(decoded).map(([k, p]) => [k, [p.type, typeof p.value === 'object' ? Number(p.value) : p.value]]));
    assert.deepEqual(plain, {
      engUnit: ['String', 'kWh'],
      engHigh: ['Int32', 1000],
      ratio: ['Double', 0.5],
      big: ['Int64', 2 ** 40],
      negative: ['Int32', -3],
      calibrated: ['Boolean', true],
      Quality: ['Int32', 500],
    });
  });
});
