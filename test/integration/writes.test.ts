/**
 * Write-back end to end: a Sparkplug host sends DCMDs and a user calls the REST
 * API; the simulator's registers change, the confirming DDATA follows at once,
 * every refusal is explained, and everything is in the audit log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeRegisters } from '../../drivers/modbus/codec.ts';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { TokenStore } from '../../src/api/tokens.ts';
import { PayloadMessage } from '../../src/sparkplug/codec.ts';
import type { HostMessage } from '../helpers/sparkplug-host.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const DEVICE = 'Dev';
const DCMD = `spBv1.0/TestGroup/DCMD/edge1/${DEVICE}`;

const rw = (name: string, address: string, type: string, extra: Record<string, unknown> = {}) => ({ name, address, type, access: 'readwrite', ...extra });

describe('write-back', () => {
  let stack: Stack;
  let api: string;
  let token: string;
  const sim = () => stack.simulator as ModbusSimulator;
  const reg = (address: number, count: number) => sim().registers(1, 'holding', address, count);
  let birth: HostMessage;
  const alias = (name: string) => birth.metrics.find((m) => m.name === name)?.alias;

  /** Waits for a DDATA after `from` that carries `name` with `value`. */
  const confirmed = (name: string, value: unknown, from: number) =>
    stack.host.next(`DDATA ${name} = ${String(value)}`, (m) => m.type === 'DDATA' && m.metrics.some((x) => x.alias === alias(name) && x.value === value), from);

  const post = async (path: string, body: unknown, auth = true) => {
    const res = await fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    stack = await startStack(
      { units: [{ id: 1, maskWrite: true, points: [] }] },
      (port) => [
        {
          name: DEVICE,
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [
            {
              name: 'g',
              intervalMs: 1000,
              tags: [
                rw('I16', 'HR0', 'int16'),
                rw('U32', 'HR2', 'uint32'),
                rw('F32', 'HR4', 'float32'),
                rw('F64', 'HR6', 'float64'),
                rw('I64', 'HR10', 'int64'),
                rw('Bit', 'HR14.2', 'bool'),
                rw('Coil', 'CO0', 'bool'),
                rw('Text', 'HR20.8', 'string'),
                rw('Scaled', 'HR30', 'int16', { steps: [{ kind: 'scale', factor: 0.1 }] }),
                rw('Formula', 'HR31', 'int16', { steps: [{ kind: 'expression', formula: 'value * 2' }] }),
                { name: 'ReadOnly', address: 'HR32', type: 'uint16' },
                rw('Bcd', 'HR33', 'bcd16'),
              ],
            },
          ],
        },
        {
          name: 'Locked',
          protocol: 'modbus',
          readOnly: true,
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [{ name: 'g', intervalMs: 1000, tags: [rw('Setpoint', 'HR40', 'uint16')] }],
        },
      ],
      { api: true },
    );
    api = stack.gateway.addresses.api as string;
    token = new TokenStore(stack.db).create('tester');
    birth = await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH' && m.device === DEVICE);
  });

  after(() => stack?.stop());

  it('writes every type from one DCMD, in order, and confirms each with DDATA at once', async () => {
    const from = stack.host.messages.length;
    await stack.host.command(DCMD, [
      { name: 'I16', type: 'Int16', value: -1234 },
      { name: 'U32', type: 'UInt32', value: 4000000000 },
      { name: 'F32', type: 'Float', value: 2.5 },
      { name: 'F64', type: 'Double', value: -1.25e100 },
      { name: 'I64', type: 'Int64', value: -5 },
      { name: 'Bit', type: 'Boolean', value: true },
      { name: 'Coil', type: 'Boolean', value: true },
      { name: 'Text', type: 'String', value: 'PLEXUS' },
      { name: 'Scaled', type: 'Double', value: 12.3 },
      { name: 'Bcd', type: 'UInt16', value: 1234 },
    ]);
    await confirmed('Bcd', 1234, from);
    assert.equal(reg(0, 1).readInt16BE(0), -1234);
    assert.equal(reg(2, 2).readUInt32BE(0), 4000000000);
    assert.equal(reg(4, 2).readFloatBE(0), 2.5);
    assert.equal(reg(6, 4).readDoubleBE(0), -1.25e100);
    assert.equal(reg(10, 4).readBigInt64BE(0), -5n);
    assert.equal(reg(14, 1).readUInt16BE(0), 0b100);
    assert.equal(sim().bit(1, 'coil', 0), true);
    assert.equal(reg(20, 4).toString('latin1'), 'PLEXUS\0\0');
    assert.equal(reg(30, 1).readInt16BE(0), 123, 'the inverse of scale ×0.1');
    assert.equal(reg(33, 1).toString('hex'), '1234');
    for (const [name, value] of [
      ['I16', -1234],
      ['U32', 4000000000],
      ['F32', 2.5],
      ['I64', -5],
      ['Text', 'PLEXUS'],
      ['Scaled', 12.3],
    ] as const) {
      await confirmed(name, value, from);
    }
  });

  it('takes a DCMD that names metrics by alias only and omits datatypes', async () => {
    const from = stack.host.messages.length;
    const payload = PayloadMessage.encode({ metrics: [{ alias: alias('I16'), intValue: 777 }] }).finish();
    await stack.host.publishRaw(DCMD, Buffer.from(payload));
    await confirmed('I16', 777, from);
    assert.equal(reg(0, 1).readInt16BE(0), 777);
  });

  it('refuses, one by one, unknown metrics, read-only tags, wrong types, out-of-range values and non-invertible transforms; the rest goes through', async () => {
    const from = stack.host.messages.length;
    await stack.host.command(DCMD, [
      { name: 'Nope', type: 'Int16', value: 1 },
      { name: 'ReadOnly', type: 'UInt16', value: 5 },
      { name: 'I16', type: 'String', value: 'ten' },
      { name: 'I16', type: 'Int16', value: 40000 },
      { name: 'Formula', type: 'Double', value: 4 },
      { name: 'U32', type: 'UInt32', value: 42 },
    ]);
    await confirmed('U32', 42, from);
    const audit = stack.gateway.audit.list(6).reverse();
    assert.deepEqual(
      audit.map((e) => [e.tag, e.result]),
      [
        ['Nope', 'PLX_WRITE_BAD_COMMAND'],
        ['ReadOnly', 'PLX_WRITE_READ_ONLY_TAG'],
        ['I16', 'PLX_WRITE_BAD_COMMAND'],
        ['I16', 'PLX_WRITE_BAD_VALUE'],
        ['Formula', 'PLX_WRITE_NOT_INVERTIBLE'],
        ['U32', 'ok'],
      ],
    );
    assert.match(audit[0]?.message ?? '', /Dev has no metric Nope/);
    assert.match(audit[2]?.message ?? '', /the command says String, the tag is Int16/);
    assert.match(audit[3]?.message ?? '', /40000 does not fit int16/);
    assert.equal(audit[5]?.source, 'dcmd');
    assert.equal(audit[5]?.readBack, 42);
    assert.equal(reg(0, 1).readInt16BE(0), 777, 'refused writes changed nothing');
  });

  it('writes through the REST API with a token, with a dry run first', async () => {
    const dry = await post(`/api/v1/devices/${DEVICE}/tags/Scaled/write`, { value: 45.6, dryRun: true });
    assert.equal(dry.status, 200);
    assert.deepEqual([dry.body.ok, dry.body.dryRun, dry.body.raw], [true, true, 456]);
    assert.equal(reg(30, 1).readInt16BE(0), 123, 'a dry run does not touch the device');
    const from = stack.host.messages.length;
    const real = await post(`/api/v1/devices/${DEVICE}/tags/Scaled/write`, { value: 45.6 });
    assert.equal(real.status, 200);
    assert.deepEqual([real.body.ok, real.body.raw, real.body.readBack], [true, 456, 45.6]);
    assert.equal(reg(30, 1).readInt16BE(0), 456);
    await confirmed('Scaled', 45.6, from);
    const many = await post('/api/v1/write', {
      writes: [
        { device: DEVICE, tag: 'I64', value: '-9007199254740993' },
        { device: DEVICE, tag: 'Coil', value: false },
        { device: DEVICE, tag: 'Bit', value: 'maybe' },
      ],
    });
    assert.equal(many.status, 200);
    const results = many.body.results as { ok: boolean; code?: string }[];
    assert.deepEqual(
      results.map((r) => [r.ok, r.code]),
      [
        [true, undefined],
        [true, undefined],
        [false, 'PLX_WRITE_BAD_VALUE'],
      ],
    );
    assert.equal(decodeRegisters(reg(10, 4), 0, 'int64', 'ABCD'), -9007199254740993n, '64-bit exact through JSON strings');
    assert.equal(sim().bit(1, 'coil', 0), false);
    const res = await fetch(`${api}/api/v1/audit?limit=3`, { headers: { authorization: `Bearer ${token}` } });
    const entries = (await res.json()) as { source: string; who: string; tag: string; result: string; requested: unknown }[];
    assert.deepEqual(
      entries.map((e) => [e.source, e.who, e.tag, e.result, e.requested]),
      [
        ['api', 'token:tester', 'Bit', 'PLX_WRITE_BAD_VALUE', 'maybe'],
        ['api', 'token:tester', 'Coil', 'ok', false],
        ['api', 'token:tester', 'I64', 'ok', '-9007199254740993'],
      ],
    );
    assert.equal((await fetch(`${api}/api/v1/audit`)).status, 401, 'the audit log needs a token');
  });

  it('writes every type through the REST API as well', async () => {
    const from = stack.host.messages.length;
    const res = await post('/api/v1/write', {
      writes: [
        { device: DEVICE, tag: 'I16', value: -222 },
        { device: DEVICE, tag: 'U32', value: 3000000000 },
        { device: DEVICE, tag: 'F32', value: -0.5 },
        { device: DEVICE, tag: 'F64', value: 1e-300 },
        { device: DEVICE, tag: 'I64', value: '1234567890123456789' },
        { device: DEVICE, tag: 'Bit', value: false },
        { device: DEVICE, tag: 'Coil', value: true },
        { device: DEVICE, tag: 'Text', value: 'REST' },
        { device: DEVICE, tag: 'Scaled', value: -1.5 },
        { device: DEVICE, tag: 'Bcd', value: 9999 },
      ],
    });
    assert.equal(res.body.ok, true, JSON.stringify(res.body));
    assert.equal(reg(0, 1).readInt16BE(0), -222);
    assert.equal(reg(2, 2).readUInt32BE(0), 3000000000);
    assert.equal(reg(4, 2).readFloatBE(0), -0.5);
    assert.equal(reg(6, 4).readDoubleBE(0), 1e-300);
    assert.equal(reg(10, 4).readBigInt64BE(0), 1234567890123456789n);
    assert.equal(reg(14, 1).readUInt16BE(0), 0);
    assert.equal(sim().bit(1, 'coil', 0), true);
    assert.equal(reg(20, 4).toString('latin1'), 'REST\0\0\0\0');
    assert.equal(reg(30, 1).readInt16BE(0), -15);
    assert.equal(reg(33, 1).toString('hex'), '9999');
    await confirmed('Bcd', 9999, from);
  });

  it('refuses REST writes with clear errors: no token, unknown tag, read-only tag, bad body', async () => {
    const noToken = await post(`/api/v1/devices/${DEVICE}/tags/I16/write`, { value: 1 }, false);
    assert.equal(noToken.status, 401);
    assert.match(String(noToken.body.message), /plexus token create/);
    const unknown = await post(`/api/v1/devices/${DEVICE}/tags/Nope/write`, { value: 1 });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'PLX_WRITE_UNKNOWN_TAG']);
    const readOnly = await post(`/api/v1/devices/${DEVICE}/tags/ReadOnly/write`, { value: 1 });
    assert.deepEqual([readOnly.status, readOnly.body.code], [403, 'PLX_WRITE_READ_ONLY_TAG']);
    const locked = await post('/api/v1/devices/Locked/tags/Setpoint/write', { value: 1 });
    assert.deepEqual([locked.status, locked.body.code, locked.body.message], [403, 'PLX_WRITE_READ_ONLY_MODE', 'device "Locked" is read-only: no writes']);
    const bad = await post(`/api/v1/devices/${DEVICE}/tags/I16/write`, { value: { nested: true } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'PLX_BAD_REQUEST');
  });

  it('in read-only mode refuses every write with the reason, and audits it', async () => {
    const on = await fetch(`${api}/api/v1/settings/read-only`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ enabled: true }),
    });
    assert.equal(on.status, 200);
    const refused = await post(`/api/v1/devices/${DEVICE}/tags/I16/write`, { value: 5 });
    assert.deepEqual([refused.status, refused.body.code], [403, 'PLX_WRITE_READ_ONLY_MODE']);
    await stack.host.command(DCMD, [{ name: 'I16', type: 'Int16', value: 6 }]);
    await waitFor(() => stack.gateway.audit.list(1)[0]?.source === 'dcmd', 'the DCMD audited');
    stack.gateway.setReadOnly(false);
    assert.equal(stack.gateway.audit.list(1)[0]?.result, 'PLX_WRITE_READ_ONLY_MODE');
    assert.equal(reg(0, 1).readInt16BE(0), -222, 'unchanged since the last accepted write');
  });

  it('survives thousands of random and mutated DCMD payloads, and still writes correctly afterwards', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const valid = Buffer.from(
      PayloadMessage.encode({
        metrics: [
          { name: 'U32', datatype: 7, longValue: 5 },
          { alias: alias('F32'), floatValue: 1 },
        ],
      }).finish(),
    );
    for (let i = 0; i < 3000; i++) {
      let payload: Buffer;
      if (i % 3 === 0) payload = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
      else {
        payload = Buffer.from(valid);
        for (let k = 0; k < 1 + Math.floor(random() * 4); k++) payload[Math.floor(random() * payload.length)] = Math.floor(random() * 256);
        if (i % 3 === 2) payload = payload.subarray(0, Math.floor(random() * payload.length));
      }
      await stack.host.publishRaw(DCMD, payload, { qos: 1 });
    }
    await stack.host.publishRaw(DCMD, Buffer.alloc(300 * 1024, 0x12), { qos: 1 }); // oversized
    const from = stack.host.messages.length;
    await stack.host.command(DCMD, [{ name: 'I16', type: 'Int16', value: 31000 }]);
    await confirmed('I16', 31000, from);
    assert.equal(reg(0, 1).readInt16BE(0), 31000);
  });
});
