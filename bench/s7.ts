/**
 * S7 on loopback: 1,000 mixed tags across 10 DBs, polled at 1 s from the
 * snap7 simulator running in its own process, as a PLC would. Prints the
 * requests per cycle at the PDU sizes of an S7-1500 (960) and an S7-300/1200
 * (240), the cycle time against the 1 s interval, the round trips, and the
 * tag values per second read flat out; and, for comparison, the requests
 * nodes7's own optimiser makes of the same tags.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import YAML from 'yaml';
import type { DriverTag } from '../drivers/contract.ts';
import { S7Driver } from '../drivers/s7/driver.ts';
import { type S7Connection, S7ConnectionSchema } from '../drivers/s7/settings.ts';
import { assertSchema } from '../src/config/schema-errors.ts';
import { driverDeps } from '../test/helpers/driver-deps.ts';
import { freePort, tempDir, waitForPort } from '../test/helpers/net.ts';
import { fmt, line, median } from './report.ts';

const DBS = 10;
const PER_DB = 100;
const SECONDS = Number(process.env.BENCH_S7_S ?? 5);
const INTERVAL_MS = 1000;

/** Ten kinds of value in turn: [our address form, nodes7's, tag type, bytes]. */
const KINDS: [(db: number, at: number) => [string, string], DriverTag['type'], number][] = [
  [(db, at) => [`DB${db},REAL${at}`, `DB${db},REAL${at}`], 'float32', 4],
  [(db, at) => [`DB${db},INT${at}`, `DB${db},INT${at}`], 'int16', 2],
  [(db, at) => [`DB${db},DINT${at}`, `DB${db},DINT${at}`], 'int32', 4],
  [(db, at) => [`DB${db},X${at}.0`, `DB${db},X${at}.0`], 'bool', 1],
  [(db, at) => [`DB${db},WORD${at}`, `DB${db},WORD${at}`], 'uint16', 2],
  [(db, at) => [`DB${db},BYTE${at}`, `DB${db},BYTE${at}`], 'uint8', 1],
  [(db, at) => [`DB${db},LREAL${at}`, `DB${db},LREAL${at}`], 'float64', 8],
  [(db, at) => [`DB${db},S${at}.16`, `DB${db},S${at}.16`], 'string', 18],
  [(db, at) => [`DB${db}.DBD${at}`, `DB${db},DWORD${at}`], 'uint32', 4],
  [(db, at) => [`DB${db}.DBW${at}`, `DB${db},INT${at}`], 'int16', 2],
];

function machine() {
  const tags: (DriverTag & { nodes7: string })[] = [];
  const values: Record<string, unknown>[] = [];
  for (let db = 1; db <= DBS; db++) {
    let at = 0;
    for (let i = 0; i < PER_DB; i++) {
      const [form, type, size] = KINDS[i % KINDS.length] as (typeof KINDS)[number];
      const [address, nodes7] = form(db, at);
      tags.push({ name: `DB${db}/T${i}`, address, type, nodes7 });
      if (type === 'float32' || type === 'float64') values.push({ address, type, generator: { kind: 'sine', min: 0, max: 100, periodMs: 10_000 } });
      else if (type === 'int32') values.push({ address, type, generator: { kind: 'counter', intervalMs: 1000 } });
      else if (type === 'string') values.push({ address, value: `text ${db}.${i}` });
      else if (type === 'bool') values.push({ address, generator: { kind: 'toggle', periodMs: 2000 } });
      else values.push({ address, type, value: i });
      at += size;
    }
  }
  return { tags, config: { dataBlocks: Array.from({ length: DBS }, (_, i) => ({ number: i + 1, size: 512 })), values } };
}

function driverFor(port: number, tags: DriverTag[], pduSize: number) {
  return new S7Driver(
    {
      name: 'plc',
      connection: assertSchema<S7Connection>(S7ConnectionSchema, { host: '127.0.0.1', port, pduSize }, 'connection'),
      groups: [{ name: 'g', intervalMs: INTERVAL_MS, tags }],
    },
    driverDeps(),
  );
}

