import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseModbusAddress } from '../../drivers/modbus/address.ts';
import { type ModbusSimulatorConfig, ModbusSimulatorConfigSchema } from '../../simulators/modbus/config.ts';
import { loadConfigFile, parseYaml } from './load.ts';
import type { GroupConfig, TemplateConfig } from './schema.ts';
import { assertSchema } from './schema-errors.ts';
import { loadTemplateLibrary, TEMPLATE_LIBRARY_DIR } from './template-library.ts';
import { runningDevices } from './templates.ts';
import { validateConfig } from './validate.ts';

const northbound = { groupId: 'G', edgeNodeId: 'E', brokers: [{ url: 'mqtt://127.0.0.1' }] };
const library = loadTemplateLibrary();
const template = (name: string) => library.find((e) => e.template?.name === name)?.template as TemplateConfig;

/** A device made from the template, as it runs. */
function resolved(t: TemplateConfig, device: Record<string, unknown>) {
  const config = validateConfig({ northbound, templates: [t], devices: [{ name: 'D', protocol: t.protocol, template: { name: t.name }, ...device }] });
  return runningDevices(config)[0];
}

/** Groups without the descriptions a library template may add to the demo's tags. */
const withoutDescriptions = (groups: readonly GroupConfig[]) => groups.map((g) => ({ ...g, tags: g.tags.map(({ description: _d, ...tag }) => tag) }));

describe('the template library', () => {
  it('ships the power meter and the demo machines, each file one valid template named after it', () => {
    assert.deepEqual(
      library.map((e) => [e.file, e.error]),
      [
        ['demo-modbus-machine.yaml', undefined],
        ['demo-opcua-filling-line.yaml', undefined],
        ['demo-s7-filler.yaml', undefined],
        ['power-meter-3ph.yaml', undefined],
      ],
    );
    for (const e of library) assert.equal(e.template?.name, path.basename(e.file, '.yaml'));
    // Defaults are filled in, as in a stored configuration.
    assert.equal(template('power-meter-3ph').groups[0]?.tags[0]?.access, 'read');
    assert.ok(path.isAbsolute(TEMPLATE_LIBRARY_DIR) && TEMPLATE_LIBRARY_DIR.endsWith(path.join('config', 'templates')));
  });

  it("makes the demo's machines: a device from each demo template runs the tags of the demo's device", () => {
    const demo = runningDevices(loadConfigFile(fileURLToPath(new URL('../../config/demo.yaml', import.meta.url))));
    // The device gives only its address; the template brings the rest of the demo device's connection settings.
    for (const [name, demoDevice, address] of [
      ['demo-modbus-machine', 'Line1-PLC', ['host', 'unitId']],
      ['demo-s7-filler', 'Filler-PLC', ['host']],
      ['demo-opcua-filling-line', 'FillingLine', ['endpointUrl']],
    ] as const) {
      const original = demo.find((d) => d.name === demoDevice);
      assert.ok(original, demoDevice);
      const device = resolved(template(name), { connection: Object.fromEntries(address.map((key) => [key, original.connection[key]])) });
      assert.deepEqual(device?.connection, original.connection, name);
      assert.deepEqual(withoutDescriptions(device?.groups ?? []), withoutDescriptions(original.groups), name);
      assert.deepEqual(device?.oee, original.oee, `${name}: the OEE block`);
    }
  });

  it('fills the power meter addresses from base, with units and descriptions on every tag', () => {
    const meter = template('power-meter-3ph');
    const tags = meter.groups.flatMap((g) => g.tags);
    assert.equal(tags.length, 15);
    for (const tag of tags) assert.ok(tag.description, `${tag.name} has a description`);
    assert.deepEqual(
      tags.filter((t) => !t.unit).map((t) => t.name),
      ['PowerFactor'],
    );
    assert.deepEqual([...new Set(tags.flatMap((t) => (t.unit ? [t.unit] : [])))].sort(), ['A', 'Hz', 'V', 'kVA', 'kW', 'kWh', 'kvar']);
    assert.deepEqual(meter.properties, { make: 'generic', model: 'generic' });
    const at4000 = resolved(meter, { connection: { host: '10.0.0.7' }, template: { name: meter.name, parameters: { base: 4000 } } });
    const addresses = at4000?.groups.flatMap((g) => g.tags.map((t) => t.address));
    assert.deepEqual(addresses, [...Array.from({ length: 14 }, (_, i) => `HR${4000 + 2 * i}`), 'HR4028']);
  });

  it("has a simulator profile that serves every power meter register, with the tag's type, on units 1 and 2", () => {
    const file = path.join(TEMPLATE_LIBRARY_DIR, 'simulators', 'power-meter-3ph.yaml');
    const sim = assertSchema<ModbusSimulatorConfig>(ModbusSimulatorConfigSchema, parseYaml(fs.readFileSync(file, 'utf8'), file), file);
    assert.deepEqual(
      sim.units.map((u) => u.id),
      [1, 2],
    );
    const meter = resolved(template('power-meter-3ph'), { connection: { host: '127.0.0.1' } });
    for (const unit of sim.units) {
      for (const tag of meter?.groups.flatMap((g) => g.tags) ?? []) {
        const parsed = parseModbusAddress(tag.address as string, { type: tag.type });
        assert.ok(parsed.ok && parsed.address.area === 'holding', tag.name);
        const point = unit.points.find((p) => p.area === 'holding' && p.address === parsed.address.address);
        assert.equal(point?.type, tag.type, `unit ${unit.id}: ${tag.name}`);
      }
    }
  });

  describe('a broken file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plexus-library-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('is reported with the file and the path of each problem; the good files load, and other files and folders are passed by', () => {
      fs.copyFileSync(path.join(TEMPLATE_LIBRARY_DIR, 'power-meter-3ph.yaml'), path.join(dir, 'meter.yaml'));
      fs.writeFileSync(
        path.join(dir, 'bad-address.yaml'),
        [
          'name: Broken',
          'protocol: modbus',
          'groups:',
          '  - name: g',
          '    tags:',
          '      - { name: A, address: HR0, type: uint16 }',
          '      - { name: B, address: XY0, type: uint16 }',
        ].join('\n'),
      );
      fs.writeFileSync(path.join(dir, 'no-name.yaml'), 'protocol: modbus\ngroups: []\n');
      fs.writeFileSync(path.join(dir, 'syntax.yaml'), 'name: [unclosed\n');
      fs.writeFileSync(path.join(dir, 'list.yaml'), '- name: A\n');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a template');
      fs.mkdirSync(path.join(dir, 'simulators'));
      fs.writeFileSync(path.join(dir, 'simulators', 'sim.yaml'), 'units: []\n');

      const entries = loadTemplateLibrary(dir);
      assert.deepEqual(
        entries.map((e) => e.file),
        ['bad-address.yaml', 'list.yaml', 'meter.yaml', 'no-name.yaml', 'syntax.yaml'],
      );
      const error = (file: string) => entries.find((e) => e.file === file)?.error ?? '';
      assert.match(error('bad-address.yaml'), /^bad-address\.yaml: groups\[0\]\.tags\[1\]\.address: unknown area "XY"/);
      assert.equal(error('no-name.yaml'), 'no-name.yaml: name: is required');
      assert.match(error('syntax.yaml'), /^syntax\.yaml: line \d+, column \d+: [^:]+$/);
      assert.match(error('list.yaml'), /^list\.yaml: is not a template/);
      assert.equal(entries.find((e) => e.file === 'meter.yaml')?.template?.name, 'power-meter-3ph');
      assert.ok(entries.filter((e) => e.error).every((e) => e.template === undefined));
    });
  });
});
