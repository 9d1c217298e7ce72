/**
 * The gateway's footprint for small gateways: CPU and memory of the built
 * package (a child process) idle, and running the demo configuration (three
 * simulators in the same process, the embedded broker, 3 devices), each after
 * a warm-up. Ports are the demo's, moved to free ones.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { untilRunning } from '../test/helpers/gateway-process.ts';
import { freePort, tempDir } from '../test/helpers/net.ts';
import { line, median, watchProcess } from './report.ts';

const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 10);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 20);

async function measure(name: string, configText: string): Promise<void> {
  const dir = tempDir('plexus-footprint-');
  const file = path.join(dir, 'gw.yaml');
  fs.writeFileSync(file, configText);
  const child = spawn(process.execPath, [path.resolve('dist/src/main.js'), 'start', '--config', file, '--data-dir', path.join(dir, 'data')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PLEXUS_LOG_LEVEL: 'warn' },
  });
  try {
    await untilRunning(child, 60_000);
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const { cpuPercent, rss } = await watchProcess(child.pid as number, MEASURE_S);
    line(`${name}: CPU (one core = 100 %)`, `${cpuPercent.toFixed(1)} %`);
    line(`${name}: RSS median / max`, `${median(rss).toFixed(0)} MiB / ${Math.max(...rss).toFixed(0)} MiB`);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchFootprint(): Promise<void> {
  process.stdout.write(`\nFootprint (${MEASURE_S} s after ${WARMUP_S} s of warm-up)\n`);
  const broker = await freePort();
  await measure(
    'idle (no device)',
    `northbound: { groupId: G, edgeNodeId: idle, brokers: [{ url: "mqtt://127.0.0.1:${broker}" }] }\nbroker: { enabled: true, port: ${broker} }\napi: { port: 0 }\n`,
  );
  let demo = fs.readFileSync('config/demo.yaml', 'utf8');
  // The demo's ports (broker, API, simulators and the devices that use them) are numbers found nowhere else in it.
  for (const port of [1883, 8080, 5020, 10102, 4840]) demo = demo.replace(new RegExp(`\\b${port}\\b`, 'g'), String(await freePort()));
  await measure('demo load', demo);
}