async function connected(driver: S7Driver) {
  const deadline = Date.now() + 10_000;
  while (driver.connection.state !== 'connected') {
    if (Date.now() > deadline) throw new Error(`the driver did not connect: ${JSON.stringify(driver.connection)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Cycles at the 1 s interval for a few seconds, then reads flat out. */
async function measure(port: number, tags: DriverTag[], pduSize: number) {
  const driver = driverFor(port, tags, pduSize);
  driver.start();
  await connected(driver);
  try {
    const requests0 = driver.stats().requests;
    const cycles: number[] = [];
    let bad = 0;
    const cyclesAtInterval = Math.max(2, Math.min(5, SECONDS));
    for (let i = 0; i < cyclesAtInterval; i++) {
      const t0 = performance.now();
      const samples = await driver.read('g');
      cycles.push(performance.now() - t0);
      bad += samples.filter((s) => s.quality !== 'good').length;
      await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL_MS - (performance.now() - t0))));
    }
    const requestsPerCycle = (driver.stats().requests - requests0) / cyclesAtInterval;
    const end = performance.now() + SECONDS * 1000;
    let values = 0;
    const started = performance.now();
    while (performance.now() < end) values += (await driver.read('g')).length;
    const valuesPerS = values / ((performance.now() - started) / 1000);
    const stats = driver.stats();
    return { requestsPerCycle, cycles, bad, valuesPerS, stats, pdu: stats.details?.pduSize };
  } finally {
    await driver.stop();
  }
}

/** nodes7 planning the same tags itself (its block merging, gap 5 bytes, PDU-sized packets). */
async function nodes7Own(port: number, addresses: string[]) {
  const NodeS7 = createRequire(import.meta.url)('nodes7');
  const conn = new NodeS7({ silent: true });
  await new Promise<void>((resolve, reject) =>
    conn.initiateConnection({ host: '127.0.0.1', port, rack: 0, slot: 1, timeout: 1500 }, (err: unknown) => (err ? reject(err) : resolve())),
  );
  conn.addItems(addresses);
  const readOnce = () => new Promise<void>((resolve) => conn.readAllItems(() => resolve()));
  await readOnce();
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await readOnce();
    times.push(performance.now() - t0);
  }
  const packets = conn.readPacketArray.length as number;
  const items = (conn.readPacketArray as { itemList: unknown[] }[]).reduce((n, p) => n + p.itemList.length, 0);
  await new Promise<void>((resolve) => conn.dropConnection(() => resolve()));
  return { packets, items, cycle: median(times) };
}

export async function benchS7(): Promise<void> {
  const dir = tempDir('plexus-bench-s7-');
  const port = await freePort();
  const { tags, config } = machine();
  fs.writeFileSync(path.join(dir, 'sim.yaml'), YAML.stringify(config));
  const children: ChildProcess[] = [];
  const sim = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve('src/main.ts'), 'simulate', 's7', '--config', path.join(dir, 'sim.yaml'), '--port', String(port)],
    {
      stdio: 'ignore',
    },
  );
  children.push(sim);
  try {
    await waitForPort(port, 30_000);
    process.stdout.write(`\nS7 on loopback: ${tags.length} mixed tags across ${DBS} DBs at ${INTERVAL_MS / 1000} s (snap7 simulator in its own process)\n`);
    for (const pduSize of [960, 240]) {
      const r = await measure(port, tags, pduSize);
      const p = `PDU ${r.pdu}`;
      line(`${p}: requests per cycle`, `${r.requestsPerCycle} (${r.bad} bad values)`);
      line(`${p}: cycle time at 1 s (median, max)`, `${median(r.cycles).toFixed(1)} ms, ${Math.max(...r.cycles).toFixed(1)} ms`);
      line(`${p}: round trip (median, p99)`, `${r.stats.roundTripMedianMs?.toFixed(2)} ms, ${r.stats.roundTripP99Ms?.toFixed(2)} ms`);
      line(`${p}: tag values per second (flat out)`, fmt(r.valuesPerS));
    }
    const own = await nodes7Own(
      port,
      tags.map((t) => t.nodes7),
    );
    line("nodes7's own optimiser: requests per cycle", `${own.packets} (${own.items} items, PDU 960)`);
    line("nodes7's own optimiser: cycle time (median)", `${own.cycle.toFixed(1)} ms`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
