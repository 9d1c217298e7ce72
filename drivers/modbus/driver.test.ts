/**
 * The Modbus driver against misbehaving devices on real sockets: a small server
 * in the test answers each request the way a faulty device would.
 */

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { assertSchema } from '../../src/config/schema-errors.ts';
import { driverDeps } from '../../test/helpers/driver-deps.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import type { ConnectionState, DriverTag } from '../contract.ts';
import { ModbusDriver } from './driver.ts';
import { encodeMbap, MbapFramer } from './mbap.ts';
import { type ModbusConnection, ModbusConnectionSchema } from './settings.ts';

type Answer = (start: number, count: number) => Buffer | 'garbage' | 'silence';

/** A device whose answer to a read of holding registers is chosen per start address. */
async function faultyDevice(answer: Answer) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const framer = new MbapFramer();
    socket.on('data', (chunk) => {
      for (const frame of framer.push(chunk)) {
        const reply = answer(frame.pdu.readUInt16BE(1), frame.pdu.readUInt16BE(3));
        if (reply === 'silence') continue;
        socket.write(reply === 'garbage' ? Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') : encodeMbap(frame.transactionId, frame.unitId, reply));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const registers = (...words: number[]) => {
  const pdu = Buffer.alloc(2 + words.length * 2);
  pdu[0] = 3;
  pdu[1] = words.length * 2;
  for (const [i, w] of words.entries()) pdu.writeUInt16BE(w, 2 + i * 2);
  return pdu;
};

function driverFor(port: number, tags: DriverTag[], states: ConnectionState[] = []) {
  return new ModbusDriver(
    {
      name: 'dev',
      connection: assertSchema<ModbusConnection>(ModbusConnectionSchema, { host: '127.0.0.1', port, unitId: 1, timeoutMs: 200 }, 'connection'),
      groups: [{ name: 'g', tags }],
    },
    driverDeps({ onStateChange: (s) => states.push(s) }),
  );
}

describe('Modbus driver against a faulty device', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('marks only the tags of a failed request bad, with the reason, and keeps the connection', async () => {
    const device = await faultyDevice((start) => {
      if (start === 0) return Buffer.from([0x83, 0x02]); // exception: illegal data address
      if (start === 10) return Buffer.from([0x03, 0x04, 0x00, 0x01]); // says 4 bytes, carries 2
      return registers(1234);
    });
    cleanup.push(device.close);
    const driver = driverFor(device.port, [
      { name: 'exc', address: 'HR0', type: 'int16' },
      { name: 'short', address: 'HR10', type: 'float32' },
      { name: 'fine', address: 'HR20', type: 'int16' },
    ]);
    cleanup.push(() => driver.stop());
    driver.start();
    await waitFor(() => driver.connection.state === 'connected', 'connected');
    const samples = Object.fromEntries((await driver.read('g')).map((s) => [s.tag, s]));
    assert.equal(samples.exc?.quality, 'bad');
    assert.equal(samples.exc?.reason, 'Modbus exception 2 (illegal data address)');
    assert.equal(samples.short?.quality, 'bad');
    assert.equal(samples.short?.reason, 'short frame: expected 4 data bytes, got 2');
    assert.deepEqual([samples.fine?.quality, samples.fine?.value], ['good', 1234]);
    assert.equal(driver.connection.state, 'connected');
    assert.equal(device.connections(), 1, 'no reconnect was needed');
    const stats = driver.stats();
    assert.deepEqual([stats.requests, stats.responses, stats.errors], [3, 3, 2]);
  });

  it('times out a silent request with a clear reason, and reconnects after repeated silence', async () => {
    const device = await faultyDevice(() => 'silence');
    cleanup.push(device.close);
    const driver = driverFor(device.port, [{ name: 't', address: 'HR0', type: 'int16' }]);
    cleanup.push(() => driver.stop());
    driver.start();
    await waitFor(() => driver.connection.state === 'connected', 'connected');
    const [sample] = await driver.read('g');
    assert.deepEqual([sample?.quality, sample?.reason], ['bad', 'no response within 200 ms']);
    await driver.read('g');
    await driver.read('g');
    await waitFor(() => device.connections() >= 2, 'a new connection after three timeouts in a row');
    assert.equal(driver.stats().timeouts, 3);
  });

  it('drops a connection whose byte stream is not Modbus and comes back by itself', async () => {
    let garble = true;
    const device = await faultyDevice(() => (garble ? 'garbage' : registers(7)));
    cleanup.push(device.close);
    const states: ConnectionState[] = [];
    const driver = driverFor(device.port, [{ name: 't', address: 'HR0', type: 'int16' }], states);
    cleanup.push(() => driver.stop());
    driver.start();
    await waitFor(() => driver.connection.state === 'connected', 'connected');
    const [sample] = await driver.read('g');
    assert.equal(sample?.quality, 'bad');
    assert.match(sample?.reason ?? '', /connection lost: garbled response: protocol id/);
    garble = false;
    await waitFor(async () => driver.connection.state === 'connected' && (await driver.read('g'))[0]?.value === 7, 'good values after the reconnect');
    assert.ok(
      states.some((s) => s.state === 'backing-off'),
      'the device went through back-off',
    );
    assert.equal(driver.stats().reconnects, 1);
  });

  it('reports a device that refuses connections as backing off with the reason', async () => {
    const device = await faultyDevice(() => 'silence');
    const port = device.port;
    await device.close();
    const states: ConnectionState[] = [];
    const driver = driverFor(port, [{ name: 't', address: 'HR0', type: 'int16' }], states);
    cleanup.push(() => driver.stop());
    driver.start();
    const backingOff = await waitFor(() => states.find((s) => s.state === 'backing-off'), 'back-off');
    assert.match(backingOff.state === 'backing-off' ? backingOff.reason : '', /ECONNREFUSED/);
    const [sample] = await driver.read('g');
    assert.deepEqual([sample?.quality, sample?.reason], ['bad', 'device not connected']);
  });
});

describe('Modbus driver settings', () => {
  it('retries a request that timed out, and keeps the quiet time between requests', async () => {
    const arrivals: number[] = [];
    let first = true;
    const device = await faultyDevice(() => {
      arrivals.push(performance.now());
      if (first) {
        first = false;
        return 'silence';
      }
      return registers(5);
    });
    const driver = new ModbusDriver(
      {
        name: 'dev',
        connection: assertSchema<ModbusConnection>(
          ModbusConnectionSchema,
          { host: '127.0.0.1', port: device.port, timeoutMs: 200, retries: 1, delayBetweenRequestsMs: 50 },
          'connection',
        ),
        groups: [{ name: 'g', tags: [{ name: 't', address: 'HR0', type: 'int16' }] }],
      },
      driverDeps(),
    );
    driver.start();
    try {
      await waitFor(() => driver.connection.state === 'connected', 'connected');
      const [sample] = await driver.read('g');
      assert.deepEqual([sample?.quality, sample?.value], ['good', 5], 'the retry got the answer');
      await driver.read('g');
      assert.equal(driver.stats().timeouts, 1);
      assert.equal(arrivals.length, 3);
      const gap = (arrivals[2] as number) - (arrivals[1] as number);
      assert.ok(gap >= 45, `requests ${gap.toFixed(1)} ms apart, at least the 50 ms asked for (timer granularity aside)`);
    } finally {
      await driver.stop();
      await device.close();
    }
  });
});
