/**
 * Every type, read and written, over each transport: Modbus TCP, RTU framed
 * over TCP, and RTU on a serial line (a socat pair, the simulator on the other end).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { assertSchema } from '../../src/config/schema-errors.ts';
import { SharedResources } from '../../src/shared-resources.ts';
import { driverDeps } from '../../test/helpers/driver-deps.ts';
import { SerialPair } from '../../test/helpers/socat.ts';
import { modbusSimulator } from '../../test/helpers/stack.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import type { DataType, DriverTag, TagValue } from '../contract.ts';
import { decodeRegisters } from './codec.ts';
import { ModbusDriver } from './driver.ts';
import { type ModbusConnection, ModbusConnectionSchema } from './settings.ts';

/** Tags of every type, with the values the simulator holds for them (wire layout in the comments). */
const cases: { tag: DriverTag; value: TagValue; write: TagValue }[] = [
  { tag: { name: 'i16', address: 'HR0', type: 'int16' }, value: -1234, write: 32000 },
  { tag: { name: 'u16', address: 'HR1', type: 'uint16' }, value: 65000, write: 7 },
  { tag: { name: 'i32', address: 'HR2', type: 'int32' }, value: -100000, write: 2147483647 },
  { tag: { name: 'u32cdab', address: 'HR4', type: 'uint32', byteOrder: 'CDAB' }, value: 305419896, write: 4000000000 },
  { tag: { name: 'f32', address: 'HR6', type: 'float32' }, value: 1.5, write: -2.25 },
  { tag: { name: 'f32dcba', address: 'HR8', type: 'float32', byteOrder: 'DCBA' }, value: 0.25, write: 1024.5 },
  { tag: { name: 'i64', address: 'HR10', type: 'int64' }, value: -5n, write: -(2n ** 62n) },
  { tag: { name: 'u64badc', address: 'HR14', type: 'uint64', byteOrder: 'BADC' }, value: 9n, write: 12345678901234567890n },
  { tag: { name: 'f64', address: 'HR18', type: 'float64' }, value: Math.E, write: -1e300 },
  { tag: { name: 'bcd16', address: 'HR22', type: 'bcd16' }, value: 1234, write: 9876 },
  { tag: { name: 'bcd32', address: 'HR23', type: 'bcd32' }, value: 12345678, write: 87654321 },
  { tag: { name: 'strH', address: 'HR30.5', type: 'string' }, value: 'HELLO', write: 'abc' },
  { tag: { name: 'strL', address: 'HR33.4L', type: 'string' }, value: 'ABCD', write: 'wxyz' },
  { tag: { name: 'strD', address: 'HR36.3D', type: 'string' }, value: 'XYZ', write: 'q' },
  { tag: { name: 'strE', address: 'HR39.2E', type: 'string' }, value: 'OK', write: 'no' },
  { tag: { name: 'bit3', address: 'HR41.3', type: 'bool' }, value: true, write: false },
  { tag: { name: 'bit4', address: 'HR41.4', type: 'bool' }, value: false, write: true },
  { tag: { name: 'neuron', address: '1!400043#BL', type: 'int32' }, value: 99, write: -99 },
  { tag: { name: 'coil', address: 'CO5', type: 'bool' }, value: true, write: false },
  { tag: { name: 'di', address: 'DI2', type: 'bool' }, value: true, write: false },
  { tag: { name: 'ir', address: 'IR9', type: 'uint16' }, value: 4242, write: 0 },
];

/** The simulator's registers holding those values, set up raw. */
function simulatorConfig(transport: string, serialPort?: string) {
  const p = (address: number, type: DataType, value: number | boolean, byteOrder = 'ABCD', area = 'holding') => ({ area, address, type, value, byteOrder });
  return {
    transport,
    serialPort,
    units: [
      {
        id: 1,
        maskWrite: transport !== 'tcp', // over TCP the driver must fall back to read-modify-write
        points: [
          p(0, 'int16', -1234),
          p(1, 'uint16', 65000),
          p(2, 'int32', -100000),
          p(4, 'uint32', 305419896, 'CDAB'),
          p(6, 'float32', 1.5),
          p(8, 'float32', 0.25, 'DCBA'),
          p(10, 'int64', -5),
          p(14, 'uint64', 9, 'BADC'),
          p(18, 'float64', Math.E),
          p(22, 'uint16', 0x1234),
          p(23, 'uint32', 0x12345678),
          // "HELLO" high byte first, "ABCD" low byte first, "XYZ" in low bytes, "OK" in high bytes
          p(30, 'uint16', 0x4845),
          p(31, 'uint16', 0x4c4c),
          p(32, 'uint16', 0x4f00),
          p(33, 'uint16', 0x4241),
          p(34, 'uint16', 0x4443),
          p(36, 'uint16', 0x58),
          p(37, 'uint16', 0x59),
          p(38, 'uint16', 0x5a),
          p(39, 'uint16', 0x4f00),
          p(40, 'uint16', 0x4b00),
          p(41, 'uint16', 0b1000),
          p(42, 'int32', 99, 'CDAB'),
          p(5, 'bool', true, 'ABCD', 'coil'),
          p(2, 'bool', true, 'ABCD', 'discrete'),
          p(9, 'uint16', 4242, 'ABCD', 'input'),
        ],
      },
    ],
  };
}

