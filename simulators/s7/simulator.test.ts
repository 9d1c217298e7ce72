import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S7Driver } from '../../drivers/s7/driver.ts';
import { type S7Connection, S7ConnectionSchema } from '../../drivers/s7/settings.ts';
import { assertSchema } from '../../src/config/schema-errors.ts';
import { ConfigError } from '../../src/errors.ts';
import { driverDeps } from '../../test/helpers/driver-deps.ts';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { freePort } from '../../test/helpers/net.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { s7SimulatorPlugin } from './plugin.ts';
import { type S7Simulator, SimulatorUnavailableError } from './server.ts';

const simulator = (config: unknown, opts: ConstructorParameters<typeof S7Simulator>[1] = {}) => s7SimulatorPlugin.create(config, opts) as S7Simulator;

describe('S7 simulator', () => {
  it('moves generated values with its clock, and keeps what a client writes', async () => {
    const clock = new FakeClock(0);
    const port = await freePort();
    const sim = simulator(
      {
        dataBlocks: [{ number: 1, size: 16 }],
        updateIntervalMs: 100,
        values: [
          { address: 'DB1,DINT0', generator: { kind: 'counter', step: 1, intervalMs: 1000 } },
          { address: 'DB1,INT4', generator: { kind: 'counter', start: 10, step: 10, intervalMs: 1000 } },
          { address: 'M0.0', generator: { kind: 'toggle', periodMs: 1000 } },
          { address: 'MW2', type: 'int16', count: 3, value: -1 },
        ],
      },
      { clock, port },
    );
    await sim.start();
    const driver = new S7Driver(
      {
        name: 'plc',
        connection: assertSchema<S7Connection>(S7ConnectionSchema, { host: '127.0.0.1', port }, 'connection'),
        groups: [{ name: 'g', tags: [{ name: 'setpoint', address: 'DB1,INT4', type: 'int16' }] }],
      },
      driverDeps(),
    );
    try {
      assert.deepEqual([sim.valueAt('DB1,DINT0'), sim.valueAt('DB1,INT4'), sim.valueAt('M0.0')], [0, 10, false]);
      assert.deepEqual([sim.valueAt('MW2', 'int16'), sim.valueAt('MW6', 'int16'), sim.valueAt('MW8', 'int16')], [-1, -1, 0], 'count repeats a value');
      await clock.advance(1000);
      assert.deepEqual([sim.valueAt('DB1,DINT0'), sim.valueAt('DB1,INT4'), sim.valueAt('M0.0')], [1, 20, true]);
      driver.start();
      await waitFor(() => driver.connection.state === 'connected', 'connected');
      await driver.write('setpoint', 1500);
      await waitFor(() => sim.writesSeen === 1, 'the write event');
      await clock.advance(2000);
      assert.deepEqual([sim.valueAt('DB1,DINT0'), sim.valueAt('DB1,INT4')], [3, 1500], 'the written value stays; the others move on');
    } finally {
      await driver.stop();
      await sim.stop();
    }
    assert.equal(clock.pending, 0, 'stop() leaves no timer');
  });

  it('runs a demo machine without a configuration, granting the PDU size it is told to', async () => {
    const port = await freePort();
    // As config validation leaves it: defaults filled in, no data blocks and no values.
    const sim = simulator({ pduSize: 240, dataBlocks: [], values: [] }, { port });
    await sim.start();
    const driver = new S7Driver(
      {
        name: 'plc',
        connection: assertSchema<S7Connection>(S7ConnectionSchema, { host: '127.0.0.1', port }, 'connection'),
        groups: [
          {
            name: 'g',
            tags: [
              { name: 'recipe', address: 'DB1,S16.32', type: 'string' },
              { name: 'setpoint', address: 'DB1,INT12', type: 'int16' },
              { name: 'door', address: 'I0.0', type: 'bool' },
            ],
          },
        ],
      },
      driverDeps(),
    );
    try {
      driver.start();
      await waitFor(() => driver.connection.state === 'connected', 'connected');
      assert.equal(driver.stats().details?.pduSize, 240);
      const values = Object.fromEntries((await driver.read('g')).map((s) => [s.tag, s.value]));
      assert.deepEqual(values, { recipe: 'Recipe A', setpoint: 1200, door: true });
    } finally {
      await driver.stop();
      await sim.stop();
    }
  });

  it('refuses values it cannot place, each with its path and reason', () => {
    assert.throws(
      () =>
        simulator({
          dataBlocks: [{ number: 1, size: 8 }],
          values: [
            { address: 'DB1,REAL6', value: 1 },
            { address: 'DB2,INT0', value: 1 },
            { address: 'DB1,FLOAT0', value: 1 },
            { address: 'MW0', type: 'float32', value: 1 },
            { address: 'DB1,INT0', value: 'text' },
          ],
        }),
      (err: ConfigError) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.details.map((d) => `${d.path}: ${d.message}`),
          [
            'values[0]: address: DB1,REAL6 runs past the 8 bytes of DB1',
            'values[1]: address: DB2 is not among the dataBlocks',
            'values[2]: address: unknown S7 type "FLOAT" in DB1,FLOAT0: use X, BYTE, SINT, USINT, CHAR, WORD, INT, UINT, DWORD, DINT, UDINT, REAL, LREAL, LWORD, LINT, ULINT or S (STRING)',
            'values[3]: type: MW0 (2 bytes) holds uint16, int16 or bcd16, not float32',
            'values[4]: value: DB1,INT0 holds int16, not text',
          ],
        );
        return true;
      },
    );
  });

  it('says why it is unavailable when node-snap7 did not build', async () => {
    const sim = simulator(
      {},
      {
        loadSnap7: () => {
          throw new Error("Cannot find module 'node-snap7'");
        },
      },
    );
    await assert.rejects(sim.start(), (err: Error) => {
      assert.ok(err instanceof SimulatorUnavailableError);
      assert.equal((err as SimulatorUnavailableError).code, 'PLX_SIMULATOR_UNAVAILABLE');
      assert.match(err.message, /^the S7 simulator needs the optional native package node-snap7, which did not build on this platform .*Cannot find module/);
      return true;
    });
  });
});
