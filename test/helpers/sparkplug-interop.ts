/**
 * The interoperability matrix (issue 10, point 7): what the Sparkplug edge node
 * must do through any MQTT broker, as one suite run per broker. The gateway
 * runs in-process with a Modbus simulator whose Count register steps once per
 * read (a lost value shows as a gap); a test host records everything and acts
 * as the primary host.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import pino from 'pino';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { type Db, openDatabase } from '../../src/database.ts';
import { Gateway } from '../../src/gateway.ts';
import { audit, counterValues, everyCounterValue } from './counter-audit.ts';
import { tempDir } from './net.ts';
import { type HostMessage, SparkplugHost } from './sparkplug-host.ts';
import { modbusSimulator } from './stack.ts';
import { waitFor } from './wait.ts';

/** A broker the suite can start, stop and start again on the same port and data. */
export interface InteropBroker {
  readonly url: string;
  start(): Promise<unknown>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export interface InteropOptions {
  /** How long the first start of the broker may take (RabbitMQ creates its database). */
  startTimeoutMs?: number;
}

export const GROUP = 'Interop';
export const NODE = 'gw';
export const DEVICE = 'Press';
export const HOST_ID = 'scada';

/** Count steps once per read; Setpoint is writable. */
export const interopSimulatorConfig = {
  units: [
    {
      id: 1,
      points: [
        { area: 'holding', address: 0, type: 'uint32', generator: { kind: 'counter', perRead: true } },
        { area: 'holding', address: 2, type: 'int16', value: 5 },
      ],
    },
  ],
};

export function interopGatewayConfig(brokerUrl: string, simPort: number, extra: Record<string, unknown> = {}) {
  return validateConfig({
    northbound: { groupId: GROUP, edgeNodeId: NODE, keepaliveS: 5, brokers: [{ url: brokerUrl }], ...extra },
    api: { enabled: false },
    devices: [
      {
        name: DEVICE,
        protocol: 'modbus',
        connection: { host: '127.0.0.1', port: simPort, unitId: 1 },
        groups: [
          {
            name: 'g',
            intervalMs: 100,
            tags: [
              { name: 'Count', address: 'HR0', type: 'uint32' },
              { name: 'Setpoint', address: 'HR2', type: 'int16', access: 'readwrite' },
            ],
          },
        ],
      },
    ],
  });
}

/** Seq runs 0,1,2…255,0 after each NBIRTH with no gap (payloads-sequence-num-*): the broker lost or reordered nothing. */
function assertSeqContinuity(messages: HostMessage[]) {
  let expected: number | undefined;
  for (const m of messages) {
    if (m.type === 'NDEATH') continue;
    if (m.type === 'NBIRTH') {
      assert.equal(m.seq, 0, 'NBIRTH has seq 0');
      expected = 1;
      continue;
    }
    if (expected === undefined) continue;
    assert.equal(m.seq, expected, `${m.type} seq follows the previous message`);
    expected = (expected + 1) % 256;
  }
}

const bdSeqOf = (m: HostMessage) => m.metrics.find((x) => x.name === 'bdSeq')?.value as number | undefined;

/**
 * Under which topic the broker hands out the retained STATE to a new
 * subscriber, as a probe client sees it: the diagnosis when the gateway did not
 * see it.
 */
async function probeRetainedState(url: string): Promise<string> {
  const client = await mqtt.connectAsync(url, { clientId: `probe-${process.pid}-${Date.now()}`, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    const got = new Promise<string>((resolve) => {
      client.on('message', (topic, payload, packet) => resolve(`topic ${topic}, retain ${packet.retain}, payload ${payload.toString()}`));
    });
    await client.subscribeAsync(`spBv1.0/STATE/${HOST_ID}`, { qos: 1 });
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('nothing within 2 s'), 2000).unref());
    return await Promise.race([got, timeout]);
  } finally {
    await client.endAsync(true);
  }
}

/**
 * One describe block for a broker: births that wait for the primary host,
 * DDATA, a rebirth, a DCMD write, a retained STATE honoured, and a broker
 * restart that loses no value. The checks run in order on one broker, gateway
 * and host.
 */
