/**
 * The OPC UA driver against the bundled simulator (a real node-opcua server)
 * on 127.0.0.1: security modes, identities, the trust list, reads, writes,
 * subscriptions, browse and bad input.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OpcuaSimulatorConfig, OpcuaSimulatorConfigSchema } from '../../simulators/opcua/config.ts';
import { OpcuaSimulator } from '../../simulators/opcua/server.ts';
import { assertSchema } from '../../src/config/schema-errors.ts';
import { SharedResources } from '../../src/shared-resources.ts';
import { driverDeps } from '../../test/helpers/driver-deps.ts';
import { tempDir } from '../../test/helpers/net.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import type { ConnectionState, DataType, DriverGroup, Sample } from '../contract.ts';
import { OpcuaDriver } from './driver.ts';
import { opcuaPlugin } from './index.ts';
import { type OpcuaConnection, OpcuaConnectionSchema } from './settings.ts';

const NS = 'nsu=urn:plexus:simulator;s=';

interface Harness {
  driver: OpcuaDriver;
  states: ConnectionState[];
  pushed: Sample[];
}

function driverFor(dataDir: string, connection: Record<string, unknown>, groups: DriverGroup[], shared = new SharedResources()): Harness {
  const states: ConnectionState[] = [];
  const pushed: Sample[] = [];
  const driver = new OpcuaDriver(
    {
      name: 'Line',
      connection: assertSchema<OpcuaConnection>(OpcuaConnectionSchema, { identity: { kind: 'anonymous' }, ...connection }, 'connection'),
      groups,
    },
    driverDeps({ dataDir, shared, onStateChange: (s) => states.push(s), onSamples: (_g, s) => pushed.push(...s) }),
  );
  return { driver, states, pushed };
}

const tag = (name: string, type: DataType, address = `${NS}${name}`) => ({ name, address, type });
const byTag = (samples: Sample[]) => new Map(samples.map((s) => [s.tag, s]));
const connected = (h: Harness) => waitFor(() => h.driver.connection.state === 'connected', 'the driver to connect', 15_000);

describe('OPC UA driver against the simulator', () => {
  const dataDir = tempDir();
  let sim: OpcuaSimulator;
  let url: string;

  before(async () => {
    const config = assertSchema<OpcuaSimulatorConfig>(OpcuaSimulatorConfigSchema, { users: [{ username: 'operator', password: 'pa55-word' }] }, 'simulator');
    sim = new OpcuaSimulator(config, { host: '127.0.0.1', port: 0, dataDir });
    await sim.start();
    url = sim.endpointUrl;
  });
  after(async () => {
    await sim.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads every supported type with security None, by index and by namespace URI', async () => {
    const types: [string, DataType, unknown][] = [
      ['Boolean', 'bool', true],
      ['SByte', 'int8', -100],
      ['Byte', 'uint8', 200],
      ['Int16', 'int16', -30000],
      ['UInt16', 'uint16', 60000],
      ['Int32', 'int32', -2000000000],
      ['UInt32', 'uint32', 4000000000],
      ['Int64', 'int64', -8589934591n],
      ['UInt64', 'uint64', 17592186044416n],
      ['Float', 'float32', 1.5],
      ['Double', 'float64', Math.PI],
      ['String', 'string', 'hello'],
      ['DateTime', 'datetime', Date.parse('2026-01-02T03:04:05.678Z')],
      ['ByteString', 'bytes', Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64')],
    ];
    const h = driverFor(dataDir, { endpointUrl: url }, [
      {
        name: 'g',
        tags: [
          ...types.map(([n, t]) => tag(`Types.${n}`, t)),
          tag('State', 'string', 'ns=2;s=FillingLine.State'),
          tag('Speed', 'float32', `${NS}FillingLine.Speed`),
        ],
      },
    ]);
    h.driver.start();
    try {
      await connected(h);
      const samples = byTag(await h.driver.read('g'));
      for (const [name, , expected] of types) {
        const s = samples.get(`Types.${name}`);
        assert.equal(s?.quality, 'good', `${name}: ${s?.reason}`);
        assert.deepEqual(s?.value, expected, name);
      }
      assert.equal(samples.get('State')?.value, 'Idle');
      assert.equal(samples.get('Speed')?.value, 600, 'a Double node feeds a float32 tag');
    } finally {
      await h.driver.stop();
    }
  });

  it('refuses an untrusted server with the certificate named, then connects with SignAndEncrypt once it is trusted, also as an X.509 user', async () => {
    const own = tempDir();
    const h = driverFor(own, { endpointUrl: url, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' }, [
      { name: 'g', tags: [tag('FillingLine.Temperature', 'float64')] },
    ]);
    h.driver.start();
    try {
      const refused = await waitFor(() => h.states.find((s) => s.state === 'backing-off'), 'the refusal', 15_000);
      assert.equal(refused.state, 'backing-off');
      const reason = refused.state === 'backing-off' ? refused.reason : '';
      const [rejected] = opcuaPlugin.certificates?.list(own) ?? [];
      assert.equal(rejected?.status, 'rejected');
      assert.match(reason, /not trusted \(BadCertificateUntrusted\)/);
      assert.ok(reason.includes(rejected?.thumbprint ?? '?'), reason);
      assert.ok(reason.includes('NodeOPCUA'), 'the subject is named');

      assert.equal(opcuaPlugin.certificates?.setTrust(own, rejected?.thumbprint ?? '', 'trusted')?.status, 'trusted');
      await connected(h);
      const [t] = await h.driver.read('g');
      assert.equal(t?.quality, 'good');
      assert.equal(typeof t?.value, 'number');
      assert.equal(h.driver.stats().details?.securityMode, 'SignAndEncrypt');
      await h.driver.stop();

      // An X.509 user identity: here the application certificate created on first start, with its key.
      const pki = path.join(own, 'opcua-pki', 'own');
      assert.ok(fs.existsSync(path.join(pki, 'certs', 'client_certificate.pem')), 'the application certificate was created');
      const x509 = driverFor(
        own,
        {
          endpointUrl: url,
          securityMode: 'SignAndEncrypt',
          securityPolicy: 'Basic256Sha256',
          identity: {
            kind: 'certificate',
            certificateFile: path.join(pki, 'certs', 'client_certificate.pem'),
            privateKeyFile: path.join(pki, 'private', 'private_key.pem'),
          },
        },
        [{ name: 'g', tags: [tag('FillingLine.State', 'string')] }],
      );
      x509.driver.start();
      await connected(x509);
      assert.equal((await x509.driver.read('g'))[0]?.value, 'Idle');
      await x509.driver.stop();
    } finally {
      await h.driver.stop();
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('subscribes with Sign / Aes256_Sha256_RsaPss and a username, and pushes changes at the group interval', async () => {
    const own = tempDir();
    const shared = new SharedResources();
    const trustAll = () => {
      for (const c of opcuaPlugin.certificates?.list(own) ?? []) opcuaPlugin.certificates?.setTrust(own, c.thumbprint, 'trusted');
    };
    const wrong = driverFor(
      own,
      {
        endpointUrl: url,
        securityMode: 'Sign',
        securityPolicy: 'Aes256_Sha256_RsaPss',
        identity: { kind: 'username', username: 'operator', password: 'wrong' },
      },
      [{ name: 'g', tags: [tag('FillingLine.Temperature', 'float64')] }],
      shared,
    );
    wrong.driver.start();
    try {
      await waitFor(() => wrong.states.some((s) => s.state === 'backing-off'), 'the server certificate to be refused', 15_000);
      trustAll();
      const refusal = await waitFor(
        () => wrong.states.find((s) => s.state === 'backing-off' && /identity/.test(s.reason)),
        `the identity to be refused: ${JSON.stringify(wrong.states)}`,
        15_000,
      );
      assert.match(refusal.state === 'backing-off' ? refusal.reason : '', /refused the username identity \(Bad\w+\)/);
    } finally {
      await wrong.driver.stop();
    }
    const h = driverFor(
      own,
      {
        endpointUrl: url,
        securityMode: 'Sign',
        securityPolicy: 'Aes256_Sha256_RsaPss',
        identity: { kind: 'username', username: 'operator', password: 'pa55-word' },
      },
      [{ name: 'fast', intervalMs: 100, mode: 'subscribe', tags: [tag('FillingLine.Temperature', 'float64'), tag('Missing', 'float64', `${NS}No.Such.Node`)] }],
      shared,
    );
    h.driver.start();
    try {
      await connected(h);
      const missing = await waitFor(() => h.pushed.find((s) => s.tag === 'Missing'), 'the unknown node to be reported');
      assert.equal(missing.quality, 'bad');
      assert.equal(missing.reason, 'BadNodeIdUnknown');
      // The temperature moves every tick: several distinct values arrive without any read.
      await waitFor(() => new Set(h.pushed.filter((s) => s.tag === 'FillingLine.Temperature').map((s) => s.value)).size >= 3, 'three changes');
      assert.equal(sim.counts.subscriptions, 1);
    } finally {
      await h.driver.stop();
      fs.rmSync(own, { recursive: true, force: true });
    }
    await waitFor(() => sim.counts.subscriptions === 0, 'the subscription to be deleted with the session');
  });

  it('writes with the node type and reads the value back; refusals carry the server status', async () => {
    const tags = [
      tag('Types.Int16', 'int16'),
      tag('Types.Int64', 'int64'),
      tag('Types.DateTime', 'datetime'),
      tag('Types.ByteString', 'bytes'),
      tag('Types.Boolean', 'bool'),
      tag('Types.String', 'string'),
      tag('Speed', 'float64', `${NS}FillingLine.Speed`),
      tag('Command', 'string', `${NS}FillingLine.Command`),
      tag('State', 'string', `${NS}FillingLine.State`),
      tag('ReadOnly', 'int32', `${NS}Types.ReadOnlyInt32`),
      tag('Array', 'float64', `${NS}Types.DoubleArray`),
      tag('Mismatch', 'int16', `${NS}Types.String`),
      tag('Unknown', 'float64', `${NS}Nowhere`),
      tag('NoNamespace', 'float64', 'nsu=urn:not:here;s=X'),
    ];
    const h = driverFor(dataDir, { endpointUrl: url }, [{ name: 'g', tags }]);
    h.driver.start();
    try {
      await connected(h);
      await h.driver.write('Types.Int16', 1234);
      await h.driver.write('Types.Int64', -(2n ** 62n));
      await h.driver.write('Types.DateTime', Date.parse('2030-05-06T07:08:09Z'));
      await h.driver.write('Types.ByteString', 'AQID');
      await h.driver.write('Types.Boolean', false);
      await h.driver.write('Types.String', 'written');
      await h.driver.write('Speed', 450);
      await h.driver.write('Command', 'start');
      const s = byTag(await h.driver.read('g'));
      assert.equal(s.get('Types.Int16')?.value, 1234);
      assert.equal(s.get('Types.Int64')?.value, -(2n ** 62n));
      assert.equal(s.get('Types.DateTime')?.value, Date.parse('2030-05-06T07:08:09Z'));
      assert.equal(s.get('Types.ByteString')?.value, 'AQID');
      assert.equal(s.get('Types.Boolean')?.value, false);
      assert.equal(s.get('Types.String')?.value, 'written');
      assert.equal(s.get('Speed')?.value, 450);
      assert.equal(s.get('State')?.value, 'Running', 'the command drove the state machine');

      assert.deepEqual(
        [s.get('Unknown')?.reason, s.get('NoNamespace')?.reason, s.get('Mismatch')?.reason],
        ['BadNodeIdUnknown', 'the server has no namespace urn:not:here', 'type mismatch: the node holds String, the tag is int16'],
      );
      assert.match(s.get('Array')?.reason ?? '', /array/);
      assert.equal(s.get('Types.Int16')?.quality, 'good', 'a bad tag leaves the others good');

      const refusal = (tagName: string, value: number | string) =>
        h.driver.write(tagName, value).then(
          () => ({ code: 'none', message: 'written' }),
          (e) => e,
        );
      const readOnly = await refusal('ReadOnly', 1);
      assert.deepEqual(
        { code: readOnly.code, message: readOnly.message },
        { code: 'READ_ONLY', message: 'the server refused the write: BadNotWritable (0x803b0000)' },
      );
      const outOfRange = await refusal('Speed', 5000);
      assert.equal(outOfRange.code, 'DEVICE_EXCEPTION');
      assert.match(outOfRange.message, /BadOutOfRange/);
      const tooBig = await refusal('Mismatch', 'x'.repeat(3));
      assert.equal(tooBig.code, 'none', 'a string tag writes a String node (the tag type is int16, the node decides)');
      assert.match((await refusal('Types.Int16', 40000)).message, /the node holds Int16: 40000 does not fit int16/);
      assert.match((await refusal('Array', 1)).message, /holds an array/);
      assert.equal((await refusal('Unknown', 1)).code, 'DEVICE_EXCEPTION');
    } finally {
      await h.driver.stop();
    }
  });

  it('browses from Objects, depth-limited, with a text search', async () => {
    const h = driverFor(dataDir, { endpointUrl: url }, [{ name: 'g', tags: [] }]);
    h.driver.start();
    try {
      await connected(h);
      const top = await h.driver.browse({ depth: 1, limit: 1000 });
      const line = top.find((n) => n.browseName === 'FillingLine');
      assert.equal(line?.address, 'ns=2;s=FillingLine');
      assert.equal(line?.children, undefined, 'depth 1 lists children only');

      const found = await h.driver.browse({ depth: 3, limit: 1000, search: 'temperature' });
      const fl = found.find((n) => n.browseName === 'FillingLine');
      const names = (fl?.children ?? []).map((n) => n.browseName).sort();
      assert.deepEqual(names, ['Alarms', 'Temperature', 'TemperatureSetpoint']);
      const setpoint = fl?.children?.find((n) => n.browseName === 'TemperatureSetpoint');
      assert.deepEqual(
        { address: setpoint?.address, isVariable: setpoint?.isVariable, dataType: setpoint?.dataType, type: setpoint?.type, access: setpoint?.access },
        { address: 'ns=2;s=FillingLine.TemperatureSetpoint', isVariable: true, dataType: 'Double', type: 'float64', access: 'readwrite' },
      );
      assert.equal(fl?.children?.find((n) => n.browseName === 'Alarms')?.children?.[0]?.browseName, 'HighTemperature');
      const types = await h.driver.browse({ from: `${NS}Types`, depth: 1, limit: 1000 });
      assert.equal(types.find((n) => n.browseName === 'ReadOnlyInt32')?.access, 'read');
      const array = types.find((n) => n.browseName === 'DoubleArray');
      assert.deepEqual([array?.dataType, array?.type], ['Double[]', undefined], 'an array is listed but cannot become a tag');
    } finally {
      await h.driver.stop();
    }
  });

  it('checks NodeIds, types and security settings up front', () => {
    const c = assertSchema<OpcuaConnection>(OpcuaConnectionSchema, { endpointUrl: url, identity: { kind: 'anonymous' } }, 'connection');
    const check = (address: string, type: DataType = 'float64') => opcuaPlugin.checkTag({ name: 't', address, type }, c);
    assert.equal(check('ns=2;s=Line1.Speed'), undefined);
    assert.equal(check('ns=3;i=1001'), undefined);
    assert.equal(check('i=2255'), undefined);
    assert.equal(check('nsu=urn:plexus:simulator;s=FillingLine.Speed'), undefined);
    assert.equal(check('ns=1;g=72962b91-fa75-4ae6-8d28-b404dc7daf63'), undefined);
    assert.match(check('ns=2;x=Speed') ?? '', /must start with i=, s=, g= or b=/);
    assert.match(check('ns=70000;i=1') ?? '', /above 65535/);
    assert.match(check('ns=1;i=-4') ?? '', /0\.\.4294967295/);
    assert.match(check('Line1.Speed') ?? '', /not a NodeId/);
    assert.match(check('ns=2;s=X', 'bcd16') ?? '', /OPC UA has no bcd16 values/);
    const problems = opcuaPlugin.checkDevices?.([
      { name: 'a', connection: { ...c, securityMode: 'SignAndEncrypt', securityPolicy: 'None' } },
      { name: 'b', connection: { ...c, securityMode: 'None', securityPolicy: 'Basic256Sha256' } },
    ]);
    assert.deepEqual(
      problems?.map((p) => p.message),
      ['security mode SignAndEncrypt needs a policy, e.g. Basic256Sha256', 'security mode None takes policy None, not Basic256Sha256'],
    );
  });
});
