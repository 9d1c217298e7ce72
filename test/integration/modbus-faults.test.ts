/**
 * Every fault the Modbus simulator can inject, seen from the gateway and from a
 * Sparkplug host: the right tags go bad with the right reason, the others keep
 * flowing, the device recovers by itself when the fault ends, and DDEATH/DBIRTH
 * appear only when the whole device is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FaultConfig } from '../../simulators/modbus/config.ts';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const DEVICE = 'Line';

describe('Modbus faults through the gateway', () => {
  let stack: Stack;
  const sim = () => stack.simulator as ModbusSimulator;
  const value = (tag: string) => stack.gateway.deviceValues(DEVICE).find((v) => v.tag === tag);

  before(async () => {
    stack = await startStack(
      {
        units: [
          {
            id: 1,
            points: [
              { area: 'holding', address: 0, type: 'uint16', value: 7 },
              { area: 'holding', address: 100, type: 'uint16', generator: { kind: 'counter', intervalMs: 50 } },
            ],
          },
        ],
      },
      (port) => [
        {
          name: DEVICE,
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1, timeoutMs: 250 },
          groups: [
            { name: 'faulty', intervalMs: 100, tags: [{ name: 'Faulty', address: 'HR0', type: 'uint16' }] },
            { name: 'healthy', intervalMs: 100, tags: [{ name: 'Counter', address: 'HR100', type: 'uint16' }] },
          ],
        },
      ],
    );
    await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH');
  });

  after(() => stack?.stop());

  /** Injects a fault on HR0..9, checks the faulty tag, the healthy one, and recovery. */
  async function inject(fault: FaultConfig, reason: RegExp, deviceLost: boolean) {
    const from = stack.host.messages.length;
    sim().setFaults([fault]);
    await waitFor(() => value('Faulty')?.quality === 'bad' && reason.test(value('Faulty')?.reason ?? ''), `Faulty bad with ${reason}`, 15_000);
    if (!deviceLost) {
      const counter = value('Counter')?.value as number;
      await waitFor(() => (value('Counter')?.value as number) > counter && value('Counter')?.quality === 'good', 'Counter still flowing');
    }
    sim().setFaults([]);
    await waitFor(() => value('Faulty')?.quality === 'good' && value('Faulty')?.value === 7, 'Faulty recovered', 20_000);
    const deaths = stack.host.messages.slice(from).filter((m) => m.type === 'DDEATH');
    if (deviceLost) {
      assert.ok(deaths.length >= 1, 'the lost device died upstream');
      await stack.host.next('DBIRTH after recovery', (m) => m.type === 'DBIRTH', stack.host.messages.indexOf(deaths.at(-1) as never));
    } else {
      assert.equal(deaths.length, 0, 'no DDEATH while the device still answers');
    }
  }

  const range = { unit: 1, area: 'holding' as const, start: 0, end: 9, probability: 1 };

  it('an exception marks only the tags it covers bad, with its code and name', () =>
    inject({ ...range, kind: 'exception', code: 2 }, /^Modbus exception 2 \(illegal data address\)$/, false));

  it('a response later than the timeout is a timeout, and the late answer is dropped', () =>
    inject({ ...range, kind: 'delay', delayMs: 400, jitterMs: 0 }, /^no response within 250 ms$/, false));

  it('a dropped response is a timeout', () => inject({ ...range, kind: 'drop' }, /^no response within 250 ms$/, false));

  it('a response with the wrong transaction id is discarded', () => inject({ ...range, kind: 'wrongTransactionId' }, /^no response within 250 ms$/, false));

  it('a truncated frame is a timeout and does not garble the next answer', () => inject({ ...range, kind: 'truncate' }, /^no response within 250 ms$/, false));

  it('garbage bytes drop the connection, which comes back by itself', () =>
    inject({ ...range, kind: 'garbage' }, /garbled response: protocol id|device disconnected|connection lost/, true));

  it('a closed connection is reopened by itself', () => inject({ ...range, kind: 'close' }, /connection lost|device disconnected|connection closed/, true));

  it('a unit that stops answering entirely is skipped, reported lost (DDEATH), and reborn when it answers', async () => {
    const from = stack.host.messages.length;
    sim().setFaults([{ kind: 'drop', unit: 1, start: 0, end: 65535, probability: 1 }]);
    await stack.host.next('DDEATH', (m) => m.type === 'DDEATH', from, 15_000);
    const status = stack.gateway.deviceStatuses().find((d) => d.name === DEVICE);
    assert.equal(status?.connection.state, 'backing-off');
    // The unit is skipped; with no other unit on the connection answering either, the connection is reopened too.
    assert.match(status?.connection.state === 'backing-off' ? status.connection.reason : '', /3 requests in a row (timed out|got no answer)/);
    sim().setFaults([]);
    await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH', from, 30_000);
    assert.ok((stack.gateway.deviceStatuses()[0]?.stats?.timeouts ?? 0) >= 3);
  });
});
