/**
 * Many units behind one Modbus TCP gateway: the devices share one connection,
 * a dead unit costs only its own timeouts and is then skipped, and never stalls
 * or kills the others upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const UNITS = 8;
const DEAD = 99; // not served by the simulator

describe('many units on one connection', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack(
      {
        units: Array.from({ length: UNITS }, (_, i) => ({
          id: i + 1,
          points: [{ area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 50 } }],
        })),
      },
      (port) =>
        [...Array.from({ length: UNITS }, (_, i) => i + 1), DEAD].map((unit) => ({
          name: `Unit${unit}`,
          protocol: 'modbus',
          // A short timeout for the dead unit keeps the test quick; the live ones get the default margin.
          connection: { host: '127.0.0.1', port, unitId: unit, timeoutMs: unit === DEAD ? 200 : 1000 },
          groups: [{ name: 'g', intervalMs: 200, tags: [{ name: 'Counter', address: 'HR0', type: 'uint16' }] }],
        })),
    );
  });

  after(() => stack?.stop());

  it('shares one connection between all units', async () => {
    await waitFor(() => stack.host.of('DBIRTH').length === UNITS, `DBIRTH of the ${UNITS} live units`);
    assert.equal((stack.simulator as ModbusSimulator).connections, 1, 'nine devices, one TCP connection');
  });

  it('skips the dead unit after its timeouts, while every live unit keeps publishing', async () => {
    await waitFor(
      () => stack.gateway.deviceStatuses().find((d) => d.name === `Unit${DEAD}`)?.connection.state === 'backing-off',
      'the dead unit skipped',
      15_000,
    );
    const dead = stack.gateway.deviceStatuses().find((d) => d.name === `Unit${DEAD}`);
    assert.match(dead?.connection.state === 'backing-off' ? dead.connection.reason : '', /unit 99 does not answer \(3 requests in a row timed out\)/);
    const from = stack.host.messages.length;
    await waitFor(() => {
      const live = new Set(
        stack.host.messages
          .slice(from)
          .filter((m) => m.type === 'DDATA')
          .map((m) => m.device),
      );
      return live.size === UNITS;
    }, 'DDATA from every live unit after the dead one was skipped');
    assert.equal(stack.host.of('DBIRTH', `Unit${DEAD}`).length, 0, 'the dead unit never had a birth');
    assert.equal(stack.host.of('DDEATH').length, 0, 'no live unit died');
    const live = stack.gateway.deviceStatuses().filter((d) => d.name !== `Unit${DEAD}`);
    assert.ok(live.every((d) => d.connection.state === 'connected'));
    assert.ok(
      live.every((d) => (d.stats?.roundTripMedianMs ?? Number.POSITIVE_INFINITY) < 200),
      'round trips are measured',
    );
  });
});
