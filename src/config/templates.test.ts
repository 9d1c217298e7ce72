import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.ts';
import { detachDevice, fillAddress, runningDevices, templateFromDevice } from './templates.ts';
import { validateConfig } from './validate.ts';

const northbound = { groupId: 'G', edgeNodeId: 'E', brokers: [{ url: 'mqtt://127.0.0.1' }] };
const drive = {
  name: 'Drive',
  protocol: 'modbus',
  parameters: { base: 100, area: 'HR' },
  connection: { byteOrder: 'CDAB', timeoutMs: 300 },
  properties: { make: 'Acme', model: 'D1' },
  groups: [
    {
      name: 'status',
      tags: [
        { name: 'Speed', address: '{area}{base}', type: 'float32', unit: 'rpm' },
        { name: 'Current', address: 'HR{base+2}', type: 'float32' },
        { name: 'Fault', address: 'HR{base-1}', type: 'uint16' },
      ],
    },
  ],
};
const config = (devices: unknown[], templates: unknown[] = [drive]) => validateConfig({ northbound, templates, devices });
const errors = (devices: unknown[], templates: unknown[] = [drive]) => {
  try {
    config(devices, templates);
  } catch (err) {
    if (err instanceof ConfigError) return err.details.map((d) => `${d.path}: ${d.message}`);
    throw err;
  }
  assert.fail('the configuration was accepted');
};

