import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { modbusSimulator } from '../../test/helpers/stack.ts';
import type { ModbusSimulator } from './server.ts';

describe('Modbus simulator', () => {
  it('plays a scenario on its clock, looping when asked', async () => {
    const clock = new FakeClock(0);
    const sim = modbusSimulator(
      {
        units: [{ id: 1, points: [{ area: 'holding', address: 0, type: 'uint16', value: 1 }] }],
        scenario: {
          loop: true,
          steps: [
            { atMs: 1000, unit: 1, area: 'holding', address: 0, type: 'uint16', value: 20 },
            { atMs: 2000, unit: 1, area: 'holding', address: 0, type: 'uint16', value: 30 },
          ],
        },
      },
      { clock },
    ) as ModbusSimulator;
    const started = sim.start();
    const read = () => sim.registers(1, 'holding', 0, 1).readUInt16BE(0);
    await clock.advance(999);
    assert.equal(read(), 1);
    await clock.advance(1);
    assert.equal(read(), 20);
    await clock.advance(1000);
    assert.equal(read(), 30);
    await clock.advance(1001);
    assert.equal(read(), 20, 'the loop started again');
    await started;
    await sim.stop();
    assert.equal(clock.pending, 0, 'stop() leaves no timer');
  });
});
