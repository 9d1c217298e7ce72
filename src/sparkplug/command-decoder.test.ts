import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { decodeCommand, MAX_COMMAND_BYTES, MalformedPayloadError } from './command-decoder.ts';

const require = createRequire(import.meta.url);
const sparkplug = require('sparkplug-payload').get('spBv1.0');

describe('command decoder', () => {
  it('reads names, aliases, datatypes and values of a library-encoded command', () => {
    const payload = sparkplug.encodePayload({
      timestamp: 1,
      metrics: [
        { name: 'Node Control/Rebirth', type: 'Boolean', value: true },
        { alias: 7, type: 'Int16', value: -3 },
        { name: 'Big', type: 'Int64', value: -5 },
        { name: 'F', type: 'Float', value: 1.5 },
        { name: 'D', type: 'Double', value: 2.25 },
        { name: 'S', type: 'String', value: 'héllo' },
      ],
    });
    const metrics = decodeCommand(payload);
    assert.deepEqual(metrics[0], { name: 'Node Control/Rebirth', datatype: 11, isNull: false, value: { field: 'bool', value: true } });
    assert.equal(metrics[1]?.alias, 7);
    assert.equal(metrics[1]?.value?.field, 'int');
    assert.equal((metrics[1]?.value?.value as number) | 0, -3, 'Int16 travels as a 32-bit two’s complement');
    assert.equal(BigInt.asIntN(64, metrics[2]?.value?.value as bigint), -5n);
    assert.deepEqual(
      metrics.slice(3).map((m) => m.value),
      [
        { field: 'float', value: 1.5 },
        { field: 'double', value: 2.25 },
        { field: 'string', value: 'héllo' },
      ],
    );
  });

  it('tells a metric with no value from a metric with value 0', () => {
    // metric { name: "x", datatype: Int32 } with no value field
    const noValue = Buffer.from([0x12, 0x05, 0x0a, 0x01, 0x78, 0x20, 0x03]);
    assert.equal(decodeCommand(noValue)[0]?.value, undefined);
  });

  it('refuses random bytes, truncated fields and oversized payloads with a reason', () => {
    assert.throws(() => decodeCommand(Buffer.from([0x12, 0xff, 0xff, 0xff, 0x0f, 0x01])), MalformedPayloadError);
    assert.throws(() => decodeCommand(Buffer.from([0x12, 0x03, 0x0a, 0x05, 0x41])), /runs past the end/);
    assert.throws(() => decodeCommand(Buffer.from([0x0b])), /wire type 3/);
    assert.throws(() => decodeCommand(Buffer.alloc(MAX_COMMAND_BYTES + 1)), /exceeds/);
  });

  it('skips deeply nested templates in linear time', () => {
    // A template value (field 18) nested 5000 deep: each level is a metric inside a template.
    let inner: Buffer = Buffer.from([0x0a, 0x01, 0x78]);
    for (let i = 0; i < 5000; i++) {
      const template = Buffer.concat([Buffer.from([0x1a]), varint(inner.length), inner]); // Template.metrics
      inner = Buffer.concat([Buffer.from([0x92, 0x01]), varint(template.length), template]); // Metric.template_value
    }
    const payload = Buffer.concat([Buffer.from([0x12]), varint(inner.length), inner]);
    const metrics = decodeCommand(payload);
    assert.equal(metrics.length, 1);
    assert.equal(metrics[0]?.value?.field, 'other');
  });
});

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
