/** Debian's mbpoll, an independent Modbus master, reads and writes the simulator correctly. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeRegisters } from '../../drivers/modbus/codec.ts';
import { modbusSimulator } from '../../test/helpers/stack.ts';
import type { ModbusSimulator } from './server.ts';

const run = promisify(execFile);

describe('Modbus simulator checked by mbpoll', () => {
  let sim: ModbusSimulator;
  let port: number;

  before(async () => {
    sim = modbusSimulator({
      units: [
        {
          id: 1,
          points: [
            { area: 'holding', address: 0, type: 'float32', byteOrder: 'ABCD', count: 1, value: 42.5 },
            { area: 'holding', address: 2, type: 'int16', byteOrder: 'ABCD', count: 1, value: -7 },
            { area: 'holding', address: 4, type: 'int32', byteOrder: 'ABCD', count: 1, value: -100000 },
            { area: 'input', address: 5, type: 'uint16', byteOrder: 'ABCD', count: 1, value: 999 },
            { area: 'coil', address: 3, type: 'bool', byteOrder: 'ABCD', count: 1, value: true },
            { area: 'discrete', address: 1, type: 'bool', byteOrder: 'ABCD', count: 1, value: true },
          ],
        },
      ],
    }) as ModbusSimulator;
    port = await sim.start();
  });

  after(() => sim.stop());

  /** Runs mbpoll once (-1) with one-based references, as its users type them; returns the value lines. */
  async function mbpoll(...args: string[]): Promise<string[]> {
    const { stdout } = await run('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '1', '-0', ...args], { timeout: 10_000 });
    return stdout
      .split('\n')
      .filter((l) => /^\[\d+\]:/.test(l))
      .map((l) => l.replace(/\s+/g, ' ').trim());
  }

  it('serves holding registers as float32, int16 and int32', async () => {
    assert.deepEqual(await mbpoll('-r', '0', '-t', '4:float', '-B', '-1', '127.0.0.1'), ['[0]: 42.5']);
    assert.deepEqual(await mbpoll('-r', '2', '-t', '4', '-1', '127.0.0.1'), ['[2]: 65529 (-7)']);
    assert.deepEqual(await mbpoll('-r', '4', '-t', '4:int', '-B', '-1', '127.0.0.1'), ['[4]: -100000']);
  });

  it('serves input registers, coils and discrete inputs', async () => {
    assert.deepEqual(await mbpoll('-r', '5', '-t', '3', '-1', '127.0.0.1'), ['[5]: 999']);
    assert.deepEqual(await mbpoll('-r', '2', '-c', '3', '-t', '0', '-1', '127.0.0.1'), ['[2]: 0', '[3]: 1', '[4]: 0']);
    assert.deepEqual(await mbpoll('-r', '1', '-t', '1', '-1', '127.0.0.1'), ['[1]: 1']);
  });

  it('takes writes of registers (FC 6 and 16) and coils (FC 5)', async () => {
    await mbpoll('-r', '10', '-t', '4', '127.0.0.1', '1234');
    assert.equal(sim.registers(1, 'holding', 10, 1).readUInt16BE(0), 1234);
    await mbpoll('-r', '20', '-t', '4:float', '-B', '127.0.0.1', '--', '-3.25');
    assert.equal(decodeRegisters(sim.registers(1, 'holding', 20, 2), 0, 'float32', 'ABCD'), -3.25);
    await mbpoll('-r', '7', '-t', '0', '127.0.0.1', '1');
    assert.equal(sim.bit(1, 'coil', 7), true);
    assert.deepEqual(await mbpoll('-r', '10', '-t', '4', '-1', '127.0.0.1'), ['[10]: 1234']);
  });
});
