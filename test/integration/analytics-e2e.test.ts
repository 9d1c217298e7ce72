/**
 * Edge analytics through the gateway to a Sparkplug host: the OPC UA filling
 * line drives an OEE block (running, then stopped by its operator), the Modbus
 * simulator's noise with spikes drives an anomaly alarm. Both are declared in
 * their device's DBIRTH and arrive as DDATA, are stored while the broker is away
 * and sent as historical data after, and show in the live values.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { OpcuaSimulator } from '../../simulators/opcua/server.ts';
import type { RunningSimulator } from '../../simulators/registry.ts';
import { simulatorPlugins } from '../../simulators/registry.ts';
import { TokenStore } from '../../src/api/tokens.ts';
import type { Config } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { tempDir } from '../helpers/net.ts';
import type { HostMessage, HostMetric } from '../helpers/sparkplug-host.ts';
import { modbusSimulator, type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const NS = 'nsu=urn:plexus:simulator;s=';

describe('edge analytics through the gateway to Sparkplug', () => {
  let stack: Stack;
  let line: OpcuaSimulator;
  let modbus: RunningSimulator;
  const simulatorDir = tempDir();

  before(async () => {
    // Noise of 0.05 around 10, new every 100 ms, and a spike of +5 for 300 ms at the end of every 3 s.
    modbus = modbusSimulator({
      units: [
        {
          id: 1,
          points: [
            {
              area: 'holding',
              address: 0,
              type: 'float32',
              generator: { kind: 'noise', mean: 10, stdDev: 0.05, intervalMs: 100, spikeEveryMs: 3000, spikeSize: 5, spikeMs: 300 },
            },
          ],
        },
      ],
    });
    const modbusPort = await modbus.start();
    line = (simulatorPlugins.opcua as (typeof simulatorPlugins)[string]).create(
      { startRunning: true, tickMs: 50, securityModes: ['None'], securityPolicies: ['None'] },
      { host: '127.0.0.1', port: 0, dataDir: simulatorDir },
    ) as OpcuaSimulator;
    stack = await startStack(
      undefined,
      (port) => [
        {
          name: 'Filler',
          protocol: 'opcua',
          connection: {
            endpointUrl: `opc.tcp://127.0.0.1:${port}`,
            securityMode: 'None',
            securityPolicy: 'None',
            identity: { kind: 'anonymous' },
            timeoutMs: 2000,
          },
          groups: [
            { name: 'live', mode: 'subscribe', intervalMs: 100, tags: [{ name: 'State', address: `${NS}FillingLine.State`, type: 'string' }] },
            {
              name: 'counters',
              intervalMs: 200,
              tags: [
                { name: 'GoodCount', address: `${NS}FillingLine.GoodCount`, type: 'uint32' },
                { name: 'BadCount', address: `${NS}FillingLine.BadCount`, type: 'uint32' },
              ],
            },
          ],
          oee: {
            state: {
              tag: 'State',
              running: ['Running'],
              plannedStops: ['Idle'],
              unplannedStops: ['Stopped', 'Fault'],
              causes: { Stopped: 'OperatorStop', Fault: 'Jam' },
            },
            goodCount: { tag: 'GoodCount' },
            badCount: { tag: 'BadCount' },
            idealRatePerMin: 1200,
            publishS: 1,
            timeZone: 'UTC',
            shifts: [
              { name: 'AM', start: '00:00', end: '12:00' },
              { name: 'PM', start: '12:00', end: '00:00' },
            ],
          },
        },
        {
          name: 'Press',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port: modbusPort, unitId: 1 },
          groups: [
            {
              name: 'g',
              intervalMs: 100,
              tags: [{ name: 'Vib', address: 'HR0', type: 'float32', anomaly: { method: 'rolling', windowS: 2, minSamples: 10, holdS: 0.5 } }],
            },
          ],
        },
      ],
      { api: true, simulator: line },
    );
  });

  after(async () => {
    await stack?.stop();
    await modbus?.stop();
    fs.rmSync(simulatorDir, { recursive: true, force: true });
  });

  const birthOf = (device: string) => stack.host.next(`the DBIRTH of ${device}`, (m) => m.type === 'DBIRTH' && m.device === device);
  const value = (m: HostMessage, name: string): HostMetric | undefined => stack.host.metric(m, name);
  /** The next DDATA of a device, after message index `from`, whose metrics satisfy `match`. */
  const nextData = (device: string, what: string, match: (get: (name: string) => HostMetric | undefined) => boolean, from = 0, timeoutMs = 20_000) =>
    stack.host.next(what, (m) => m.type === 'DDATA' && m.device === device && match((name) => value(m, name)), from, timeoutMs);
  /** A metric's value as the host knows it at a message: the last one published up to it (DBIRTH or DDATA). */
  const latest = (device: string, name: string, at: HostMessage) =>
    stack.host.messages
      .slice(0, stack.host.messages.indexOf(at) + 1)
      .flatMap((m) => (m.device === device ? [value(m, name)] : []))
      .filter((x) => x !== undefined)
      .at(-1)?.value;

  it('declares the OEE metrics and the anomaly metrics in the DBIRTHs with their types', async () => {
    const filler = new Map((await birthOf('Filler')).metrics.map((m) => [m.name, m.type]));
    for (const name of ['OEE/availability', 'OEE/performance', 'OEE/quality', 'OEE/oee', 'OEE/runTimeS', 'OEE/downtimeS/OperatorStop', 'OEE/shift/oee'])
      assert.equal(filler.get(name), 'Double', name);
    assert.deepEqual(
      [filler.get('OEE/goodCount'), filler.get('OEE/totalCount'), filler.get('OEE/state'), filler.get('OEE/shift/name')],
      ['UInt32', 'UInt32', 'String', 'String'],
    );
    const press = new Map((await birthOf('Press')).metrics.map((m) => [m.name, m.type]));
    assert.deepEqual([press.get('Vib/anomaly'), press.get('Vib/anomaly_score'), press.get('Vib/anomaly_since')], ['Boolean', 'Double', 'DateTime']);
  });

  it('publishes OEE from the running line, then downtime of its cause when the operator stops it', async () => {
    const running = await nextData('Filler', 'OEE figures of a running line', (get) => {
      const run = get('OEE/runTimeS')?.value as number | undefined;
      const good = get('OEE/goodCount')?.value as number | undefined;
      return run !== undefined && run >= 2 && good !== undefined && good > 0;
    });
    const get = (name: string) => latest('Filler', name, running) as number;
    assert.equal(get('OEE/availability'), 1);
    // The line fills 600 bottles a minute at most against an ideal 1,200: performance up to 0.5 (less while it ramps up).
    assert.ok(get('OEE/performance') > 0 && get('OEE/performance') <= 0.6, `performance ${get('OEE/performance')}`);
    assert.equal(latest('Filler', 'OEE/shift/name', running), new Date().getUTCHours() < 12 ? 'AM' : 'PM');

    const from = stack.host.messages.length;
    assert.equal(line.line.command('stop'), undefined);
    await nextData('Filler', 'the unplanned stop', (g) => g('OEE/state')?.value === 'unplannedStop', from);
    const stopped = await nextData(
      'Filler',
      'downtime of the operator stop',
      (g) => ((g('OEE/downtimeS/OperatorStop')?.value as number | undefined) ?? 0) >= 1 && g('OEE/availability') !== undefined,
      from,
    );
    const s = (name: string) => latest('Filler', name, stopped) as number;
    const runTime = s('OEE/runTimeS');
    // availability = run time / (run time + unplanned stop time), from the figures published together.
    assert.ok(s('OEE/availability') < 1, `availability ${s('OEE/availability')}`);
    assert.ok(Math.abs(s('OEE/availability') - runTime / (runTime + s('OEE/unplannedStopS'))) < 1e-3, 'availability from the published times');
    assert.equal(s('OEE/unplannedStopS'), s('OEE/downtimeS/OperatorStop'));
  });

  it('keeps counting through a configuration change of the device (the OEE resumes its saved state)', async () => {
    const before = stack.host.messages.at(-1) as HostMessage;
    const runTime = latest('Filler', 'OEE/runTimeS', before) as number;
    const stopTime = latest('Filler', 'OEE/unplannedStopS', before) as number;
    assert.ok(runTime > 0 && stopTime > 0);
    const from = stack.host.messages.length;
    const next = structuredClone(stack.gateway.config) as Config;
    const filler = next.devices.find((d) => d.name === 'Filler') as Config['devices'][number];
    (filler.groups[1] as Config['devices'][number]['groups'][number]).intervalMs = 250;
    const changes = await stack.gateway.applyConfig(validateConfig(next));
    assert.deepEqual(changes.changed, ['Filler']);
    await stack.host.next('the new DBIRTH of Filler', (m) => m.type === 'DBIRTH' && m.device === 'Filler', from);
    const resumed = await nextData('Filler', 'the OEE figures after the change', (g) => g('OEE/runTimeS') !== undefined, from);
    // The line is still stopped: the run time is what it was, the stop time has gone on.
    assert.equal(value(resumed, 'OEE/runTimeS')?.value, runTime);
    assert.ok((value(resumed, 'OEE/unplannedStopS')?.value as number) > stopTime);
  });

  it('raises the anomaly alarm on a spike and clears it, with its times', async () => {
    const birth = await birthOf('Press');
    const from = stack.host.messages.indexOf(birth);
    const raised = await nextData('Press', 'the alarm raised', (g) => g('Vib/anomaly')?.value === true, from);
    const alarm = value(raised, 'Vib/anomaly') as HostMetric;
    assert.equal(value(raised, 'Vib/anomaly_since')?.value, alarm.timestamp, 'anomaly_since is the raise time');
    assert.ok((value(raised, 'Vib/anomaly_score')?.value as number) >= 4, 'the score that raised it');
    const vib = value(raised, 'Vib')?.value as number;
    assert.ok(vib > 13, `raised on the spike (${vib})`);
    const cleared = await nextData('Press', 'the alarm cleared', (g) => g('Vib/anomaly')?.value === false, stack.host.messages.indexOf(raised) + 1);
    const clearedAt = value(cleared, 'Vib/anomaly')?.timestamp as number;
    assert.ok(clearedAt - (alarm.timestamp as number) >= 500, 'held for holdS at least');
    assert.equal(value(cleared, 'Vib/anomaly_since')?.value, clearedAt);
  });

  it('keeps the analytics metrics while the broker is away and sends them as historical data after', async () => {
    await stack.mosquitto.stop();
    const down = Date.now();
    // An OEE publication and an anomaly score made during the outage are in the live values: they went to the store.
    await waitFor(() => {
      const oee = stack.gateway.values.get('Filler', 'OEE/unplannedStopS');
      return oee !== undefined && oee.sourceTs > down + 1500 && stack.gateway.edgeNode.status().store.values > 0;
    }, 'OEE figures made during the outage');
    const from = stack.host.messages.length;
    await stack.mosquitto.start();
    await stack.host.connect(stack.mosquitto.url);
    // Values unproven when the broker stopped come back as historical too: wait for one made during the outage.
    const madeDuring = (m: HostMetric | undefined) => m?.isHistorical === true && (m.timestamp as number) > down;
    const replayed = await nextData('Filler', 'historical OEE figures made during the outage', (g) => madeDuring(g('OEE/unplannedStopS')), from, 30_000);
    assert.equal(typeof value(replayed, 'OEE/unplannedStopS')?.value, 'number');
    await nextData('Press', 'a historical anomaly score', (g) => g('Vib/anomaly_score')?.isHistorical === true, from, 30_000);
  });

  it('shows the analytics metrics among the device values of the API', async () => {
    const api = stack.gateway.addresses.api as string;
    const token = new TokenStore(stack.db).create('analytics-test');
    const get = async (device: string) => {
      const res = await fetch(`${api}/api/v1/devices/${device}/values`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      return new Map(((await res.json()) as { tag: string; value: unknown }[]).map((v) => [v.tag, v.value]));
    };
    const filler = await get('Filler');
    assert.equal(typeof filler.get('OEE/oee'), 'number');
    assert.equal(typeof filler.get('OEE/shift/availability'), 'number');
    const press = await get('Press');
    assert.equal(typeof press.get('Vib/anomaly'), 'boolean');
    assert.equal(typeof press.get('Vib/anomaly_score'), 'number');
  });
});