async function exercise(connection: Record<string, unknown>, sim: ModbusSimulator, maskWriteRefused: boolean) {
  const writeMultiple = connection.writeMultiple === true;
  const shared = new SharedResources();
  const driver = new ModbusDriver(
    {
      name: 'dev',
      connection: assertSchema<ModbusConnection>(ModbusConnectionSchema, { unitId: 1, timeoutMs: 1000, ...connection }, 'connection'),
      groups: [{ name: 'all', tags: cases.map((c) => c.tag) }],
    },
    driverDeps({ shared }),
  );
  driver.start();
  try {
    await waitFor(() => driver.connection.state === 'connected', 'connected');
    const read = async () => Object.fromEntries((await driver.read('all')).map((s) => [s.tag, s]));
    const before = await read();
    for (const c of cases) {
      assert.deepEqual([c.tag.name, before[c.tag.name]?.quality, before[c.tag.name]?.value], [c.tag.name, 'good', c.value]);
    }
    for (const c of cases) {
      if (c.tag.address.startsWith('DI') || c.tag.address.startsWith('IR')) {
        await assert.rejects(driver.write(c.tag.name, c.write), /read-only/);
        continue;
      }
      await driver.write(c.tag.name, c.write);
    }
    const after = await read();
    for (const c of cases) {
      const expected = c.tag.address.startsWith('DI') || c.tag.address.startsWith('IR') ? c.value : c.write;
      assert.deepEqual([c.tag.name, after[c.tag.name]?.value], [c.tag.name, expected]);
    }
    // Writing a bit left its neighbours alone; the 64-bit write landed in the right byte order.
    assert.equal(sim.registers(1, 'holding', 41, 1).readUInt16BE(0), 0b10000);
    assert.equal(decodeRegisters(sim.registers(1, 'holding', 14, 4), 0, 'uint64', 'BADC'), 12345678901234567890n);
    const used = (code: number) => (sim.functionCounts[code] ?? 0) > 0;
    assert.deepEqual(
      [used(5), used(6), used(15), used(16)],
      writeMultiple ? [false, false, true, true] : [true, true, false, true],
      'the write functions used',
    );
    // A device that refuses function 22 answers exception 1, and the bit is written by read-modify-write.
    assert.equal(driver.stats().exceptions?.['1'] !== undefined, maskWriteRefused);
    await assert.rejects(driver.write('i16', 40000), (e: Error & { code?: string }) => e.code === 'BAD_VALUE');
    await assert.rejects(driver.write('strH', 'much too long'), /longer than the 5 characters/);
  } finally {
    await driver.stop();
    assert.equal(shared.size, 0, 'the link was released');
  }
}

describe('Modbus transports, every type read and written', () => {
  const serial = new SerialPair();
  const running: ModbusSimulator[] = [];
  before(() => serial.start().then(() => undefined));
  after(async () => {
    for (const s of running) await s.stop();
    await serial.stop();
  });

  it('Modbus TCP (mask write refused: read-modify-write)', async () => {
    const sim = modbusSimulator(simulatorConfig('tcp')) as ModbusSimulator;
    running.push(sim);
    await exercise({ transport: 'tcp', host: '127.0.0.1', port: await sim.start() }, sim, true);
  });

  it('RTU over TCP', async () => {
    const sim = modbusSimulator(simulatorConfig('rtu-over-tcp')) as ModbusSimulator;
    running.push(sim);
    // With writeMultiple, single coils and registers go as functions 15 and 16.
    await exercise({ transport: 'rtu-over-tcp', host: '127.0.0.1', port: await sim.start(), writeMultiple: true }, sim, false);
  });

  it('RTU on a serial line (socat pair)', async () => {
    const sim = modbusSimulator({ ...simulatorConfig('rtu', serial.b), baudRate: 38400 }) as ModbusSimulator;
    running.push(sim);
    await sim.start();
    await exercise({ transport: 'rtu', serialPort: serial.a, baudRate: 38400 }, sim, false);
  });
});
