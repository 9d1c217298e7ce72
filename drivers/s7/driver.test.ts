/**
 * The S7 driver against the snap7-based simulator on 127.0.0.1: every address
 * form and type read and written, bits written without touching their
 * neighbours, refused items isolated with their reason, reconnection; and
 * against a fake PLC that refuses the connection or the request the way a
 * misconfigured one does.
 */

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { s7SimulatorPlugin } from '../../simulators/s7/plugin.ts';
import type { S7Simulator } from '../../simulators/s7/server.ts';
import { assertSchema } from '../../src/config/schema-errors.ts';
import { driverDeps } from '../../test/helpers/driver-deps.ts';
import { freePort } from '../../test/helpers/net.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import type { ConnectionState, DataType, DriverTag, Sample, TagValue } from '../contract.ts';
import { S7Driver } from './driver.ts';
import { type S7Connection, S7ConnectionSchema } from './settings.ts';

/** Every address form and type: the value the simulator holds, and one to write. */
const CASES: { address: string; type: DataType; value: TagValue; write: TagValue }[] = [
  { address: 'DB1,REAL0', type: 'float32', value: 3.5, write: -0.25 },
  { address: 'DB1,INT4', type: 'int16', value: -1234, write: 31000 },
  { address: 'DB1,DINT6', type: 'int32', value: -123456789, write: 2_000_000_000 },
  { address: 'DB1,X10.3', type: 'bool', value: true, write: false },
  { address: 'DB1,BYTE11', type: 'uint8', value: 200, write: 17 },
  { address: 'DB1,WORD12', type: 'uint16', value: 0xbeef, write: 0x1234 },
  { address: 'DB1,DWORD14', type: 'uint32', value: 0xdeadbeef, write: 0x80000001 },
  { address: 'DB1,S20.32', type: 'string', value: 'hello S7', write: 'Grüße, 32 characters at most' },
  { address: 'DB1,LREAL56', type: 'float64', value: 1.25e100, write: -Math.PI },
  { address: 'DB1,SINT64', type: 'int8', value: -5, write: 127 },
  { address: 'DB1,USINT65', type: 'uint8', value: 250, write: 1 },
  { address: 'DB1,UINT66', type: 'uint16', value: 60000, write: 65535 },
  { address: 'DB1,UDINT68', type: 'uint32', value: 4_000_000_000, write: 7 },
  { address: 'DB1,LINT72', type: 'int64', value: -1234567890123n, write: -9007199254740993n },
  { address: 'DB1,ULINT80', type: 'uint64', value: 1_000_000_000_000_000n, write: 18446744073709551615n },
  { address: 'DB1,C90.5', type: 'string', value: 'ABCDE', write: 'xyz' },
  { address: 'DB1,WORD96', type: 'bcd16', value: 1234, write: 9876 },
  { address: 'DB1,WORD98', type: 'int16', value: -2, write: -32768 },
  { address: 'DB1.DBW102', type: 'int16', value: -3, write: 12 },
  { address: 'DB1.DBD104', type: 'float32', value: 1.5, write: 2.5 },
  { address: 'DB1.DBX108.7', type: 'bool', value: true, write: false },
  { address: 'DB1.DBB109', type: 'int8', value: -7, write: 7 },
  { address: 'DB1,112', type: 'float32', value: 2.25, write: 4.75 },
  { address: 'DB1,116.2', type: 'bool', value: true, write: false },
  { address: 'DB1,118.10', type: 'string', value: 'offset', write: 'form' },
  { address: 'M10.0', type: 'bool', value: true, write: false },
  { address: 'MB11', type: 'uint8', value: 17, write: 255 },
  { address: 'MW12', type: 'int16', value: -300, write: 300 },
  { address: 'MD14', type: 'float32', value: 9.75, write: -9.75 },
  { address: 'MD18', type: 'uint32', value: 100000, write: 4294967295 },
  { address: 'I0.0', type: 'bool', value: true, write: false },
  { address: 'IB1', type: 'uint8', value: 3, write: 4 },
  { address: 'IW4', type: 'uint16', value: 27648, write: 13824 },
  { address: 'ID8', type: 'int32', value: -5, write: 5 },
  { address: 'E12.1', type: 'bool', value: true, write: false },
  { address: 'Q0.1', type: 'bool', value: true, write: false },
  { address: 'QB1', type: 'uint8', value: 9, write: 10 },
  { address: 'QW2', type: 'uint16', value: 5000, write: 6000 },
  { address: 'QD4', type: 'bcd32', value: 12345678, write: 87654321 },
  { address: 'A8.7', type: 'bool', value: true, write: false },
];

