import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryProof } from './delivery-proof.ts';

describe('delivery proof', () => {
  it('proves what was written before each answered ping, in order', () => {
    const p = new DeliveryProof();
    p.sent([1, 2]);
    p.pingSent(); // covers 1, 2
    p.sent([3]);
    assert.equal(p.covered, false);
    p.pingSent(); // covers 1, 2, 3
    assert.equal(p.covered, true);
    p.sent([4]);
    assert.deepEqual(p.pingAnswered(), [1, 2]);
    assert.deepEqual(p.pingAnswered(), [3]);
    assert.equal(p.pending, 1, 'batch 4 waits for a later ping');
    assert.deepEqual(p.pingAnswered(), [], 'an answer to no known ping proves nothing');
  });

  it('forgets everything when the connection is lost', () => {
    const p = new DeliveryProof();
    p.sent([1]);
    p.pingSent();
    p.reset();
    assert.deepEqual(p.pingAnswered(), []);
    assert.equal(p.pending, 0);
  });
});
