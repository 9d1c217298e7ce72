/**
 * `npm run bench`: one Modbus simulator serving 10 devices (unit ids) × 1,000
 * float32 tags, every value changing every poll, polled every 1 s by the
 * gateway (a child process running the built package), published to a real
 * Mosquitto and counted by a decoding subscriber in this process.
 * Prints tag values per second delivered, the gateway's CPU and RSS, Modbus
 * requests per poll cycle against the minimum, and the delay from poll start
 * to receipt at the subscriber. Then the same with a web UI client watching
 * every value over the live WebSocket, and the time from a configuration change
 * through the API to the changed device's DBIRTH.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import YAML from 'yaml';
import { Mosquitto } from '../test/helpers/mosquitto.ts';
import { freePort, tempDir, waitForPort } from '../test/helpers/net.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { line, median, percentile, watchProcess } from './report.ts';

const require = createRequire(import.meta.url);
const sparkplug = require('sparkplug-payload').get('spBv1.0');

const DEVICES = 10;
const TAGS = 1000;
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 20);

export async function benchModbusSparkplug(): Promise<void> {
  const dir = tempDir('plexus-bench-');
  const mosquitto = await new Mosquitto().start();
  const simPort = await freePort();
  const apiPort = await freePort();
  const simConfig = {
    units: Array.from({ length: DEVICES }, (_, u) => ({
      id: u + 1,
      points: [{ area: 'holding', address: 0, type: 'float32', count: TAGS, generator: { kind: 'sine', min: 0, max: 1000, periodMs: 60_000 } }],
    })),
  };
  fs.writeFileSync(path.join(dir, 'sim.yaml'), YAML.stringify(simConfig));
  const gwConfig = {
    northbound: { groupId: 'Bench', edgeNodeId: 'bench-node', brokers: [{ url: mosquitto.url }] },
    api: { port: apiPort },
    devices: Array.from({ length: DEVICES }, (_, u) => ({
      name: `Meter${u + 1}`,
      protocol: 'modbus',
      connection: { host: '127.0.0.1', port: simPort, unitId: u + 1 },
      groups: [{ name: 'all', intervalMs: 1000, tags: Array.from({ length: TAGS }, (_, i) => ({ name: `T${i}`, address: `HR${i * 2}`, type: 'float32' })) }],
    })),
  };
  fs.writeFileSync(path.join(dir, 'gw.yaml'), YAML.stringify(gwConfig));

  const children: ChildProcess[] = [];
  const main = path.resolve('dist/src/main.js');
  const sim = spawn(process.execPath, [main, 'simulate', 'modbus', '--config', path.join(dir, 'sim.yaml'), '--port', String(simPort)], { stdio: 'ignore' });
  children.push(sim);
  await waitForPort(simPort);

  const received: { at: number; values: number; delay: number }[] = [];
  const births: { at: number; device: string }[] = [];
  const sub = await mqtt.connectAsync(mosquitto.url);
  sub.on('message', (topic, payload) => {
    if (topic.includes('/DBIRTH/')) births.push({ at: Date.now(), device: topic.split('/').at(-1) as string });
    if (!topic.includes('/DDATA/')) return;
    const at = Date.now();
    const decoded = sparkplug.decodePayload(payload);
    let first = Number.POSITIVE_INFINITY;
    for (const m of decoded.metrics) first = Math.min(first, Number(m.timestamp));
    received.push({ at, values: decoded.metrics.length, delay: at - first });
  });
  await sub.subscribeAsync('spBv1.0/Bench/#', { qos: 0 });

  const dataDir = path.join(dir, 'data');
  const token = execFileSync(process.execPath, [main, 'token', 'create', 'bench', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
  const api = (url: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${apiPort}${url}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  const gw = spawn(process.execPath, [main, 'start', '--config', path.join(dir, 'gw.yaml'), '--data-dir', dataDir], {
    stdio: 'ignore',
    env: { ...process.env, PLEXUS_LOG_LEVEL: 'warn' },
  });
  children.push(gw);
  const pid = gw.pid as number;
  try {
    await waitFor(() => received.length > 0, 'the first DDATA', 30_000);
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const statsBefore = await (await api('/api/v1/devices')).json();
    const from = received.length;
    const { elapsedS: elapsed, cpuPercent, rss } = await watchProcess(pid, MEASURE_S);
    const statsAfter = await (await api('/api/v1/devices')).json();
    const window = received.slice(from);
    const values = window.reduce((n, r) => n + r.values, 0);
    type DeviceStatus = { stats: { requests: number }; groups: { cycles: number; overruns: number }[] };
    const sum = (list: DeviceStatus[], f: (d: DeviceStatus) => number) => list.reduce((n, d) => n + f(d), 0);
    const requests = sum(statsAfter, (d) => d.stats.requests) - sum(statsBefore, (d) => d.stats.requests);
    const cycles = (sum(statsAfter, (d) => d.groups[0]?.cycles ?? 0) - sum(statsBefore, (d) => d.groups[0]?.cycles ?? 0)) / DEVICES;
    const overruns = sum(statsAfter, (d) => d.groups[0]?.overruns ?? 0);
    const delays = window.map((r) => r.delay);
    process.stdout.write(
      `\nModbus → Sparkplug: ${DEVICES} devices × ${TAGS} float32 tags at 1 s (${os.cpus().length} cores, ${elapsed.toFixed(1)} s measured)\n`,
    );
    line('tag values delivered per second', `${Math.round(values / elapsed)} (offered ${DEVICES * TAGS})`);
    line('DDATA messages per second', `${(window.length / elapsed).toFixed(1)}`);
    line('gateway CPU (one core = 100 %)', `${cpuPercent.toFixed(1)} %`);
    line('gateway RSS median / max', `${median(rss).toFixed(0)} MiB / ${Math.max(...rss).toFixed(0)} MiB`);
    line('Modbus requests per poll cycle', `${(requests / cycles).toFixed(1)} (minimum ${DEVICES * Math.ceil(TAGS / 62)}: 62 float32 per request)`);
    line('poll overruns', String(overruns));
    line('poll start → subscriber, median / p99', `${median(delays)} ms / ${percentile(delays, 0.99)} ms`);

    // A web UI client watching every value of every device.
    let liveValues = 0;
    const ws = new WebSocket(`ws://127.0.0.1:${apiPort}/api/v1/live`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'values') liveValues += m.values.length;
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ subscribe: { devices: gwConfig.devices.map((d) => d.name) } }));
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    liveValues = 0;
    const from2 = received.length;
    const withUi = await watchProcess(pid, MEASURE_S);
    const mqttValues = received.slice(from2).reduce((n, r) => n + r.values, 0);
    line('with a live UI client: values to the client/s', `${Math.round(liveValues / withUi.elapsedS)} (to MQTT ${Math.round(mqttValues / withUi.elapsedS)})`);
    line('with a live UI client: gateway CPU', `${withUi.cpuPercent.toFixed(1)} % (${(withUi.cpuPercent / cpuPercent).toFixed(2)}× without)`);
    ws.close();

    // Configuration changes through the API: one device's tag list, until its new DBIRTH.
    const applied: number[] = [];
    const reborn: number[] = [];
    for (let i = 0; i < 5; i++) {
      const device = gwConfig.devices[0] as (typeof gwConfig.devices)[number];
      const tags = device.groups[0]?.tags.map((t, k) => (k === 0 ? { ...t, unit: `u${i}` } : t));
      const birthsBefore = births.length;
      const t0 = performance.now();
      const res = await api(`/api/v1/config/devices/${device.name}/groups/all/tags`, { method: 'PUT', body: JSON.stringify({ tags }) });
      if (!res.ok) throw new Error(`the change was refused: ${await res.text()}`);
      applied.push(performance.now() - t0);
      await waitFor(() => births.slice(birthsBefore).some((b) => b.device === device.name), 'the DBIRTH after the change', 30_000);
      reborn.push(performance.now() - t0);
    }
    line('API change of 1,000 tags: answered, median', `${median(applied).toFixed(0)} ms`);
    line('API change → the device’s new DBIRTH, median', `${median(reborn).toFixed(0)} ms (others untouched)`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await sub.endAsync(true);
    await mosquitto.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