const tagName = (address: string) => address.replace(/[^A-Za-z0-9]/g, '_');
const tags: DriverTag[] = CASES.map((c) => ({ name: tagName(c.address), address: c.address, type: c.type }));

function simulatorConfig() {
  return {
    dataBlocks: [
      { number: 1, size: 256 },
      { number: 2, size: 4 },
    ],
    values: [
      ...CASES.map((c) => ({ address: c.address, type: c.type, value: typeof c.value === 'bigint' ? Number(c.value) : c.value })),
      // Neighbours of the bits the tests write.
      { address: 'DB1,X10.2', value: true },
      { address: 'DB1,X10.4', value: true },
      { address: 'M10.1', value: true },
      { address: 'DB2,INT0', value: 42 },
    ],
  };
}

function driverFor(port: number, groupTags: DriverTag[], states: ConnectionState[] = [], connection: Partial<S7Connection> = {}) {
  return new S7Driver(
    {
      name: 'plc',
      connection: assertSchema<S7Connection>(S7ConnectionSchema, { host: '127.0.0.1', port, timeoutMs: 500, ...connection }, 'connection'),
      groups: [{ name: 'g', tags: groupTags }],
    },
    driverDeps({ onStateChange: (s) => states.push(s) }),
  );
}

const byTag = (samples: Sample[]) => Object.fromEntries(samples.map((s) => [s.tag, s]));

