/**
 * Device templates through the API against a real Modbus simulator (three
 * units) and Mosquitto: devices made from a template in one step, metadata in
 * the births as a host decodes them, an override, a template change previewed
 * and then propagated with DBIRTHs, detach, a template from a device, and the
 * export/import round trip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { TokenStore } from '../../src/api/tokens.ts';
import { runningDevices } from '../../src/config/templates.ts';
import { validateConfig } from '../../src/config/validate.ts';
import type { HostMessage } from '../helpers/sparkplug-host.ts';
import { type Stack, startStack, THREE_UNITS } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const METER = {
  name: 'Meter',
  protocol: 'modbus',
  description: 'A test meter',
  parameters: { base: 0 },
  connection: { timeoutMs: 500 },
  properties: { make: 'Acme', model: 'PM3' },
  groups: [
    {
      name: 'g',
      intervalMs: 100,
      tags: [
        { name: 'Count', address: 'HR{base}', type: 'uint16', unit: 'pcs', description: 'Parts made', properties: { assetTag: 'C-1', engHigh: 1000 } },
        { name: 'Setpoint', address: 'HR{base+1}', type: 'int16', access: 'readwrite', description: 'From the template' },
      ],
    },
  ],
};

describe('device templates through the API', () => {
  let stack: Stack;
  let app: FastifyInstance;
  let token = '';

  before(async () => {
    stack = await startStack(THREE_UNITS, () => [], { api: true });
    app = stack.gateway.http as FastifyInstance;
    token = new TokenStore(stack.db).create('t-admin', 'admin');
  });
  after(() => stack?.stop());

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(typeof body === 'string' ? { 'content-type': 'application/yaml' } : {}) },
      payload: body as string | object | undefined,
    });
    const json = String(res.headers['content-type'] ?? '').includes('json') ? res.json() : undefined;
    return { status: res.statusCode, json, text: res.body };
  };
  const births = (device: string) => stack.host.of('DBIRTH', device);
  const lastBirth = (device: string) => births(device).at(-1) as HostMessage;
  const metric = (m: HostMessage, name: string) => m.metrics.find((x) => x.name === name);
  const value = (device: string, tag: string) => stack.gateway.values.get(device, tag)?.value;
  /** Messages of one client arrive in order: once the DBIRTH of a later change to Meter-1 is in, a restart made before it would be in too. */
  const laterBirthOfMeter1 = async (note: string) => {
    const before = births('Meter-1').length;
    await call('PUT', '/api/v1/config/devices/Meter-1', { ...(await call('GET', '/api/v1/config/devices/Meter-1')).json, properties: { note } });
    await waitFor(() => births('Meter-1').length > before, 'the DBIRTH of Meter-1 after its change');
  };

  it('makes three devices from a template in one step (after a preview); each is born with its unit, the template tags and the metadata', async () => {
    assert.equal((await call('POST', '/api/v1/config/templates', METER)).status, 201);
    const batch = {
      count: 3,
      name: 'Meter-{n}',
      connection: { host: '127.0.0.1', port: stack.simPort, unitId: '{n}' },
      properties: { serialNumber: 'SN-{n}', location: 'Hall {n+10}' },
    };
    const preview = await call('POST', '/api/v1/config/templates/Meter/devices?dryRun=true', batch);
    assert.equal(preview.status, 200);
    assert.equal(preview.json.applied, false);
    assert.deepEqual(
      preview.json.devices.map((d: { name: string; connection: { unitId: number } }) => [d.name, d.connection.unitId]),
      [
        ['Meter-1', 1],
        ['Meter-2', 2],
        ['Meter-3', 3],
      ],
    );
    assert.equal((await call('GET', '/api/v1/config/devices')).json.length, 0, 'the preview made nothing');

    const made = await call('POST', '/api/v1/config/templates/Meter/devices', batch);
    assert.equal(made.status, 201, made.text);
    for (const d of ['Meter-1', 'Meter-2', 'Meter-3']) await stack.host.next(`the DBIRTH of ${d}`, (m) => m.type === 'DBIRTH' && m.device === d);
    await waitFor(() => value('Meter-2', 'Setpoint') === 22 && value('Meter-3', 'Setpoint') === 33, 'each device reading its own unit');

    const birth = lastBirth('Meter-2');
    assert.deepEqual(metric(birth, 'Count')?.properties, { engUnit: 'pcs', documentation: 'Parts made', assetTag: 'C-1', engHigh: 1000 });
    assert.equal(metric(birth, 'Setpoint')?.properties?.documentation, 'From the template');
    assert.equal(metric(birth, 'Properties/make')?.value, 'Acme');
    assert.equal(metric(birth, 'Properties/model')?.value, 'PM3');
    assert.equal(metric(birth, 'Properties/serialNumber')?.value, 'SN-2');
    assert.equal(metric(birth, 'Properties/location')?.value, 'Hall 12');

    const listed = (await call('GET', '/api/v1/config/templates')).json;
    assert.deepEqual(listed[0].usedBy, ['Meter-1', 'Meter-2', 'Meter-3']);
    // The stored device keeps the link, not a copy of the tags.
    const stored = (await call('GET', '/api/v1/config/devices/Meter-1')).json;
    assert.deepEqual(stored.template, { name: 'Meter' });
    assert.deepEqual(stored.groups, []);
  });

  it('keeps an override of one device through a template change that is previewed first and then reborn on every device', async () => {
    const stored = (await call('GET', '/api/v1/config/devices/Meter-1')).json;
    const overridden = { ...stored, template: { name: 'Meter', overrides: { Setpoint: { address: 'HR2', description: 'Overridden here' } } } };
    const others = births('Meter-2').length;
    assert.equal((await call('PUT', '/api/v1/config/devices/Meter-1', overridden)).status, 200);
    await waitFor(() => value('Meter-1', 'Setpoint') === 101, 'Meter-1 reading its override address');
    assert.equal(births('Meter-2').length, others, 'an override restarts only its device');
    const resolved = (await call('GET', '/api/v1/config/devices/Meter-1/resolved')).json;
    assert.equal(resolved.groups[0].tags.find((t: { name: string }) => t.name === 'Setpoint').address, 'HR2');

    const changed = structuredClone(METER);
    changed.groups[0]?.tags.push({ name: 'Extra', address: 'HR{base+3}', type: 'int16' } as (typeof changed.groups)[0]['tags'][0]);
    (changed.groups[0]?.tags[1] as { description: string }).description = 'Changed in the template';
    const before = ['Meter-1', 'Meter-2', 'Meter-3'].map((d) => births(d).length);
    const preview = await call('PUT', '/api/v1/config/templates/Meter?dryRun=true', changed);
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.json.applied, false);
    assert.deepEqual(preview.json.affected, [
      // Meter-1's Setpoint keeps its overridden description: unchanged there.
      { device: 'Meter-1', added: ['Extra'], removed: [], changed: [] },
      { device: 'Meter-2', added: ['Extra'], removed: [], changed: ['Setpoint'] },
      { device: 'Meter-3', added: ['Extra'], removed: [], changed: ['Setpoint'] },
    ]);

    const applied = await call('PUT', '/api/v1/config/templates/Meter', changed);
    assert.equal(applied.json.applied, true);
    for (const [i, d] of ['Meter-1', 'Meter-2', 'Meter-3'].entries())
      await waitFor(() => births(d).length > (before[i] as number) && metric(lastBirth(d), 'Extra'), `a DBIRTH of ${d} with the new tag`);
    assert.equal(metric(lastBirth('Meter-1'), 'Setpoint')?.properties?.documentation, 'Overridden here');
    assert.equal(metric(lastBirth('Meter-2'), 'Setpoint')?.properties?.documentation, 'Changed in the template');
    await waitFor(() => value('Meter-1', 'Setpoint') === 101 && value('Meter-3', 'Extra') === 7, 'the override and the new tag read');
  });

  it('refuses bad templates, overrides and deletes with the path and the reason, changing nothing', async () => {
    const bad = structuredClone(METER);
    bad.name = 'Bad';
    (bad.groups[0]?.tags[0] as { address: string }).address = 'HR{offset}';
    const r = await call('POST', '/api/v1/config/templates', bad);
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.details, [
      { path: 'groups[0].tags[0].address', message: 'uses the parameter "offset", which the template does not declare (its parameters: base)' },
    ]);

    const stored = (await call('GET', '/api/v1/config/devices/Meter-2')).json;
    const wrong = { ...stored, template: { name: 'Meter', parameters: { bsae: 4 }, overrides: { Nope: { address: 'HR9' } } } };
    const o = await call('PUT', '/api/v1/config/devices/Meter-2', wrong);
    assert.equal(o.status, 400);
    assert.deepEqual(o.json.details, [
      { path: 'template.parameters.bsae', message: 'template "Meter" has no parameter "bsae"' },
      { path: 'template.overrides.Nope', message: 'template "Meter" has no tag "Nope"' },
    ]);

    const del = await call('DELETE', '/api/v1/config/templates/Meter');
    assert.equal(del.status, 409);
    assert.match(del.json.message, /used by 3 device\(s\): Meter-1, Meter-2, Meter-3/);
    assert.equal((await call('GET', '/api/v1/config/templates')).json.length, 1);
  });

  it('detaches a device without restarting it; later template changes pass it by; a template made from it takes it back', async () => {
    const deaths = stack.host.of('DDEATH', 'Meter-3').length;
    const born = births('Meter-3').length;
    const detached = await call('POST', '/api/v1/config/devices/Meter-3/detach');
    assert.equal(detached.status, 200);
    assert.equal(detached.json.template, undefined);
    assert.deepEqual(
      detached.json.groups[0].tags.map((t: { name: string; address: string }) => `${t.name}@${t.address}`),
      ['Count@HR0', 'Setpoint@HR1', 'Extra@HR3'],
    );
    assert.equal(detached.json.connection.timeoutMs, 500, 'the template connection defaults are kept');
    assert.equal(detached.json.properties.make, 'Acme');

    const changed = structuredClone(METER);
    changed.groups[0]?.tags.push({ name: 'Later', address: 'HR{base+3}', type: 'int16' } as (typeof changed.groups)[0]['tags'][0]);
    const preview = (await call('PUT', '/api/v1/config/templates/Meter?dryRun=true', changed)).json;
    assert.deepEqual(
      preview.affected.map((a: { device: string }) => a.device),
      ['Meter-1', 'Meter-2'],
    );
    const b2 = births('Meter-2').length;
    await call('PUT', '/api/v1/config/templates/Meter', changed);
    await waitFor(() => births('Meter-2').length > b2 && metric(lastBirth('Meter-2'), 'Later'), 'the DBIRTH of Meter-2 with the next change');
    // Messages of one client arrive in order: a restart of Meter-3 by the detach would have come first.
    assert.equal(stack.host.of('DDEATH', 'Meter-3').length, deaths);
    assert.equal(births('Meter-3').length, born);

    const bornBefore = births('Meter-3').length;
    const made = await call('POST', '/api/v1/config/templates/from-device', { device: 'Meter-3', name: 'FromMeter3', attach: true });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.connection.host, undefined, 'no device address in a template');
    assert.equal(made.json.connection.unitId, undefined);
    assert.deepEqual(made.json.usedBy, ['Meter-3']);
    assert.deepEqual(
      made.json.groups[0].tags.map((t: { name: string }) => t.name),
      ['Count', 'Setpoint', 'Extra'],
    );
    const device = (await call('GET', '/api/v1/config/devices/Meter-3')).json;
    assert.deepEqual([device.template, device.groups], [{ name: 'FromMeter3' }, []]);
    await laterBirthOfMeter1('x');
    assert.equal(births('Meter-3').length, bornBefore, 'attaching Meter-3 to the template made from it did not restart it');
  });

  it('renames a template: its devices follow, and run on unchanged', async () => {
    const t = (await call('GET', '/api/v1/config/templates/FromMeter3')).json;
    const { usedBy: _u, ...template } = t;
    const born = births('Meter-3').length;
    const r = await call('PUT', '/api/v1/config/templates/FromMeter3', { ...template, name: 'Meter3Model' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.affected, [{ device: 'Meter-3', added: [], removed: [], changed: [] }]);
    assert.deepEqual((await call('GET', '/api/v1/config/devices/Meter-3')).json.template, { name: 'Meter3Model' });
    assert.equal((await call('GET', '/api/v1/config/templates/FromMeter3')).status, 404);
    await laterBirthOfMeter1('y');
    assert.equal(births('Meter-3').length, born, 'the rename did not restart Meter-3');
  });

  it('exports templates and the devices made from them, and the export imports back unchanged', async () => {
    const text = (await call('GET', '/api/v1/config/export')).text;
    const doc = YAML.parse(text);
    assert.deepEqual(
      doc.templates.map((t: { name: string }) => t.name),
      ['Meter', 'Meter3Model'],
    );
    assert.equal(doc.devices.find((d: { name: string }) => d.name === 'Meter-1').template.overrides.Setpoint.address, 'HR2');
    const dry = await call('POST', '/api/v1/config/import?dryRun=true', text);
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(dry.json.changes, { added: [], removed: [], changed: [], northbound: false, restartRequired: [] });
    assert.deepEqual(runningDevices(validateConfig(doc)), runningDevices(stack.gateway.config));
  });
});
