/**
 * The Sparkplug edge node against aedes, our embedded broker (Mosquitto is
 * covered by the other tests): births, DDATA, a rebirth on NCMD, a DCMD write
 * confirmed by DDATA, a retained primary-host STATE honoured, and a broker
 * restart after which the gateway comes back with new births.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { EmbeddedBroker } from '../../src/broker/embedded-broker.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { type Db, openDatabase } from '../../src/database.ts';
import { Gateway } from '../../src/gateway.ts';
import { tempDir } from '../helpers/net.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { modbusSimulator } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

/** aedes in the test process (it keeps its port over a restart; its memory persistence starts empty). */
class AedesBroker {
  readonly name = 'aedes';
  private broker?: EmbeddedBroker;
  private port = 0;
  get url() {
    return `mqtt://127.0.0.1:${this.port}`;
  }
  async start() {
    this.broker = new EmbeddedBroker({ host: '127.0.0.1', port: this.port });
    this.port = await this.broker.start();
  }
  async stop() {
    await this.broker?.stop();
    this.broker = undefined;
  }
  dispose() {
    return this.stop();
  }
}

const HOST_ID = 'scada';

describe('Sparkplug through aedes', () => {
  const broker = new AedesBroker();
  const sim = modbusSimulator({
    units: [
      {
        id: 1,
        points: [
          { area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } },
          { area: 'holding', address: 1, type: 'int16', value: 5 },
        ],
      },
    ],
  }) as ModbusSimulator;
  const host = new SparkplugHost();
  const dir = tempDir();
  let db: Db;
  let gateway: Gateway;

  before(async () => {
    await broker.start();
    const port = await sim.start();
    await host.connect(broker.url);
    // The primary host's retained STATE: the gateway must find it when it subscribes.
    await host.publishRaw(`spBv1.0/STATE/${HOST_ID}`, Buffer.from(JSON.stringify({ online: true, timestamp: Date.now() })), { qos: 1, retain: true });
    db = openDatabase(dir);
    const config = validateConfig({
      northbound: { groupId: 'Interop', edgeNodeId: 'gw', primaryHostId: HOST_ID, keepaliveS: 5, brokers: [{ url: broker.url }] },
      api: { enabled: false },
      devices: [
        {
          name: 'Press',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [
            {
              name: 'g',
              intervalMs: 100,
              tags: [
                { name: 'Count', address: 'HR0', type: 'uint16' },
                { name: 'Setpoint', address: 'HR1', type: 'int16', access: 'readwrite' },
              ],
            },
          ],
        },
      ],
    });
    gateway = new Gateway({ config, db, dataDir: dir, log: pino({ level: 'silent' }) });
    await gateway.start();
  });

  after(async () => {
    await gateway?.stop();
    db?.close();
    await host.close();
    await sim.stop();
    await broker.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('births after the retained primary host STATE, then publishes DDATA', async () => {
    await host.next('NBIRTH', (m) => m.type === 'NBIRTH', 0, 30_000);
    const dbirth = await host.next('DBIRTH', (m) => m.type === 'DBIRTH' && m.device === 'Press', 0, 30_000);
    assert.equal(host.metric(dbirth, 'Setpoint')?.value, 5);
    const data = await host.next('DDATA with Count', (m) => m.type === 'DDATA' && host.metric(m, 'Count') !== undefined);
    assert.equal(typeof host.metric(data, 'Count')?.value, 'number');
  });

  it('answers NCMD Rebirth', async () => {
    const from = host.messages.length;
    await host.command('spBv1.0/Interop/NCMD/gw', [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
    const nbirth = await host.next('NBIRTH after Rebirth', (m) => m.type === 'NBIRTH', from);
    assert.equal(nbirth.seq, 0);
    await host.next('DBIRTH after Rebirth', (m) => m.type === 'DBIRTH' && m.device === 'Press', from);
  });

  it('writes a DCMD to the device and confirms it with DDATA', async () => {
    const from = host.messages.length;
    await host.command('spBv1.0/Interop/DCMD/gw/Press', [{ name: 'Setpoint', type: 'Int16', value: 321 }]);
    await host.next('DDATA confirming Setpoint 321', (m) => m.type === 'DDATA' && host.metric(m, 'Setpoint')?.value === 321, from);
    assert.equal(sim.registers(1, 'holding', 1, 1).readInt16BE(0), 321);
  });

  it('comes back after a broker restart with new births', async () => {
    await broker.stop();
    await waitFor(() => gateway.edgeNode.status().state !== 'online', 'the lost broker noticed', 20_000);
    await broker.start();
    await host.connect(broker.url);
    const from = host.messages.length;
    await host.publishRaw(`spBv1.0/STATE/${HOST_ID}`, Buffer.from(JSON.stringify({ online: true, timestamp: Date.now() })), { qos: 1, retain: true });
    await host.next('NBIRTH after the restart', (m) => m.type === 'NBIRTH', from, 60_000);
    await host.next('DBIRTH after the restart', (m) => m.type === 'DBIRTH' && m.device === 'Press', from, 30_000);
    await host.next('DDATA after the restart', (m) => m.type === 'DDATA', from, 30_000);
  });
});
