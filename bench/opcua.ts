/**
 * OPC UA: the simulator (its own process) with 5,000 Double variables that
 * all change every second, and the gateway (a child process running the built
 * package) publishing them to Mosquitto, counted by a decoding subscriber.
 * Two runs: 5,000 monitored items (one subscription at 1 s), and 5,000 nodes
 * polled every 1 s. Then the gateway's start time (until its API answers)
 * with and without an OPC UA device configured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import YAML from 'yaml';
import { Mosquitto } from '../test/helpers/mosquitto.ts';
import { freePort, tempDir, waitForPort } from '../test/helpers/net.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { line, median, watchProcess } from './report.ts';

const require = createRequire(import.meta.url);
const sparkplug = require('sparkplug-payload').get('spBv1.0');

const NODES = 5000;
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 20);
const START_RUNS = 3;
const main = path.resolve('dist/src/main.js');

function startGateway(dir: string, name: string, config: unknown): ChildProcess {
  fs.writeFileSync(path.join(dir, `${name}.yaml`), YAML.stringify(config));
  return spawn(process.execPath, [main, 'start', '--config', path.join(dir, `${name}.yaml`), '--data-dir', path.join(dir, name)], {
    stdio: 'ignore',
    env: { ...process.env, PLEXUS_LOG_LEVEL: 'warn' },
  });
}

async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

function opcuaDevice(simPort: number, mode: 'poll' | 'subscribe') {
  return {
    name: 'Bulk',
    protocol: 'opcua',
    connection: { endpointUrl: `opc.tcp://127.0.0.1:${simPort}`, identity: { kind: 'anonymous' } },
    groups: [
      {
        name: 'all',
        mode,
        intervalMs: 1000,
        tags: Array.from({ length: NODES }, (_, i) => ({ name: `V${i}`, address: `nsu=urn:plexus:simulator;s=Bulk.V${i}`, type: 'float64' })),
      },
    ],
  };
}

async function measureRun(dir: string, mosquittoUrl: string, simPort: number, mode: 'poll' | 'subscribe') {
  const received: number[] = [];
  const sub = await mqtt.connectAsync(mosquittoUrl);
  sub.on('message', (topic, payload) => {
    if (topic.includes('/DDATA/')) received.push(sparkplug.decodePayload(payload).metrics.length);
  });
  await sub.subscribeAsync('spBv1.0/Bench/#', { qos: 0 });
  const gw = startGateway(dir, mode, {
    northbound: { groupId: 'Bench', edgeNodeId: `bench-${mode}`, brokers: [{ url: mosquittoUrl }] },
    api: { enabled: false },
    devices: [opcuaDevice(simPort, mode)],
  });
  const pid = gw.pid as number;
  try {
    await waitFor(() => received.length > 0, 'the first DDATA', 60_000);
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const from = received.length;
    const { elapsedS: elapsed, cpuPercent, rss } = await watchProcess(pid, MEASURE_S);
    const values = received.slice(from).reduce((n, v) => n + v, 0);
    const label = mode === 'subscribe' ? `${NODES.toLocaleString('en-US')} monitored items` : `${NODES.toLocaleString('en-US')} polled nodes`;
    line(`${label}: tag values delivered per second`, `${Math.round(values / elapsed)} (offered ${NODES})`);
    line(`${label}: gateway CPU (one core = 100 %)`, `${cpuPercent.toFixed(1)} %`);
    line(`${label}: gateway RSS median / max`, `${median(rss).toFixed(0)} MiB / ${Math.max(...rss).toFixed(0)} MiB`);
  } finally {
    await stopProcess(gw);
    await sub.endAsync(true);
  }
}

/** Time from spawning `plexus start` until its API answers /health. */
async function startTime(dir: string, name: string, config: Record<string, unknown>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < START_RUNS; run++) {
    const port = await freePort();
    const t0 = performance.now();
    const gw = startGateway(dir, `${name}${run}`, { ...config, api: { port } });
    try {
      await waitFor(
        () =>
          fetch(`http://127.0.0.1:${port}/health`).then(
            (r) => r.ok,
            () => false,
          ),
        'the API',
        60_000,
      );
      times.push(performance.now() - t0);
    } finally {
      await stopProcess(gw);
    }
  }
  return median(times);
}

export async function benchOpcua(): Promise<void> {
  const dir = tempDir('plexus-bench-');
  const mosquitto = await new Mosquitto().start();
  const simPort = await freePort();
  fs.writeFileSync(path.join(dir, 'sim.yaml'), YAML.stringify({ bulk: { count: NODES, changeEveryMs: 1000 } }));
  const sim = spawn(process.execPath, [main, 'simulate', 'opcua', '--config', path.join(dir, 'sim.yaml'), '--port', String(simPort), '--data-dir', dir], {
    stdio: 'ignore',
  });
  try {
    await waitForPort(simPort, 60_000);
    process.stdout.write(`\nOPC UA → Sparkplug: ${NODES} Double nodes changing every 1 s (${os.cpus().length} cores, ${MEASURE_S} s measured per run)\n`);
    await measureRun(dir, mosquitto.url, simPort, 'subscribe');
    await measureRun(dir, mosquitto.url, simPort, 'poll');
    const northbound = { groupId: 'Bench', edgeNodeId: 'bench-start', brokers: [{ url: mosquitto.url }] };
    const modbusOnly = {
      northbound,
      devices: [
        {
          name: 'M',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port: simPort },
          groups: [{ name: 'g', tags: [{ name: 'T', address: 'HR0', type: 'uint16' }] }],
        },
      ],
    };
    const withOpcua = {
      northbound,
      devices: [{ ...opcuaDevice(simPort, 'poll'), groups: [{ name: 'g', tags: [{ name: 'T', address: 'ns=0;i=2258', type: 'datetime' }] }] }],
    };
    const without = await startTime(dir, 'start-modbus', modbusOnly);
    const withUa = await startTime(dir, 'start-opcua', withOpcua);
    line(
      `gateway start until the API answers, median of ${START_RUNS}`,
      `${without.toFixed(0)} ms without OPC UA, ${withUa.toFixed(0)} ms with an OPC UA device`,
    );
  } finally {
    await stopProcess(sim);
    await mosquitto.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