describe('S7 driver against the snap7 simulator', () => {
  let sim: S7Simulator;
  let port: number;
  const cleanup: (() => Promise<void>)[] = [];
  before(async () => {
    port = await freePort();
    const config = simulatorConfig();
    // LINT and ULINT values beyond 2^53 are set through the simulator, not its (JSON) config.
    sim = s7SimulatorPlugin.create(config, { port }) as S7Simulator;
    await sim.start();
    sim.setValue('DB1,LINT72', -1234567890123n);
    sim.setValue('DB1,ULINT80', 1_000_000_000_000_000n);
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    await sim.stop();
  });

  /** A driver of these tags, connected to the simulator (and stopped after the suite if a test fails). */
  async function connectedDriver(groupTags: DriverTag[], states: ConnectionState[] = []) {
    const driver = driverFor(port, groupTags, states);
    cleanup.push(() => driver.stop());
    driver.start();
    await waitFor(() => driver.connection.state === 'connected', 'connected');
    return driver;
  }

  it('reads every address form and type, in as few requests as the PDU allows', async () => {
    const driver = await connectedDriver(tags);
    const samples = byTag(await driver.read('g'));
    for (const c of CASES) {
      const s = samples[tagName(c.address)];
      assert.equal(s?.quality, 'good', `${c.address}: ${s?.reason}`);
      assert.equal(s?.value, c.value, c.address);
    }
    const stats = driver.stats();
    assert.equal(stats.details?.pduSize, 960);
    // DB1, the merkers, the inputs and the outputs: four items, one request.
    assert.deepEqual(
      driver.plan('g').map((r) => r.items.length),
      [4],
    );
    assert.equal(stats.requests, 1);
    assert.equal(stats.details?.readRequestsPerCycle, 1);
    await driver.stop();
  });

  it('writes every address form and type, and reads back what it wrote', async () => {
    const driver = await connectedDriver(tags);
    for (const c of CASES) await driver.write(tagName(c.address), c.write);
    const samples = byTag(await driver.read('g'));
    for (const c of CASES) {
      const s = samples[tagName(c.address)];
      assert.deepEqual([s?.quality, s?.value], ['good', c.write], c.address);
      assert.equal(sim.valueAt(c.address, c.type), c.write, `the simulator holds the written ${c.address}`);
    }
    // The STRING keeps the maximum length the PLC declares; the written text is shorter.
    assert.deepEqual([...sim.bytes('DB', 1, 20, 2)], [32, 'Grüße, 32 characters at most'.length]);
    // Write what the simulator had, for the other tests.
    for (const c of CASES) await driver.write(tagName(c.address), c.value);
    await driver.stop();
  });

  it('writes a bit without disturbing the other bits of its byte', async () => {
    const driver = await connectedDriver(tags);
    sim.setValue('DB1,BYTE10', 0b0001_0100); // bits 2 and 4 set, bit 3 clear
    await driver.write(tagName('DB1,X10.3'), true);
    assert.equal(sim.bytes('DB', 1, 10, 1)[0], 0b0001_1100);
    // The PLC program changes bit 0 meanwhile; clearing bit 3 keeps it (no read-modify-write).
    sim.setValue('DB1,X10.0', true);
    await driver.write(tagName('DB1,X10.3'), false);
    assert.equal(sim.bytes('DB', 1, 10, 1)[0], 0b0001_0101);
    await driver.stop();
  });

  it('marks a missing DB and a range past the end of a DB bad with the reason, and only those tags', async () => {
    const driver = await connectedDriver([
      { name: 'fine', address: 'DB2,INT0', type: 'int16' },
      { name: 'pastEnd', address: 'DB2,REAL2', type: 'float32' },
      { name: 'missing', address: 'DB99,INT0', type: 'int16' },
      { name: 'alsoFine', address: 'DB1,REAL0', type: 'float32' },
    ]);
    for (let cycle = 0; cycle < 2; cycle++) {
      const s = byTag(await driver.read('g'));
      assert.deepEqual([s.fine?.quality, s.fine?.value], ['good', 42], `cycle ${cycle}`);
      assert.deepEqual([s.alsoFine?.quality, s.alsoFine?.value], ['good', 3.5]);
      assert.equal(s.pastEnd?.quality, 'bad');
      assert.match(
        s.pastEnd?.reason ?? '',
        /^DB2 bytes 2\.\.5 is out of range \(S7 return code 0x05\): it is past the end of the area or DB, or the DB has 'Optimized block access' on/,
      );
      assert.equal(s.missing?.quality, 'bad');
      assert.match(s.missing?.reason ?? '', /^DB99 does not exist in the PLC \(S7 return code 0x0a/);
    }
    assert.equal(driver.connection.state, 'connected', 'refused items do not cost the connection');
    // From the second cycle on, the refused range is read apart from its neighbour.
    assert.deepEqual(
      driver.plan('g').flatMap((r) => r.items.map((i) => `DB${i.db}:${i.start}+${i.length}`)),
      ['DB1:0+4', 'DB2:0+2', 'DB2:2+4', 'DB99:0+2'],
    );
    assert.equal(driver.stats().exceptions?.['0x0a'], 2);
    await driver.stop();
  });

  it('reconnects after the PLC is stopped and started again', async () => {
    const states: ConnectionState[] = [];
    const driver = await connectedDriver([{ name: 't', address: 'DB1,REAL0', type: 'float32' }], states);
    await sim.stop();
    await waitFor(() => driver.connection.state === 'backing-off', 'backing off');
    const [down] = await driver.read('g');
    assert.equal(down?.quality, 'bad');
    assert.match(down?.reason ?? '', /^not connected: /);
    await sim.start();
    await waitFor(() => driver.connection.state === 'connected', 'connected again', 15_000);
    const [up] = await driver.read('g');
    assert.deepEqual([up?.quality, up?.value], ['good', 3.5]);
    assert.ok(driver.stats().reconnects >= 1);
    const seen = states.map((s) => s.state);
    assert.deepEqual(seen.slice(0, 3), ['connecting', 'connected', 'backing-off']);
    assert.equal(seen.at(-1), 'connected');
    await driver.stop();
    assert.equal(driver.connection.state, 'stopped');
  });
});

/** A PLC that refuses what a misconfigured one refuses: the COTP connection (wrong rack or slot), or every read (PUT/GET off); or one that stops answering. */
async function fakePlc(mode: 'refuse-connection' | 'refuse-reads' | 'silent') {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (data) => {
      if (data[5] === 0xe0) {
        // COTP connection request: confirm it (0xD0), or answer a disconnect request (0x80) as a PLC with no CPU in that slot does.
        const reply = Buffer.from(data);
        reply[5] = mode === 'refuse-connection' ? 0x80 : 0xd0;
        socket.write(reply);
        return;
      }
      const seq = data.readUInt16BE(11);
      if (data[17] === 0xf0) {
        // Setup communication: grant the PDU asked for.
        const reply = Buffer.from([0x03, 0x00, 0x00, 0x1b, 0x02, 0xf0, 0x80, 0x32, 0x03, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0, 0xf0, 0, 0, 1, 0, 1, 0, 240]);
        reply.writeUInt16BE(seq, 11);
        socket.write(reply);
        return;
      }
      if (mode === 'silent') return;
      // A read: refused as a whole with error class 0x81, code 0x04 (function not available).
      const reply = Buffer.from([0x03, 0x00, 0x00, 0x13, 0x02, 0xf0, 0x80, 0x32, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x04]);
      reply.writeUInt16BE(seq, 11);
      socket.write(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Runs `check` with a started driver of one tag against a fake PLC, then stops both. */
async function withFakePlc(mode: Parameters<typeof fakePlc>[0], check: (driver: S7Driver) => Promise<void>, connection: Partial<S7Connection> = {}) {
  const plc = await fakePlc(mode);
  const driver = driverFor(plc.port, [{ name: 't', address: 'DB1,INT0', type: 'int16' }], [], connection);
  try {
    driver.start();
    await check(driver);
  } finally {
    await driver.stop();
    await plc.close();
  }
}

const backingOff = (driver: S7Driver) => waitFor(() => (driver.connection.state === 'backing-off' ? driver.connection : undefined), 'backing off');
const connected = (driver: S7Driver) => waitFor(() => driver.connection.state === 'connected', 'connected');

describe('S7 driver against a PLC that refuses', () => {
  it('says to check rack and slot when the PLC refuses the connection', () =>
    withFakePlc(
      'refuse-connection',
      async (driver) => {
        assert.match((await backingOff(driver)).reason, /^the PLC refused the ISO \(COTP\) connection: check rack and slot/);
        const [sample] = await driver.read('g');
        assert.match(sample?.reason ?? '', /^not connected: the PLC refused the ISO \(COTP\) connection/);
      },
      { slot: 3 },
    ));

  it('says to enable PUT/GET when the PLC refuses every read', () =>
    withFakePlc('refuse-reads', async (driver) => {
      await connected(driver);
      assert.equal(driver.stats().details?.pduSize, 240);
      const [sample] = await driver.read('g');
      assert.equal(sample?.quality, 'bad');
      assert.match(sample?.reason ?? '', /S7 error 0x8104.*Permit access with PUT\/GET communication from remote partner/);
      // The PLC refuses everything: the device shows why in its state, and a write says so too.
      assert.match((await backingOff(driver)).reason, /PUT\/GET/);
      await assert.rejects(driver.write('t', 1), (err: Error & { code?: string }) => err.code === 'NOT_CONNECTED' && /PUT\/GET/.test(err.message));
    }));

  it('times a silent PLC out with the reason, reconnects, and leaves no timer behind once stopped', async () => {
    await withFakePlc('silent', async (driver) => {
      await connected(driver);
      const [sample] = await driver.read('g');
      assert.deepEqual([sample?.quality, sample?.reason], ['bad', 'no response within 500 ms']);
      assert.equal(driver.stats().timeouts, 1);
      await waitFor(() => driver.connection.state === 'connected' && driver.stats().reconnects === 1, 'connected again');
    });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await waitFor(() => timers() === 0 || undefined, 'no timer left', 2000);
  });
});
