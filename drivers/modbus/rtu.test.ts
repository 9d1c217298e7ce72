import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFramer } from './framing.ts';
import { crc16, decodeRtu, encodeRtu, rtuFrameLength } from './rtu.ts';

describe('Modbus RTU framing', () => {
  it('computes the CRC of the classic example (01 03 00 00 00 0A → C5 CD)', () => {
    assert.equal(encodeRtu(1, Buffer.from('030000000a', 'hex')).toString('hex'), '01030000000ac5cd');
    assert.equal(crc16(Buffer.from('01030000000a', 'hex')), 0xcdc5);
  });

  it('works out frame lengths from the function code', () => {
    assert.equal(rtuFrameLength(Buffer.from('0103', 'hex'), true), undefined);
    assert.equal(rtuFrameLength(Buffer.from('010304', 'hex'), true), 9);
    assert.equal(rtuFrameLength(Buffer.from('0183', 'hex'), true), 5);
    assert.equal(rtuFrameLength(Buffer.from('0106', 'hex'), true), 8);
    assert.equal(rtuFrameLength(Buffer.from('011000000002', 'hex'), false), undefined);
    assert.equal(rtuFrameLength(Buffer.from('01100000000204', 'hex'), false), 13);
  });

  it('refuses a frame whose CRC does not match', () => {
    assert.throws(() => decodeRtu(Buffer.from('01030000000ac5ce', 'hex')), /CRC mismatch \(got 0xcec5, expected 0xcdc5\)/);
  });

  it('assembles a response that arrives in pieces, and fails the request on a corrupt one', () => {
    const framer = createFramer('rtu');
    const response = encodeRtu(1, Buffer.from('03020102', 'hex'));
    const inFlight = { transactionId: 1, unitId: 1 };
    assert.deepEqual(framer.push(response.subarray(0, 3), inFlight), []);
    assert.deepEqual(framer.push(response.subarray(3), inFlight), [{ kind: 'response', unitId: 1, pdu: Buffer.from('03020102', 'hex') }]);
    const corrupt = Buffer.from(response);
    corrupt[3] = (corrupt[3] as number) ^ 0xff;
    const [event] = framer.push(corrupt, inFlight);
    assert.equal(event?.kind, 'bad');
    assert.deepEqual(framer.push(Buffer.from('ff'), undefined)[0]?.kind, 'discard', 'bytes with nothing in flight are dropped');
  });
});
