/**
 * Modbus on loopback: the simulator's own capacity, the driver's requests and
 * tag values per second for one device and for 32 units sharing one
 * connection, and what one dead unit among 32 costs the others' poll cycle.
 * The simulator runs in its own process, as a device would.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { DriverTag } from '../drivers/contract.ts';
import { ModbusClient } from '../drivers/modbus/client.ts';
import { ModbusDriver } from '../drivers/modbus/driver.ts';
import { readRequest } from '../drivers/modbus/pdu.ts';
import { type ModbusConnection, ModbusConnectionSchema } from '../drivers/modbus/settings.ts';
import { tcpOpener } from '../drivers/modbus/streams.ts';
import { systemClock } from '../src/clock.ts';
import { assertSchema } from '../src/config/schema-errors.ts';
import { SharedResources } from '../src/shared-resources.ts';
import { driverDeps } from '../test/helpers/driver-deps.ts';
import { freePort, tempDir, waitForPort } from '../test/helpers/net.ts';
import { fmt, line, median } from './report.ts';

const UNITS = 32;
const TAGS = 1000; // float32 per unit: 17 requests of up to 124 registers
const SECONDS = Number(process.env.BENCH_MODBUS_S ?? 5);

const tags: DriverTag[] = Array.from({ length: TAGS }, (_, i) => ({ name: `T${i}`, address: `HR${i * 2}`, type: 'float32' }));

function driverFor(port: number, unitId: number, shared: SharedResources, timeoutMs = 1000) {
  return new ModbusDriver(
    {
      name: `Unit${unitId}`,
      connection: assertSchema<ModbusConnection>(ModbusConnectionSchema, { host: '127.0.0.1', port, unitId, timeoutMs }, 'connection'),
      groups: [{ name: 'g', tags }],
    },
    driverDeps({ shared }),
  );
}

async function connected(drivers: ModbusDriver[]) {
  const deadline = Date.now() + 10_000;
  while (drivers.some((d) => d.connection.state !== 'connected')) {
    if (Date.now() > deadline) throw new Error('drivers did not connect');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads every driver's group in a loop for SECONDS; returns requests and values per second. */
async function pollFlat(drivers: ModbusDriver[]) {
  const end = performance.now() + SECONDS * 1000;
  let values = 0;
  const requests0 = drivers.reduce((n, d) => n + d.stats().requests, 0);
  const started = performance.now();
  await Promise.all(
    drivers.map(async (d) => {
      while (performance.now() < end) {
        const read = await d.read('g');
        values += read.length;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const requests = drivers.reduce((n, d) => n + d.stats().requests, 0) - requests0;
  return { requestsPerS: requests / elapsed, valuesPerS: values / elapsed };
}

/** Poll cycles of all drivers at once: the median time for the live ones to finish a cycle. */
async function cycleTimes(drivers: ModbusDriver[], cycles: number) {
  const times: number[] = [];
  for (let i = 0; i < cycles; i++) {
    const t0 = performance.now();
    const live = drivers.slice(0, UNITS - 1);
    await Promise.all([...live.map((d) => d.read('g')), drivers[UNITS - 1]?.read('g')]);
    times.push(performance.now() - t0);
  }
  return times;
}

export async function benchModbusDriver(): Promise<void> {
  const dir = tempDir('plexus-bench-modbus-');
  const port = await freePort();
  const config = {
    units: Array.from({ length: UNITS }, (_, u) => ({
      id: u + 1,
      points: [{ area: 'holding', address: 0, type: 'float32', count: TAGS, generator: { kind: 'sine', min: 0, max: 100, periodMs: 10_000 } }],
    })),
  };
  fs.writeFileSync(path.join(dir, 'sim.yaml'), YAML.stringify(config));
  const children: ChildProcess[] = [];
  const sim = spawn(
    process.execPath,
    [path.resolve('dist/src/main.js'), 'simulate', 'modbus', '--config', path.join(dir, 'sim.yaml'), '--port', String(port)],
    {
      stdio: 'ignore',
    },
  );
  children.push(sim);
  try {
    await waitForPort(port);
    process.stdout.write(`\nModbus on loopback (simulator in its own process; ${SECONDS} s per figure)\n`);

    // The simulator's capacity: 4 connections each with one request in flight.
    const clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const c = new ModbusClient({ open: tcpOpener('127.0.0.1', port, systemClock), framing: 'mbap', clock: systemClock });
        await c.connect();
        return c;
      }),
    );
    const end = performance.now() + SECONDS * 1000;
    let trips = 0;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        while (performance.now() < end) {
          await c.request(i + 1, readRequest(3, 0, 10), { timeoutMs: 1000 });
          trips++;
        }
      }),
    );
    line('simulator round trips per second (4 clients)', fmt(trips / ((performance.now() - t0) / 1000)));
    for (const c of clients) c.close();

    const shared = new SharedResources();
    const one = driverFor(port, 1, shared);
    one.start();
    await connected([one]);
    const single = await pollFlat([one]);
    line('1 device: requests per second', fmt(single.requestsPerS));
    line('1 device: tag values per second', fmt(single.valuesPerS));
    await one.stop();

    const drivers = Array.from({ length: UNITS }, (_, u) => driverFor(port, u + 1, shared));
    for (const d of drivers) d.start();
    await connected(drivers);
    const many = await pollFlat(drivers);
    line(`${UNITS} units, one connection: requests per second`, fmt(many.requestsPerS));
    line(`${UNITS} units, one connection: values per second`, fmt(many.valuesPerS));
    const healthy = median(await cycleTimes(drivers, 10));
    for (const d of drivers) await d.stop();

    // The last unit is dead (not served): 99 instead of 32.
    const withDead = [...Array.from({ length: UNITS - 1 }, (_, u) => driverFor(port, u + 1, shared, 200)), driverFor(port, 99, shared, 200)];
    for (const d of withDead) d.start();
    await connected(withDead);
    const firstCycles = await cycleTimes(withDead, 3);
    const skipped = median(await cycleTimes(withDead, 10));
    for (const d of withDead) await d.stop();
    line(`poll cycle of ${UNITS} units, all alive (median)`, `${healthy.toFixed(1)} ms`);
    line('… with one dead unit, first 3 cycles (200 ms timeout)', firstCycles.map((t) => `${t.toFixed(0)} ms`).join(', '));
    line('… once the dead unit is skipped (median)', `${skipped.toFixed(1)} ms (${(skipped / healthy).toFixed(2)} × all alive)`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