describe('device templates', () => {
  it('fills {name}, {name+N} and {name-N} from parameters, and names what is missing or not a number', () => {
    assert.deepEqual(fillAddress('HR{base+2}', { base: 100 }), { address: 'HR102' });
    assert.deepEqual(fillAddress('ns=2;s={machine}.Speed', { machine: 'Line1' }), { address: 'ns=2;s=Line1.Speed' });
    assert.deepEqual(fillAddress('DB{db},REAL{base-4}', { db: 7, base: '10' }), { address: 'DB7,REAL6' });
    assert.deepEqual(fillAddress('HR{x}', {}), { error: 'uses the parameter "x", which the template does not declare (its parameters: none)' });
    assert.deepEqual(fillAddress('HR{m+1}', { m: 'Line1' }), { error: '{m+1} adds to the parameter "m", which is "Line1", not a whole number' });
  });

  it('runs a device with the template tags filled with its parameters, the template connection defaults under its own, and both properties', () => {
    const c = config([
      {
        name: 'D7',
        protocol: 'modbus',
        connection: { host: '10.0.0.7', unitId: 7, timeoutMs: 900 },
        template: { name: 'Drive', parameters: { base: 200 }, overrides: { Fault: { address: 'HR50', description: 'moved on this one' } } },
        properties: { serialNumber: 'S7', model: 'D1-special' },
        groups: [{ name: 'own', tags: [{ name: 'Temp', address: 'IR0', type: 'int16' }] }],
      },
    ]);
    const [d] = runningDevices(c);
    assert.ok(d);
    assert.deepEqual(
      d.groups.map((g) => [g.name, g.tags.map((t) => `${t.name}@${t.address}`)]),
      [
        ['status', ['Speed@HR200', 'Current@HR202', 'Fault@HR50']],
        ['own', ['Temp@IR0']],
      ],
    );
    assert.equal(d.groups[0]?.tags[2]?.description, 'moved on this one');
    assert.equal(d.groups[0]?.tags[0]?.unit, 'rpm', 'settings not overridden stay');
    assert.deepEqual([d.connection.byteOrder, d.connection.timeoutMs, d.connection.port], ['CDAB', 900, 502]);
    assert.deepEqual(d.properties, { make: 'Acme', model: 'D1-special', serialNumber: 'S7' });
    // The stored device keeps only what it sets.
    assert.deepEqual(c.devices[0]?.connection, { host: '10.0.0.7', unitId: 7, timeoutMs: 900 });
  });

  it('points each problem at what the user wrote: the template, the device, its override, its own group', () => {
    assert.deepEqual(
      errors([
        {
          name: 'A',
          protocol: 'opcua',
          connection: { host: 'h' },
          template: { name: 'Drive', parameters: { bsae: 1 }, overrides: { Nope: {}, Speed: { type: 'bool' } } },
          groups: [{ name: 'status', tags: [] }],
        },
        { name: 'B', protocol: 'modbus', connection: { host: 'h' }, template: { name: 'Pump' } },
        { name: 'C', protocol: 'modbus', connection: { host: 'h' }, template: { name: 'Drive', parameters: { base: 70000 } } },
        { name: 'D', protocol: 'modbus', connection: { host: 'h' }, template: { name: 'Drive', overrides: { Fault: { address: 'HR99999' } } } },
      ]),
      [
        'devices[0].protocol: is opcua, but template "Drive" is for modbus devices',
        'devices[0].template.parameters.bsae: template "Drive" has no parameter "bsae"',
        'devices[0].template.overrides.Nope: template "Drive" has no tag "Nope"',
        'devices[0].groups[0].name: template "Drive" has a group "status" already: name the device\'s own group differently',
        'devices[0].connection.endpointUrl: is required',
        'devices[0].connection.identity: is required',
        'devices[0].connection.byteOrder: is not a known setting',
        'devices[0].connection.host: is not a known setting',
        'devices[1].template.name: there is no template "Pump" (templates: Drive)',
        'templates[0].groups[0].tags[0].address: address 70000 is above 65535 (at position 3) (device "C")',
        'templates[0].groups[0].tags[1].address: address 70002 is above 65535 (at position 3) (device "C")',
        'templates[0].groups[0].tags[2].address: address 69999 is above 65535 (at position 3) (device "C")',
        'devices[3].template.overrides.Fault.address: address 99999 is above 65535 (at position 3)',
      ],
    );
  });

  it('checks a template on its own: its parameters, connection defaults and addresses, once', () => {
    const bad = { ...drive, connection: { byteorder: 'CDAB' }, groups: [{ name: 'g', tags: [{ name: 'X', address: 'HR{base}{unit}', type: 'uint16' }] }] };
    assert.deepEqual(errors([], [bad, { ...drive, protocol: 'profibus' }]), [
      'templates[1].name: duplicate template name "Drive" (also at index 0)',
      'templates[0].connection.byteorder: is not a known setting',
      'templates[0].groups[0].tags[0].address: uses the parameter "unit", which the template does not declare (its parameters: base, area)',
      'templates[1].protocol: unknown protocol "profibus"; known: modbus, opcua, s7',
    ]);
  });

  it("gives devices the template's OEE block unless they have their own, and checks it once, at the template", () => {
    const oee = { state: { tag: 'State', running: [1] }, goodCount: { tag: 'Good' }, idealRatePerMin: 10 };
    const line = { name: 'L', protocol: 'modbus', groups: [{ name: 'g', tags: [{ name: 'S', address: 'HR0', type: 'uint16' }] }], oee };
    assert.deepEqual(errors([{ name: 'A', protocol: 'modbus', connection: { host: 'h' }, template: { name: 'L' } }], [line]), [
      'templates[0].oee.state.tag: "State" is not a tag of this device',
      'templates[0].oee.goodCount.tag: "Good" is not a tag of this device',
      'templates[0].oee.totalCount: is required (or badCount)',
    ]);
    const good = { ...line, oee: { ...oee, state: { tag: 'S', running: [1] }, goodCount: { tag: 'S' }, totalCount: { tag: 'S' } } };
    const own = { ...good.oee, idealRatePerMin: 99 };
    const [a, b] = runningDevices(
      config(
        [
          { name: 'A', protocol: 'modbus', connection: { host: 'h' }, template: { name: 'L' } },
          { name: 'B', protocol: 'modbus', connection: { host: 'h' }, template: { name: 'L' }, oee: own },
        ],
        [good],
      ),
    );
    assert.deepEqual([a?.oee?.idealRatePerMin, b?.oee?.idealRatePerMin], [10, 99]);
  });

  it('detaches a device with the tags it runs, and makes a template of a device without its address', () => {
    const c = config([{ name: 'D1', protocol: 'modbus', connection: { host: 'h', unitId: 3 }, template: { name: 'Drive' } }]);
    const detached = detachDevice(c, 'D1');
    assert.equal(detached?.template, undefined);
    assert.deepEqual(
      detached?.groups[0]?.tags.map((t) => t.address),
      ['HR100', 'HR102', 'HR99'],
    );
    const t = templateFromDevice(detached as NonNullable<typeof detached>, 'Copy', undefined, { byteOrder: 'ABCD', timeoutMs: 1000, retries: 0 });
    assert.deepEqual(
      t.connection,
      Object.fromEntries(Object.entries(detached?.connection ?? {}).filter(([k]) => !['host', 'port', 'unitId', 'retries'].includes(k))),
    );
    assert.equal(t.connection.byteOrder, 'CDAB', 'a setting unlike the default stays');
    assert.equal(t.connection.timeoutMs, 300);
    assert.deepEqual(
      runningDevices(config([{ name: 'D2', protocol: 'modbus', connection: { host: 'h2' }, template: { name: 'Copy' } }], [t]))[0]?.groups,
      detached?.groups,
    );
  });
});
