/**
 * Interoperability: Plexus reads an independent Modbus server (pymodbus, from
 * Debian) whose registers were encoded by pymodbus itself, in every type and
 * byte order, and decodes the values it was given.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ByteOrder, DataType, DriverTag, TagValue } from '../../drivers/contract.ts';
import { ModbusDriver } from '../../drivers/modbus/driver.ts';
import { type ModbusConnection, ModbusConnectionSchema } from '../../drivers/modbus/settings.ts';
import { assertSchema } from '../../src/config/schema-errors.ts';
import { driverDeps } from '../helpers/driver-deps.ts';
import { freePort, waitForPort } from '../helpers/net.ts';
import { waitFor } from '../helpers/wait.ts';

const VALUES: Record<string, TagValue> = {
  int16: -12345,
  uint16: 54321,
  int32: -1234567890,
  uint32: 3234567890,
  float32: -3.5,
  int64: -1234567890123456789n,
  uint64: 12345678901234567890n,
  float64: 6.02214076e23,
};
const SIZE: Record<string, number> = { int16: 1, uint16: 1, int32: 2, uint32: 2, float32: 2, int64: 4, uint64: 4, float64: 4 };
const ORDERS: ByteOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

const spec: { address: number; type: string; order: ByteOrder; value: string }[] = [];
const tags: DriverTag[] = [];
let next = 0;
for (const type of Object.keys(VALUES)) {
  for (const order of ORDERS) {
    spec.push({ address: next, type, order, value: String(VALUES[type]) });
    tags.push({ name: `${type}_${order}`, address: `HR${next}`, type: type as DataType, byteOrder: order });
    next += (SIZE[type] as number) + 1; // one unused register between values: the planner reads across it
  }
}
tags.push({ name: 'coil3', address: '00004', type: 'bool' });

describe('interoperability with pymodbus', () => {
  let server: ChildProcess;
  let port: number;

  before(async () => {
    port = await freePort();
    server = spawn('/usr/bin/python3', [path.resolve('test/interop/pymodbus_server.py'), String(port), JSON.stringify(spec)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr?.on('data', (d) => {
      stderr += d;
    });
    const exited = once(server, 'exit').then(() => {
      throw new Error(`pymodbus server exited: ${stderr}`);
    });
    exited.catch(() => {});
    await Promise.race([waitForPort(port, 20_000), exited]);
  });

  after(async () => {
    if (server.exitCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGKILL');
      await exited;
    }
  });

  it('decodes every type in every byte order as pymodbus encoded it', async () => {
    const driver = new ModbusDriver(
      {
        name: 'pymodbus',
        connection: assertSchema<ModbusConnection>(ModbusConnectionSchema, { host: '127.0.0.1', port, unitId: 1, maxGap: 1 }, 'connection'),
        groups: [{ name: 'all', tags }],
      },
      driverDeps(),
    );
    driver.start();
    try {
      await waitFor(() => driver.connection.state === 'connected', 'connected');
      const samples = await driver.read('all');
      for (const s of samples) {
        if (s.tag === 'coil3') {
          assert.deepEqual([s.quality, s.value], ['good', true]);
          continue;
        }
        assert.deepEqual([s.tag, s.quality, s.value], [s.tag, 'good', VALUES[s.tag.split('_')[0] as string]]);
      }
      assert.equal(samples.length, tags.length);
      assert.equal(driver.plan('all').filter((r) => r.area === 'holding').length, 1, 'all 32 values in one request, across the gaps');
    } finally {
      await driver.stop();
    }
  });
});
