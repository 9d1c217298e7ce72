/**
 * Store-and-forward on real parts: Mosquitto processes, the Modbus simulator
 * with a counter that steps once per read (a lost value shows as a gap), the
 * gateway as a child process, and a Sparkplug host that records everything.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { audit, counterValues, everyCounterValue } from '../helpers/counter-audit.ts';
import { GatewayProcess } from '../helpers/gateway-process.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/net.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { modbusSimulator } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const GROUP = 'SF';
const NODE = 'node1';
const OUTAGE_S = Number(process.env.PLEXUS_TEST_OUTAGE_S ?? 30);

describe('store-and-forward', () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let host: SparkplugHost;
  let simulator: ModbusSimulator;
  let gateway: GatewayProcess;

  async function setUp(extra: { primaryHostId?: string; store?: Record<string, unknown> } = {}) {
    dir = tempDir('plexus-sf-');
    mosquitto = await new Mosquitto({ persistent: true }).start();
    host = await new SparkplugHost().connect(mosquitto.url, { persistent: true });
    simulator = modbusSimulator({
      units: [{ id: 1, points: [{ area: 'holding', address: 0, type: 'uint32', generator: { kind: 'counter', perRead: true } }] }],
    }) as ModbusSimulator;
    const port = await simulator.start();
    gateway = new GatewayProcess(dir, {
      northbound: {
        groupId: GROUP,
        edgeNodeId: NODE,
        brokers: [{ url: mosquitto.url }],
        keepaliveS: 5,
        ...(extra.primaryHostId ? { primaryHostId: extra.primaryHostId } : {}),
        ...(extra.store ? { store: extra.store } : {}),
      },
      api: { enabled: false },
      devices: [
        {
          name: 'Counter',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [{ name: 'g', intervalMs: 100, tags: [{ name: 'Count', address: 'HR0', type: 'uint32' }] }],
        },
      ],
    });
  }

  afterEach(async () => {
    await gateway?.kill();
    await simulator?.stop();
    await host?.close();
    await mosquitto?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`loses nothing while the broker is down for ${OUTAGE_S} s; the outage arrives as historical data`, async () => {
    await setUp();
    gateway.start();
    await host.next('DBIRTH', (m) => m.type === 'DBIRTH', 0, 30_000);
    await waitFor(() => counterValues(host.messages).length >= 5, 'live values');
    await mosquitto.stop();
    const down = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
    const up = Date.now();
    await mosquitto.start();
    await host.connect(mosquitto.url, { persistent: true });
    const result = await everyCounterValue(host, up, 90_000);
    assert.deepEqual(result.missing, []);
    assert.deepEqual(result.liveDuplicates, [], 'a value published twice live would be a bug');
    const outage = result.seen.filter((s) => s.ts > down + 500 && s.ts < up - 500);
    assert.ok(outage.length >= OUTAGE_S * 5, `${outage.length} values read during the outage arrived`);
    assert.ok(
      outage.every((s) => s.historical),
      'values read during the outage are flagged historical',
    );
  });

  it('loses nothing while the primary host is offline; NDEATH, then a rebirth when it is back', async () => {
    await setUp({ primaryHostId: 'Host1' });
    const state = (online: boolean, timestamp: number) =>
      host.publishRaw('spBv1.0/STATE/Host1', Buffer.from(JSON.stringify({ online, timestamp })), { qos: 1, retain: true });
    await state(true, 1000);
    gateway.start();
    await host.next('NBIRTH', (m) => m.type === 'NBIRTH', 0, 30_000);
    await waitFor(() => counterValues(host.messages).length >= 5, 'live values');
    const from = host.messages.length;
    await state(false, 2000);
    await host.next('NDEATH after the host went offline', (m) => m.type === 'NDEATH', from);
    await state(true, 1500); // stale: older than the offline message, ignored
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(host.messages.slice(from).filter((m) => m.type === 'NBIRTH').length, 0, 'no birth while the host is offline');
    const back = Date.now();
    await state(true, 3000);
    await host.next('NBIRTH after the host is back', (m) => m.type === 'NBIRTH', from, 30_000);
    const result = await everyCounterValue(host, back);
    assert.deepEqual(result.missing, []);
    assert.deepEqual(result.liveDuplicates, []);
    assert.ok(
      result.seen.some((s) => s.historical),
      'the offline period came as historical data',
    );
  });

  it('loses nothing published into a frozen broker (SIGSTOP) that is then killed', async () => {
    await setUp();
    gateway.start();
    await host.next('DBIRTH', (m) => m.type === 'DBIRTH', 0, 30_000);
    await waitFor(() => counterValues(host.messages).length >= 5, 'live values');
    await new Promise((r) => setTimeout(r, 1500)); // the broker saves the host's session (autosave 1 s)
    mosquitto.signal('SIGSTOP');
    await new Promise((r) => setTimeout(r, 3000)); // the gateway keeps publishing into the frozen connection
    await mosquitto.stop('SIGKILL');
    const up = Date.now();
    await mosquitto.start();
    await host.connect(mosquitto.url, { persistent: true });
    const result = await everyCounterValue(host, up, 90_000);
    assert.deepEqual(result.missing, []);
    assert.deepEqual(result.liveDuplicates, []);
  });

  it('stops gracefully on SIGTERM within the bound, NDEATH first; values stored during an outage survive the stop', async () => {
    await setUp();
    gateway.start();
    await host.next('DBIRTH', (m) => m.type === 'DBIRTH', 0, 30_000);
    await waitFor(() => counterValues(host.messages).length >= 5, 'live values');
    const from = host.messages.length;
    const t0 = Date.now();
    assert.equal(await gateway.kill('SIGTERM'), 0, 'a graceful stop exits 0');
    assert.ok(Date.now() - t0 < 15_000, `stopped in ${Date.now() - t0} ms`);
    await host.next('NDEATH', (m) => m.type === 'NDEATH', from);

    gateway.start();
    await host.next('DBIRTH after the restart', (m) => m.type === 'DBIRTH', from, 30_000);
    await mosquitto.stop();
    await new Promise((r) => setTimeout(r, 3000)); // the outage: values go to the store
    assert.equal(await gateway.kill('SIGTERM'), 0, 'a stop while the broker is away exits 0 too');
    await mosquitto.start();
    await host.connect(mosquitto.url, { persistent: true });
    const up = Date.now();
    gateway.start();
    const result = await everyCounterValue(host, up);
    assert.deepEqual(result.missing, [], 'nothing read before the stop was lost');
    assert.ok(
      result.seen.some((v) => v.historical),
      'the outage arrived as historical data',
    );
  });

  it('loses nothing read from the device when the gateway is killed (SIGKILL) during an outage and during replay', async () => {
    await setUp({ store: { replayMaxBatchesPerSecond: 20 } });
    gateway.start();
    await host.next('DBIRTH', (m) => m.type === 'DBIRTH', 0, 30_000);
    await waitFor(() => counterValues(host.messages).length >= 5, 'live values');
    await mosquitto.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await gateway.kill('SIGKILL');
    gateway.start(); // the broker is still down: the new process stores too
    await new Promise((r) => setTimeout(r, 5000));
    await mosquitto.start();
    await host.connect(mosquitto.url, { persistent: true });
    const from = host.messages.length;
    await host.next('replay under way', (m) => m.type === 'DDATA' && m.metrics.some((x) => x.isHistorical), from, 60_000);
    await gateway.kill('SIGKILL');
    const up = Date.now();
    gateway.start();
    const result = await everyCounterValue(host, up, 90_000).catch(async (err) => {
      // A read whose answer was on the wire at the instant of a SIGKILL never reached the gateway: it was not "read".
      const r = audit(counterValues(host.messages));
      if (r.missing.length <= 2) return { ...r, seen: counterValues(host.messages) };
      throw err;
    });
    assert.ok(result.missing.length <= 2, `at most one value per kill was in flight: missing ${result.missing.join(', ')}`);
    assert.deepEqual(result.liveDuplicates, [], 'duplicates only as historical');
    assert.ok(result.duplicates >= 0);
  });
});
