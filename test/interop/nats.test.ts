/**
 * NATS's MQTT support (Debian 12: nats-server 2.9, JetStream on) cannot carry
 * Sparkplug: it maps MQTT levels to NATS subject tokens separated by `.`, and
 * refuses any topic with a `.` in it, so every topic under `spBv1.0/` (NATS
 * 2.10 maps the dot to `//` and accepts them). These tests pin that down and
 * check that the gateway says so and loses nothing while it cannot publish.
 * When Debian ships a NATS that accepts the namespace the first test fails:
 * then run test/helpers/sparkplug-interop.ts against it like the other brokers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import pino from 'pino';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { type Db, openDatabase } from '../../src/database.ts';
import { Gateway } from '../../src/gateway.ts';
import { NatsServer } from '../helpers/nats.ts';
import { tempDir } from '../helpers/net.ts';
import { DEVICE, GROUP, interopGatewayConfig, interopSimulatorConfig, NODE } from '../helpers/sparkplug-interop.ts';
import { modbusSimulator } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

/** The QoS the broker granted, 128 (0x80) for a refusal; mqtt.js rejects a refused subscription with the SUBACK attached. */
async function granted(client: mqtt.MqttClient, topic: string): Promise<number | undefined> {
  try {
    return (await client.subscribeAsync(topic, { qos: 1 }))[0]?.qos;
  } catch (err) {
    return (err as { packet?: { granted?: number[] } }).packet?.granted?.[0];
  }
}

describe('NATS 2.9 MQTT: the Sparkplug namespace is refused', () => {
  const nats = new NatsServer();
  const sim = modbusSimulator(interopSimulatorConfig) as ModbusSimulator;
  const dir = tempDir('plexus-nats-gw-');
  let db: Db;
  let gateway: Gateway | undefined;
  let simPort = 0;

  before(async () => {
    await nats.start();
    simPort = await sim.start();
    db = openDatabase(dir);
  });

  after(async () => {
    await gateway?.stop();
    db?.close();
    await sim.stop();
    await nats.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses subscriptions and publishes under spBv1.0/, while other topics work', async () => {
    const client = await mqtt.connectAsync(nats.url, { clientId: `probe-${process.pid}`, reconnectPeriod: 0 });
    try {
      assert.equal(await granted(client, 'plexus/probe'), 1, 'a topic without a dot is served');
      const echo = new Promise<string>((resolve) => client.once('message', (_topic, payload) => resolve(payload.toString())));
      await client.publishAsync('plexus/probe', 'hello', { qos: 1 });
      assert.equal(await echo, 'hello');
      assert.equal(await granted(client, 'spBv1.0/#'), 0x80, 'a subscription under spBv1.0 is refused');
      assert.equal(await granted(client, 'spBv1.0/STATE/scada'), 0x80);
      // A publish cannot be refused in MQTT 3.1.1: the server closes the connection instead.
      const closed = new Promise((resolve) => client.once('close', () => resolve(undefined)));
      client.publish(`spBv1.0/${GROUP}/NBIRTH/${NODE}`, 'x', { qos: 1 });
      await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the connection stayed open')), 5000).unref())]);
      assert.match(nats.log(), /not supported for MQTT topics/, 'the server log names the reason');
    } finally {
      await client.endAsync(true);
    }
    // An edge node's Will is its NDEATH, under spBv1.0/ as well: the CONNECT itself is not accepted.
    const withWill = mqtt.connect(nats.url, {
      clientId: `probe-will-${process.pid}`,
      reconnectPeriod: 0,
      will: { topic: `spBv1.0/${GROUP}/NDEATH/${NODE}`, payload: Buffer.alloc(0), qos: 1, retain: false },
    });
    let accepted = false;
    withWill.on('connect', () => {
      accepted = true;
    });
    withWill.on('error', () => {});
    try {
      await Promise.race([
        new Promise((resolve) => withWill.once('close', () => resolve(undefined))),
        new Promise((_, reject) => setTimeout(() => reject(new Error('the connection stayed open')), 5000).unref()),
      ]);
      assert.equal(accepted, false, 'no CONNACK for a Will under spBv1.0/');
    } finally {
      await withWill.endAsync(true);
    }
  });

  it('the gateway keeps every value it reads in its store while the server refuses it', async () => {
    gateway = new Gateway({ config: interopGatewayConfig(nats.url, simPort), db, dataDir: dir, log: pino({ level: 'silent' }) });
    await gateway.start();
    const gw = gateway;
    const status = () => gw.edgeNode.status();
    // Its Will (the NDEATH topic) is under spBv1.0/ too: the server closes the connection at CONNECT, every time.
    await waitFor(() => status().bdSeq >= 1, 'a second attempt to connect', 15_000);
    const count = () => gw.values.get(DEVICE, 'Count')?.value as number;
    const start = count();
    await waitFor(() => count() >= start + 10, 'ten more reads', 10_000);
    const held = status().store;
    assert.equal(held.dropped, 0);
    // Every read changed Count, so each is a value waiting; the first read of the device may have gone to a DBIRTH that never left.
    assert.ok(held.values >= count() - 1, `${held.values} values stored for ${count()} reads`);
    assert.notEqual(status().state, 'online');
  });

  it('the northbound status says why the connection fails', () => {
    const reason = (gateway as Gateway).edgeNode.status().lastError ?? '';
    assert.match(reason, /closed the connection before accepting it/);
    assert.match(reason, new RegExp(`Will topic spBv1\\.0/${GROUP}/NDEATH/${NODE}`));
  });

  it('after a restart on the same port and JetStream store, the gateway connects again and still holds every value', async () => {
    const gw = gateway as Gateway;
    const before = gw.edgeNode.status();
    await nats.stop();
    await nats.start();
    // A new CONNECT takes the next bdSeq.
    await waitFor(() => gw.edgeNode.status().bdSeq !== before.bdSeq, 'a new connection to the restarted server', 30_000);
    const count = gw.values.get(DEVICE, 'Count')?.value as number;
    const held = gw.edgeNode.status().store;
    assert.equal(held.dropped, 0);
    assert.ok(held.values >= count - 1, `${held.values} values stored for ${count} reads`);
  });
});
