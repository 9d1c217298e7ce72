/**
 * End to end on real parts: Mosquitto, the Modbus simulator on a real socket,
 * the gateway, and a test-side Sparkplug host decoding every message.
 * Each assertion names the Sparkplug 3.0 rule (tck-id) it checks.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.ts';
import type { HostMessage, SparkplugHost } from '../helpers/sparkplug-host.ts';
import { modbusSimulator, type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const GROUP = 'TestGroup';
const NODE = 'edge1';
const DEVICE = 'Press1';

function simulatorConfig() {
  return {
    units: [
      {
        id: 1,
        points: [
          { area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', start: 0, step: 1, intervalMs: 20 } },
          { area: 'holding', address: 1, type: 'float32', value: 42.5 },
          { area: 'holding', address: 3, type: 'int64', value: -5 },
          { area: 'coil', address: 0, value: true },
        ],
      },
    ],
  } as const;
}

function devices(simPort: number) {
  return [
    {
      name: DEVICE,
      protocol: 'modbus',
      connection: { host: '127.0.0.1', port: simPort, unitId: 1, timeoutMs: 300 },
      groups: [
        {
          name: 'fast',
          intervalMs: 20,
          tags: [
            { name: 'Counter', address: 'HR0', type: 'uint16' },
            { name: 'Constant', address: 'HR1', type: 'float32' },
            { name: 'Negative', address: 'HR3', type: 'int64' },
            { name: 'Pump', address: 'CO0', type: 'bool' },
          ],
        },
      ],
    },
    {
      // A unit the simulator does not serve: it never answers.
      name: 'Silent',
      protocol: 'modbus',
      connection: { host: '127.0.0.1', port: simPort, unitId: 99, timeoutMs: 200 },
      groups: [{ name: 'g', intervalMs: 100, tags: [{ name: 'X', address: 'HR0', type: 'uint16' }] }],
    },
  ];
}

/** Sparkplug seq numbers after a birth run 0,1,2…255,0 with no gap (payloads-sequence-num-*). */
function assertSeqContinuity(messages: HostMessage[]) {
  let expected: number | undefined;
  for (const m of messages) {
    if (m.type === 'NDEATH') continue;
    if (m.type === 'NBIRTH') {
      assert.equal(m.seq, 0, 'NBIRTH has seq 0');
      expected = 1;
      continue;
    }
    assert.equal(m.seq, expected, `${m.type} seq follows the previous message`);
    expected = ((expected ?? 0) + 1) % 256;
  }
}

