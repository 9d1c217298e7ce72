/**
 * Configuration through the API, applied live: devices, groups and tags
 * created, changed and deleted against a real Modbus simulator and Mosquitto,
 * with the matching DBIRTH/DDEATH; validation errors with body paths; export
 * and import; northbound secrets that never come back; roles.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import YAML from 'yaml';
import { TokenStore } from '../../src/api/tokens.ts';
import { freePort } from '../helpers/net.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

const SIM = {
  units: [
    {
      id: 1,
      points: [
        { area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } },
        { area: 'holding', address: 1, type: 'int16', value: 42 },
        { area: 'holding', address: 2, type: 'float32', value: 1.5 },
      ],
    },
  ],
};

describe('configuration API, applied live', () => {
  let stack: Stack;
  let app: FastifyInstance;
  const logLines: string[] = [];
  const tokens: Record<'admin' | 'operator' | 'viewer', string> = { admin: '', operator: '', viewer: '' };
  const device = (name: string, tags: unknown[] = [{ name: 'Count', address: 'HR0', type: 'uint16' }]) => ({
    name,
    protocol: 'modbus',
    connection: { host: '127.0.0.1', port: stack.simPort, unitId: 1 },
    groups: [{ name: 'fast', intervalMs: 100, tags }],
  });

  before(async () => {
    stack = await startStack(
      SIM,
      (port) => [
        {
          name: 'Keep',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [{ name: 'g', intervalMs: 100, tags: [{ name: 'Count', address: 'HR0', type: 'uint16' }] }],
        },
      ],
      { api: true, log: pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) }) },
    );
    app = stack.gateway.http as FastifyInstance;
    const store = new TokenStore(stack.db);
    for (const role of ['admin', 'operator', 'viewer'] as const) tokens[role] = store.create(`t-${role}`, role);
    await stack.host.next('the DBIRTH of Keep', (m) => m.type === 'DBIRTH' && m.device === 'Keep');
  });
  after(() => stack?.stop());

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, role: keyof typeof tokens = 'admin') => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[role]}`, ...(typeof body === 'string' ? { 'content-type': 'application/yaml' } : {}) },
      payload: body as string | object | undefined,
    });
    const json = String(res.headers['content-type'] ?? '').includes('json') ? res.json() : undefined;
    return { status: res.statusCode, json, text: res.body };
  };
  const paths = (r: { json: { details: { path: string }[] } }) => r.json.details.map((d) => d.path).sort();
  const deviceNames = async () => (await call('GET', '/api/v1/config/devices')).json.map((d: { name: string }) => d.name);
  const tagNames = async (d: string, g = 'fast') =>
    (await call('GET', `/api/v1/config/devices/${d}`)).json.groups.find((x: { name: string }) => x.name === g).tags.map((t: { name: string }) => t.name);
  const deaths = (d: string) => stack.host.of('DDEATH', d).length;

  it('refuses a device with every error named by its path in the body, and changes nothing', async () => {
    const bad = {
      ...device('Bad', [
        { name: 'A', address: 'HR99999', type: 'uint16' },
        { name: 'B', address: 'HR1', type: 'uint17' },
      ]),
      connection: { host: '127.0.0.1', port: 'x', unitId: 1 },
    };
    const res = await call('POST', '/api/v1/config/devices', bad);
    assert.equal(res.status, 400);
    assert.deepEqual(paths(res), ['connection.port', 'groups[0].tags[1].type']);
    const semantic = await call('POST', '/api/v1/config/devices', device('Bad', [{ name: 'A', address: 'HR99999', type: 'uint16' }]));
    assert.equal(semantic.json.code, 'PLX_CONFIG_INVALID');
    assert.deepEqual(paths(semantic), ['groups[0].tags[0].address']);
    assert.match(semantic.json.message, /groups\[0\]\.tags\[0\]\.address: /);
    const unknown = await call('POST', '/api/v1/config/devices', { ...device('Bad'), protocol: 'profinet' });
    assert.match(unknown.json.details[0].message, /unknown protocol "profinet"; known: modbus, opcua, s7/);
    assert.deepEqual(await deviceNames(), ['Keep']);
  });

  it('creates a device: its driver starts and it is born upstream, the others are left alone', async () => {
    const from = stack.host.messages.length;
    const created = await call('POST', '/api/v1/config/devices', device('Added'));
    assert.equal(created.status, 201);
    assert.deepEqual([created.json.enabled, created.json.groups[0].mode], [true, 'poll'], 'defaults filled in');
    const birth = await stack.host.next('the DBIRTH of Added', (m) => m.type === 'DBIRTH' && m.device === 'Added', from);
    assert.ok(birth.metrics.some((m) => m.name === 'Count'));
    assert.equal((await call('POST', '/api/v1/config/devices', device('Added'))).status, 409);
    assert.equal(deaths('Keep'), 0, 'Keep was not restarted');
    assert.deepEqual(await deviceNames(), ['Keep', 'Added']);
  });

  it('adds tags in bulk: errors per row with nothing saved, a dry run, then for real with a rebirth of that device only', async () => {
    const base = '/api/v1/config/devices/Added/groups/fast/tags';
    const bad = await call('POST', base, {
      tags: [
        { name: 'Good', address: 'HR1', type: 'int16' },
        { name: 'BadType', address: 'HR1', type: 'int15' },
        { name: 'Count', address: 'HR2', type: 'uint16' },
        { name: 'BadAddr', address: 'XX7', type: 'int16' },
      ],
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(paths(bad), ['tags[1].type', 'tags[2].name', 'tags[3].address']);
    const dry = await call('POST', `${base}?dryRun=true`, { tags: [{ name: 'Setpoint', address: 'HR1', type: 'int16', access: 'readwrite' }] });
    assert.deepEqual([dry.status, dry.json.applied, dry.json.tags.length], [200, false, 1]);
    assert.deepEqual(await tagNames('Added'), ['Count'], 'neither the refused list nor the dry run was saved');

    const from = stack.host.messages.length;
    const added = await call('POST', base, {
      tags: [
        { name: 'Setpoint', address: 'HR1', type: 'int16', access: 'readwrite' },
        { name: 'Level', address: 'HR2', type: 'float32', unit: 'm' },
      ],
    });
    assert.deepEqual([added.status, added.json.tags.map((t: { name: string }) => t.name)], [201, ['Setpoint', 'Level']]);
    await stack.host.next('the DDEATH of Added', (m) => m.type === 'DDEATH' && m.device === 'Added', from);
    const birth = await stack.host.next('a DBIRTH with the new tags', (m) => m.type === 'DBIRTH' && m.device === 'Added', from);
    assert.deepEqual(birth.metrics.map((m) => m.name).sort(), ['Count', 'Level', 'Setpoint']);
    assert.equal(stack.host.metric(birth, 'Setpoint')?.value, 42);
    assert.equal(deaths('Keep'), 0);
    assert.equal(stack.host.of('NBIRTH').length, 1, 'no rebirth of the whole node');
  });

  it('updates and deletes single tags and groups, with 404 and 409 where they belong', async () => {
    const tag = '/api/v1/config/devices/Added/groups/fast/tags/Level';
    const updated = await call('PUT', tag, { name: 'Level', address: 'HR2', type: 'float32', unit: 'cm', steps: [{ kind: 'scale', factor: 100 }] });
    assert.deepEqual([updated.status, updated.json.unit], [200, 'cm']);
    assert.equal((await call('PUT', '/api/v1/config/devices/Added/groups/fast/tags/Nope', { name: 'Nope', address: 'HR2', type: 'int16' })).status, 404);
    assert.equal((await call('DELETE', tag)).status, 200);
    assert.deepEqual(await tagNames('Added'), ['Count', 'Setpoint']);

    const group = { name: 'slow', intervalMs: 1000, tags: [{ name: 'Slow', address: 'HR1', type: 'int16' }] };
    assert.equal((await call('POST', '/api/v1/config/devices/Added/groups', group)).status, 201);
    assert.equal((await call('POST', '/api/v1/config/devices/Added/groups', group)).status, 409);
    const sub = await call('PUT', '/api/v1/config/devices/Added/groups/slow', { ...group, mode: 'subscribe' });
    assert.deepEqual(
      [sub.status, sub.json.details],
      [400, [{ path: 'mode', message: 'modbus devices are polled: mode "subscribe" needs a protocol with subscriptions (opcua)' }]],
    );
    const renamed = await call('PUT', '/api/v1/config/devices/Added/groups/slow', { ...group, name: 'slower', intervalMs: 2000 });
    assert.deepEqual([renamed.json.name, renamed.json.intervalMs], ['slower', 2000]);
    assert.equal((await call('DELETE', '/api/v1/config/devices/Added/groups/slower')).status, 200);
    assert.equal((await call('DELETE', '/api/v1/config/devices/Added/groups/slower')).status, 404);
    assert.equal((await call('GET', '/api/v1/config/devices/Nope')).status, 404);
  });

  it('lets viewers and operators read the configuration but not change it', async () => {
    assert.equal((await call('GET', '/api/v1/config', undefined, 'viewer')).status, 200);
    for (const role of ['viewer', 'operator'] as const) {
      const res = await call('POST', '/api/v1/config/devices', device('Sneaky'), role);
      assert.deepEqual([res.status, res.json.message], [403, `this needs the admin role; t-${role} is ${role}`]);
      assert.equal((await call('DELETE', '/api/v1/config/devices/Added', undefined, role)).status, 403);
      assert.equal((await call('POST', '/api/v1/config/import', 'devices: []', role)).status, 403);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/config' })).statusCode, 401);
  });

  it('tests a connection without saving it', async () => {
    const ok = await call('POST', '/api/v1/config/test-connection', device('Probe', [{ name: 'V', address: 'HR1', type: 'int16' }]));
    assert.deepEqual([ok.status, ok.json.ok, ok.json.values], [200, true, [{ tag: 'V', value: 42, quality: 'good' }]]);
    assert.match(ok.json.message, /read 1 of 1 tag/);
    const closed = await freePort();
    const refused = await call('POST', '/api/v1/config/test-connection', { ...device('Probe'), connection: { host: '127.0.0.1', port: closed } });
    assert.equal(refused.json.ok, false);
    assert.match(refused.json.message, /ECONNREFUSED|refused/);
    const invalid = await call('POST', '/api/v1/config/test-connection', { ...device('Probe'), connection: { host: '127.0.0.1', port: 0 } });
    assert.deepEqual([invalid.status, paths(invalid)], [400, ['connection.port']]);
    assert.ok(!(await deviceNames()).includes('Probe'));
  });

  it('keeps northbound secrets: never returned, kept when left out, and a new session for new settings', async () => {
    const nb = (await call('GET', '/api/v1/config/northbound')).json;
    const from = stack.host.messages.length;
    const put = await call('PUT', '/api/v1/config/northbound', { ...nb, brokers: [{ ...nb.brokers[0], username: 'edge', password: 's3cret-pass' }] });
    assert.equal(put.status, 200);
    assert.equal(put.json.brokers[0].password, undefined);
    assert.equal(put.json.brokers[0].hasPassword, true);
    assert.equal(stack.gateway.config.northbound.brokers[0]?.password, 's3cret-pass');
    // Mosquitto allows anonymous clients: the new session comes up with the new settings.
    await stack.host.next('a new NBIRTH', (m) => m.type === 'NBIRTH', from);
    const again = await call('PUT', '/api/v1/config/northbound', { ...put.json, keepaliveS: 10 });
    assert.equal(again.status, 200);
    assert.equal(stack.gateway.config.northbound.brokers[0]?.password, 's3cret-pass', 'left out: kept');
    for (const url of ['/api/v1/config', '/api/v1/config/northbound', '/api/v1/config/export'])
      assert.ok(!(await call('GET', url)).text.includes('s3cret-pass'), `${url} does not show the password`);
    const bad = await call('PUT', '/api/v1/config/northbound', { ...put.json, groupId: 'a/b', brokers: [{ url: 'http://x' }] });
    assert.deepEqual(paths(bad), ['brokers[0].url', 'groupId']);
    const events = (await call('GET', '/api/v1/audit/events')).text;
    assert.ok(logLines.length > 10, 'the gateway logged');
    assert.deepEqual(
      logLines.filter((l) => l.includes('s3cret-pass')),
      [],
      'the password is not in the log',
    );
    assert.ok(!events.includes('s3cret-pass'), 'nor in the audit log');
  });

  it('exports YAML and imports it whole: a bad document changes nothing, a good one applies the difference', async () => {
    const exported = await call('GET', '/api/v1/config/export');
    assert.match(exported.text, /^# Plexus configuration/);
    const doc = YAML.parse(exported.text);
    assert.deepEqual(
      doc.devices.map((d: { name: string }) => d.name),
      ['Keep', 'Added'],
    );

    const scalar = await call('POST', '/api/v1/config/import', '42');
    assert.deepEqual([scalar.status, scalar.json.details], [400, [{ path: '(root)', message: 'must be a mapping (northbound, devices, …)' }]]);
    const syntax = await call('POST', '/api/v1/config/import', 'devices: [\n  - name: x\n bad');
    assert.equal(syntax.status, 400);
    assert.match(syntax.json.details[0].path, /^line \d+, column \d+$/);
    const invalid = await call('POST', '/api/v1/config/import', YAML.stringify({ ...doc, devices: [...doc.devices, { ...doc.devices[1], name: 'Keep' }] }));
    assert.equal(invalid.status, 400);
    assert.deepEqual(paths(invalid), ['devices[2].name']);

    const same = await call('POST', '/api/v1/config/import?dryRun=true', exported.text);
    assert.deepEqual(same.json, { applied: false, changes: { added: [], removed: [], changed: [], northbound: false, restartRequired: [] } });
    assert.equal(stack.gateway.config.northbound.brokers[0]?.password, 's3cret-pass', 'an import of the export keeps the stored secret');

    const from = stack.host.messages.length;
    const removed = await call('POST', '/api/v1/config/import', YAML.stringify({ ...doc, devices: [doc.devices[0]] }));
    assert.deepEqual([removed.json.applied, removed.json.changes.removed], [true, ['Added']]);
    await stack.host.next('the DDEATH of Added', (m) => m.type === 'DDEATH' && m.device === 'Added', from);
    assert.deepEqual(await deviceNames(), ['Keep']);
    assert.equal((await call('GET', '/api/v1/devices')).json.length, 1, 'its driver stopped');
    assert.equal((await call('POST', '/api/v1/config/import?dryRun=maybe', exported.text)).status, 400);
  });

  it('records every configuration change with who made it, and keeps each revision', async () => {
    const events = (await call('GET', '/api/v1/audit/events?limit=50')).json as { who: string; action: string; target: string; detail: string }[];
    const lines = events.map((e) => `${e.who} ${e.target}: ${e.detail}`);
    assert.ok(lines.includes('token:t-admin device Added created: devices started: Added'), lines.join('\n'));
    assert.ok(lines.includes('token:t-admin configuration imported: devices stopped: Added'), lines.join('\n'));
    const revisions = stack.db.prepare("SELECT COUNT(*) AS n FROM config_revision WHERE source = 'api:token:t-admin'").get() as { n: number };
    assert.ok(revisions.n >= 10);
  });

  it('describes every protocol for the forms', async () => {
    const schema = (await call('GET', '/api/v1/config/schema', undefined, 'viewer')).json;
    assert.deepEqual(Object.keys(schema.protocols), ['modbus', 'opcua', 's7']);
    assert.equal(schema.protocols.modbus.connection.properties.port.default, 502);
    assert.equal(schema.protocols.opcua.subscribes, true);
    assert.ok(schema.dataTypes.includes('float32'));
    assert.ok(schema.tag.properties.address);
  });
});