export function sparkplugInterop(name: string, makeBroker: () => InteropBroker, opts: InteropOptions = {}) {
  describe(`Sparkplug edge node through ${name}`, () => {
    const broker = makeBroker();
    const sim = modbusSimulator(interopSimulatorConfig) as ModbusSimulator;
    const host = new SparkplugHost();
    const dir = tempDir('plexus-interop-');
    let simPort = 0;
    let db: Db;
    let gateway: Gateway | undefined;
    let birth: HostMessage | undefined;

    const startGateway = async () => {
      gateway = new Gateway({
        config: interopGatewayConfig(broker.url, simPort, { primaryHostId: HOST_ID }),
        db,
        dataDir: dir,
        log: pino({ level: 'silent' }),
      });
      await gateway.start();
      return gateway;
    };
    const state = () => gateway?.edgeNode.status().state;
    const alias = (metric: string) => birth?.metrics.find((m) => m.name === metric)?.alias;

    before(async () => {
      await Promise.race([
        broker.start(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} did not start`)), opts.startTimeoutMs ?? 60_000).unref()),
      ]);
      simPort = await sim.start();
      // A kept session: a broker that keeps the retained STATE over its restart may let the gateway born again before
      // the host is back; one that keeps sessions too holds those messages for the host.
      await host.connect(broker.url, { persistent: true });
      db = openDatabase(dir);
    });

    after(async () => {
      await gateway?.stop();
      db?.close();
      await host.close();
      await sim.stop();
      await broker.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('publishes no birth before the primary host is online, then NBIRTH and DBIRTH', async () => {
      await startGateway();
      // message-flow-edge-node-birth-publish-phid-*: connected and subscribed, it waits for the host.
      await waitFor(() => state() === 'waiting-for-host', 'the gateway waiting for the primary host', 20_000);
      assert.equal(host.of('NBIRTH').length, 0, 'no NBIRTH before the host is online');
      await host.announce(HOST_ID);
      const nbirth = await host.next('NBIRTH', (m) => m.type === 'NBIRTH', 0, 20_000);
      birth = await host.next('DBIRTH', (m) => m.type === 'DBIRTH' && m.device === DEVICE, 0, 20_000);
      assert.equal(nbirth.seq, 0);
      assert.equal(nbirth.topic, `spBv1.0/${GROUP}/NBIRTH/${NODE}`, 'the topic reaches the host unchanged');
      assert.equal(birth.topic, `spBv1.0/${GROUP}/DBIRTH/${NODE}/${DEVICE}`);
      assert.ok(host.messages.indexOf(nbirth) < host.messages.indexOf(birth), 'NBIRTH before DBIRTH (principles-birth-certificates-order)');
      assert.equal(nbirth.metrics.find((m) => m.name === 'Node Control/Rebirth')?.value, false);
      assert.equal(birth.metrics.find((m) => m.name === 'Setpoint')?.value, 5);
      assert.equal(typeof birth.metrics.find((m) => m.name === 'Count')?.value, 'number');
    });

    it('publishes DDATA as the values change, with no seq gap', async () => {
      const from = host.messages.length;
      await waitFor(() => host.messages.slice(from).filter((m) => m.type === 'DDATA').length >= 5, 'five DDATA', 15_000);
      const values = counterValues(host.messages).map((s) => s.value);
      assert.ok(values.length >= 5, `${values.length} Count values`);
      assert.deepEqual(audit(counterValues(host.messages)).missing, [], 'every value read arrived');
      assertSeqContinuity(host.messages);
    });

    it('answers NCMD Node Control/Rebirth with NBIRTH (seq 0, same bdSeq) and DBIRTH, without reconnecting', async () => {
      const last = host.of('NBIRTH').at(-1);
      assert.ok(last, 'born before');
      const from = host.messages.length;
      await host.command(`spBv1.0/${GROUP}/NCMD/${NODE}`, [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
      const nbirth = await host.next('NBIRTH after the Rebirth command', (m) => m.type === 'NBIRTH', from);
      birth = await host.next('DBIRTH after the Rebirth command', (m) => m.type === 'DBIRTH' && m.device === DEVICE, from);
      await host.next('DDATA after the rebirth', (m) => m.type === 'DDATA', host.messages.indexOf(birth));
      assert.equal(nbirth.seq, 0);
      assert.equal(bdSeqOf(nbirth), bdSeqOf(last), 'same bdSeq: no new session');
      assert.equal(host.messages.slice(from).filter((m) => m.type === 'NDEATH').length, 0, 'no NDEATH');
      assertSeqContinuity(host.messages);
    });

    it('writes a DCMD to the device and confirms it with DDATA', async () => {
      const from = host.messages.length;
      await host.command(`spBv1.0/${GROUP}/DCMD/${NODE}/${DEVICE}`, [{ name: 'Setpoint', type: 'Int16', value: -321 }]);
      await host.next(
        'DDATA confirming Setpoint = -321',
        (m) => m.type === 'DDATA' && m.metrics.some((x) => x.alias === alias('Setpoint') && x.value === -321),
        from,
      );
      assert.equal(sim.registers(1, 'holding', 2, 1).readInt16BE(0), -321, 'the register was written');
    });

    it('honours a retained STATE: a gateway restarted while the host is online births from it alone', async () => {
      const old = gateway as Gateway;
      const lastBirth = host.of('NBIRTH').at(-1);
      const from = host.messages.length;
      await old.stop();
      gateway = undefined;
      const ndeath = await host.next('NDEATH of the stopped gateway', (m) => m.type === 'NDEATH', from);
      if (lastBirth) assert.equal(bdSeqOf(ndeath), bdSeqOf(lastBirth), 'the NDEATH names the session that ends');
      // The host publishes nothing now: the only STATE is the retained one on the broker.
      await startGateway();
      try {
        // Retained messages come right after the SUBACK: seconds are plenty on 127.0.0.1.
        await host.next('NBIRTH from the retained STATE', (m) => m.type === 'NBIRTH', from, 5_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}; gateway ${state()}; the broker gives the retained STATE as: ${await probeRetainedState(broker.url)}`);
      }
      birth = await host.next('DBIRTH', (m) => m.type === 'DBIRTH' && m.device === DEVICE, from);
    });

    it('comes back after a broker restart with new births and loses no value', async () => {
      const lastBirth = host.of('NBIRTH').at(-1);
      const from = host.messages.length;
      // The audit starts at a value this gateway read (a gateway stopped before may have left one in flight).
      const first = (await waitFor(() => gateway?.values.get(DEVICE, 'Count')?.value as number | undefined, 'a Count read')) as number;
      await broker.stop();
      await waitFor(() => state() === 'disconnected' || state() === 'connecting', 'the gateway noticing the broker is gone', 20_000);
      const count = () => gateway?.values.get(DEVICE, 'Count')?.value as number;
      // Reads go on while the broker is down: these values wait in the store.
      const down = count();
      await waitFor(() => count() >= down + 5, 'five reads during the outage', 10_000);
      await broker.start();
      const up = Date.now();
      const upValue = count();
      // Both reconnect by themselves (the gateway after its back-off). The host then says it is online, as a primary
      // host does on each connect: births do not hang on the retained STATE here (the check above covers that).
      await waitFor(() => host.connected && (state() === 'waiting-for-host' || state() === 'online'), 'the host and the gateway back', 30_000);
      await host.announce(HOST_ID);
      const nbirth = await host.next('NBIRTH after the restart', (m) => m.type === 'NBIRTH', from, 20_000);
      birth = await host.next('DBIRTH after the restart', (m) => m.type === 'DBIRTH' && m.device === DEVICE, from, 30_000);
      if (lastBirth) assert.notEqual(bdSeqOf(nbirth), bdSeqOf(lastBirth), 'a new MQTT session has a new bdSeq');
      const result = await everyCounterValue(host, up, 60_000, first);
      assert.deepEqual(result.missing, []);
      assert.deepEqual(result.liveDuplicates, [], 'no value published twice live');
      const outage = result.seen.filter((s) => s.value > down && s.value < upValue);
      assert.ok(outage.length >= 4, `${outage.length} values read during the outage arrived`);
      assert.ok(
        outage.every((s) => s.historical),
        'values read during the outage arrived flagged historical',
      );
    });
  });
}