describe('Modbus TCP device to Sparkplug B on Mosquitto', () => {
  let stack: Stack;
  let host: SparkplugHost;
  let gateway: Gateway;

  before(async () => {
    stack = await startStack(simulatorConfig(), devices);
    ({ host, gateway } = stack);
  });

  after(() => stack?.stop());

  it('runs without loading node-opcua (no OPC UA device or simulator configured)', async () => {
    await host.next('DBIRTH', (m) => m.type === 'DBIRTH');
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('node-opcua'));
    assert.deepEqual(loaded, []);
  });

  it('publishes NBIRTH then DBIRTH with every metric (principles-birth-certificates-order, payloads-dbirth-order)', async () => {
    const dbirth = await host.next('DBIRTH', (m) => m.type === 'DBIRTH');
    const nbirth = host.messages.find((m) => m.type === 'NBIRTH');
    assert.ok(nbirth, 'an NBIRTH was published');
    assert.ok(host.messages.indexOf(nbirth) < host.messages.indexOf(dbirth), 'NBIRTH comes before DBIRTH');
    assert.equal(nbirth.topic, `spBv1.0/${GROUP}/NBIRTH/${NODE}`);
    assert.equal(dbirth.topic, `spBv1.0/${GROUP}/DBIRTH/${NODE}/${DEVICE}`);
    assert.equal(nbirth.seq, 0);
    assert.equal(dbirth.seq, 1);
    const bdSeq = nbirth.metrics.find((m) => m.name === 'bdSeq');
    assert.equal(bdSeq?.type, 'Int64');
    const rebirth = nbirth.metrics.find((m) => m.name === 'Node Control/Rebirth');
    assert.deepEqual([rebirth?.type, rebirth?.value, rebirth?.alias], ['Boolean', false, undefined]);
    const byName = new Map(dbirth.metrics.map((m) => [m.name, m]));
    assert.deepEqual([...byName.keys()].sort(), ['Constant', 'Counter', 'Negative', 'Pump']);
    assert.equal(byName.get('Constant')?.value, 42.5);
    assert.equal(byName.get('Constant')?.type, 'Float');
    assert.equal(byName.get('Negative')?.type, 'Int64');
    assert.equal(byName.get('Negative')?.value, -5, 'Int64 keeps its sign');
    assert.equal(byName.get('Pump')?.value, true);
    const aliases = dbirth.metrics.map((m) => m.alias);
    assert.equal(new Set(aliases).size, aliases.length, 'aliases are unique');
    assert.ok(dbirth.metrics.every((m) => typeof m.timestamp === 'number'));
  });

  it('sends DDATA by exception, with aliases only and a timestamp per metric', async () => {
    const start = host.messages.length;
    await waitFor(() => host.messages.slice(start).filter((m) => m.type === 'DDATA').length >= 5, 'five DDATA messages');
    const dbirth = host.of('DBIRTH', DEVICE).at(-1) as HostMessage;
    const counterAlias = dbirth.metrics.find((m) => m.name === 'Counter')?.alias;
    const ddata = host.of('DDATA', DEVICE).filter((m) => host.messages.indexOf(m) >= start);
    for (const m of ddata) {
      for (const metric of m.metrics) {
        assert.equal(metric.name, undefined, 'DDATA uses aliases only');
        assert.equal(metric.alias, counterAlias, 'only the changing counter is republished; unchanged values are not');
        assert.equal(typeof metric.timestamp, 'number');
      }
    }
  });

  it('never births a unit that does not answer, and it does not slow the others down', async () => {
    const from = host.messages.length;
    await waitFor(() => gateway.deviceStatuses().find((d) => d.name === 'Silent')?.stats?.timeouts, 'timeouts on the silent unit');
    await waitFor(() => host.messages.slice(from).filter((m) => m.type === 'DDATA').length >= 10, 'ten DDATA from Press1 meanwhile');
    assert.equal(host.of('DBIRTH', 'Silent').length, 0);
    const silent = gateway.deviceValues('Silent')[0];
    assert.deepEqual([silent?.quality, silent?.reason], ['bad', 'no response within 200 ms']);
  });

  it('keeps seq continuous through a wrap from 255 to 0', async () => {
    await host.next('seq to wrap past 255', (m) => m.type === 'DDATA' && m.seq === 0, 0, 30_000);
    await host.next('a few more messages after the wrap', (m) => m.type === 'DDATA' && m.seq === 3, 0, 5_000);
    assertSeqContinuity(host.messages);
  });

  it('answers NCMD Node Control/Rebirth with NBIRTH (seq 0, same bdSeq) and DBIRTH, without reconnecting', async () => {
    const lastBirth = host.of('NBIRTH').at(-1) as HostMessage;
    const bdSeq = lastBirth.metrics.find((m) => m.name === 'bdSeq')?.value;
    const from = host.messages.length;
    await host.command(`spBv1.0/${GROUP}/NCMD/${NODE}`, [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
    const nbirth = await host.next('NBIRTH after rebirth', (m) => m.type === 'NBIRTH', from);
    const dbirth = await host.next('DBIRTH after rebirth', (m) => m.type === 'DBIRTH', from);
    assert.equal(nbirth.seq, 0);
    assert.equal(nbirth.metrics.find((m) => m.name === 'bdSeq')?.value, bdSeq, 'operational-behavior-data-commands-rebirth: same bdSeq');
    assert.equal(dbirth.seq, 1);
    assert.equal(host.messages.slice(from).filter((m) => m.type === 'NDEATH').length, 0, 'no new session');
  });

  it('announces Next Server and Reboot in the NBIRTH, and obeys them: a new session each time', async () => {
    const nbirth = host.of('NBIRTH').at(-1) as HostMessage;
    assert.deepEqual(
      nbirth.metrics.filter((m) => m.name?.startsWith('Node Control/')).map((m) => [m.name, m.type, m.value]),
      [
        ['Node Control/Rebirth', 'Boolean', false],
        ['Node Control/Next Server', 'Boolean', false],
        ['Node Control/Reboot', 'Boolean', false],
      ],
    );
    for (const command of ['Node Control/Next Server', 'Node Control/Reboot']) {
      const before = host
        .of('NBIRTH')
        .at(-1)
        ?.metrics.find((m) => m.name === 'bdSeq')?.value as number;
      const from = host.messages.length;
      await host.command(`spBv1.0/${GROUP}/NCMD/${NODE}`, [{ name: command, type: 'Boolean', value: true }]);
      const ndeath = await host.next(`NDEATH after ${command}`, (m) => m.type === 'NDEATH', from);
      assert.equal(ndeath.metrics[0]?.value, before, 'the old session ends with its own bdSeq');
      const nbirth2 = await host.next(`NBIRTH after ${command}`, (m) => m.type === 'NBIRTH', from, 30_000);
      assert.equal(nbirth2.metrics.find((m) => m.name === 'bdSeq')?.value, (before + 1) % 256, 'a new MQTT session');
      await host.next(`DBIRTH after ${command}`, (m) => m.type === 'DBIRTH' && m.device === DEVICE, from, 30_000);
    }
  });

  it('drops a malformed NCMD and keeps publishing', async () => {
    const from = host.messages.length;
    await host.publishRaw(`spBv1.0/${GROUP}/NCMD/${NODE}`, Buffer.from([0x12, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    await host.next('DDATA after a malformed NCMD', (m) => m.type === 'DDATA', from);
  });

  it('sends DDEATH when the device is lost and DBIRTH when it is back', async () => {
    const from = host.messages.length;
    await stack.simulator.stop();
    const ddeath = await host.next('DDEATH', (m) => m.type === 'DDEATH', from);
    assert.equal(ddeath.topic, `spBv1.0/${GROUP}/DDEATH/${NODE}/${DEVICE}`);
    assert.equal(typeof ddeath.seq, 'number', 'DDEATH carries seq');
    stack.simulator = modbusSimulator(simulatorConfig(), { port: stack.simPort });
    await stack.simulator.start();
    const dbirth = await host.next('DBIRTH after the device came back', (m) => m.type === 'DBIRTH', from, 20_000);
    assert.ok(host.messages.indexOf(dbirth) > host.messages.indexOf(ddeath));
    assert.equal(dbirth.metrics.find((m) => m.name === 'Constant')?.value, 42.5);
    assertSeqContinuity(host.messages.slice(host.messages.indexOf(host.of('NBIRTH').at(-1) as HostMessage)));
  });

  it('increments bdSeq on a new connection after the broker restarts (topics-nbirth-bdseq-increment)', async () => {
    const before = host
      .of('NBIRTH')
      .at(-1)
      ?.metrics.find((m) => m.name === 'bdSeq')?.value as number;
    await host.close();
    await stack.mosquitto.stop();
    await stack.mosquitto.start();
    await host.connect(stack.mosquitto.url);
    const from = host.messages.length;
    const nbirth = await host.next('NBIRTH after the broker restart', (m) => m.type === 'NBIRTH', from, 30_000);
    const after = nbirth.metrics.find((m) => m.name === 'bdSeq')?.value as number;
    assert.notEqual(after, before);
    assert.equal((after - before + 256) % 256 >= 1, true, 'bdSeq moved forward');
    await host.next('DBIRTH after the broker restart', (m) => m.type === 'DBIRTH', from);
  });

  it('publishes NDEATH with the session bdSeq when it stops', async () => {
    const bdSeq = host
      .of('NBIRTH')
      .at(-1)
      ?.metrics.find((m) => m.name === 'bdSeq')?.value;
    const from = host.messages.length;
    await gateway.stop();
    const ndeath = await host.next('NDEATH', (m) => m.type === 'NDEATH', from);
    assert.equal(ndeath.seq, undefined, 'NDEATH carries no seq');
    assert.deepEqual(
      ndeath.metrics.map((m) => [m.name, m.type, m.value]),
      [['bdSeq', 'Int64', bdSeq]],
    );
  });
});
