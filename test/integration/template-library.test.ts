/**
 * The template library against the bundled simulators: for each library
 * template, its simulator on a real socket, a gateway with two devices made
 * from the template, every tag of both read with good quality and a plausible
 * value, and the template's metadata in the DBIRTHs. The S7 part is skipped
 * where node-snap7 did not build.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { TagValue } from '../../drivers/contract.ts';
import { type RunningSimulator, simulatorPlugins } from '../../simulators/registry.ts';
import { SimulatorUnavailableError } from '../../simulators/s7/server.ts';
import { parseYaml } from '../../src/config/load.ts';
import type { Config, SimulatorConfig, TemplateConfig } from '../../src/config/schema.ts';
import { loadTemplateLibrary, TEMPLATE_LIBRARY_DIR } from '../../src/config/template-library.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { type Db, openDatabase } from '../../src/database.ts';
import { Gateway } from '../../src/gateway.ts';
import { AedesBroker } from '../helpers/aedes.ts';
import { tempDir } from '../helpers/net.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { waitFor } from '../helpers/wait.ts';

const library = loadTemplateLibrary();
const templateNamed = (name: string): TemplateConfig => {
  const entry = library.find((e) => e.template?.name === name);
  assert.ok(entry?.template, `the library has ${name}: ${entry?.error ?? 'no such template'}`);
  return entry.template;
};

/** The demo's simulator configurations (config/demo.yaml), so that the templates are tested against the demo's machines. */
const demo = parseYaml(fs.readFileSync(new URL('../../config/demo.yaml', import.meta.url), 'utf8')) as Config;
const demoSimulator = (protocol: string) => (demo.simulators.find((s) => s.protocol === protocol) as SimulatorConfig).config;
const createSimulator = (protocol: string, config: unknown, opts: { dataDir?: string } = {}): RunningSimulator =>
  (simulatorPlugins[protocol] as (typeof simulatorPlugins)[string]).create(config, { host: '127.0.0.1', port: 0, ...opts });

const broker = new AedesBroker();
before(() => broker.start());
after(() => broker.dispose());

/** A simulator and a gateway running two devices made from one template, with a Sparkplug host watching. */
class Rig {
  readonly dataDir = tempDir('plexus-library-');
  readonly host = new SparkplugHost();
  gateway?: Gateway;
  db?: Db;
  simulator?: RunningSimulator;
  /** Why the simulator cannot run here (node-snap7 missing), if it cannot. */
  unavailable?: string;

  constructor(readonly template: TemplateConfig) {}

  /** Starts the simulator (or notes that it is unavailable), then the gateway with the devices made for its port. */
  async start(simulator: RunningSimulator, devices: (port: number) => unknown[]): Promise<void> {
    this.simulator = simulator;
    let port: number;
    try {
      port = await simulator.start();
    } catch (err) {
      if (!(err instanceof SimulatorUnavailableError)) throw err;
      this.unavailable = err.message;
      return;
    }
    await this.host.connect(broker.url);
    const config = validateConfig({
      northbound: { groupId: 'Library', edgeNodeId: 'edge1', brokers: [{ url: broker.url }], keepaliveS: 5 },
      api: { enabled: false },
      templates: [this.template],
      devices: devices(port),
    });
    this.db = openDatabase(this.dataDir);
    this.gateway = new Gateway({ config, db: this.db, dataDir: this.dataDir, log: pino({ level: 'silent' }) });
    await this.gateway.start();
  }

  get tags(): string[] {
    return this.template.groups.flatMap((g) => g.tags.map((t) => t.name));
  }

  /** Waits until every tag of each device has a good value; returns them by tag name. */
  async goodValues(device: string, timeoutMs: number): Promise<Record<string, TagValue>> {
    const gateway = this.gateway as Gateway;
    return waitFor(
      () => {
        const updates = this.tags.map((tag) => gateway.values.get(device, tag));
        if (!updates.every((u) => u?.quality === 'good' && u.value !== null)) return undefined;
        return Object.fromEntries(updates.map((u) => [u?.tag, u?.value])) as Record<string, TagValue>;
      },
      `a good value of every tag of ${device}`,
      timeoutMs,
    ).catch((err: Error) => {
      const missing = this.tags.filter((t) => gateway.values.get(device, t)?.quality !== 'good');
      throw new Error(`${err.message}; without a good value: ${missing.map((t) => `${t} (${gateway.values.get(device, t)?.reason ?? 'none'})`).join(', ')}`);
    });
  }

  /** The device's DBIRTH carries the template's properties and every tag, with its unit as engUnit. */
  async checkBirth(device: string): Promise<void> {
    const birth = await this.host.next(`the DBIRTH of ${device}`, (m) => m.type === 'DBIRTH' && m.device === device);
    for (const [key, value] of Object.entries(this.template.properties ?? {}))
      assert.equal(this.host.metric(birth, `Properties/${key}`)?.value, value, `${device}: Properties/${key}`);
    for (const tag of this.template.groups.flatMap((g) => g.tags)) {
      const metric = this.host.metric(birth, tag.name);
      assert.ok(metric, `${device}: ${tag.name} is in the DBIRTH`);
      if (tag.unit) assert.equal(metric.properties?.engUnit, tag.unit, `${device}: ${tag.name} engUnit`);
    }
  }

  async stop(): Promise<void> {
    await this.gateway?.stop();
    this.db?.close();
    await this.simulator?.stop();
    await this.host.close();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

const between = (value: TagValue | undefined, min: number, max: number, what: string) => {
  assert.equal(typeof value, 'number', what);
  assert.ok((value as number) >= min && (value as number) <= max, `${what} = ${value}, expected ${min}..${max}`);
};
const near = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * relative, `${what}: ${actual}, expected ${expected} ± ${relative * 100} %`);

describe('power-meter-3ph against its simulator profile', () => {
  const rig = new Rig(templateNamed('power-meter-3ph'));
  const profile = path.join(TEMPLATE_LIBRARY_DIR, 'simulators', 'power-meter-3ph.yaml');

  before(() =>
    rig.start(createSimulator('modbus', parseYaml(fs.readFileSync(profile, 'utf8'), profile)), (port) =>
      [1, 2].map((unitId) => ({
        name: `Meter-${unitId}`,
        protocol: 'modbus',
        connection: { host: '127.0.0.1', port, unitId },
        template: { name: 'power-meter-3ph' },
        properties: { serialNumber: `SIM-${unitId}` },
      })),
    ),
  );
  after(() => rig.stop());

  it('reads every tag of both meters with plausible values: 230 V, a few A, P = U·I·pf per phase, S² = P² + Q², 50 Hz', async () => {
    for (const [device, current] of [
      ['Meter-1', [3.4, 8.6]],
      ['Meter-2', [1.7, 3.3]],
    ] as const) {
      const v = await rig.goodValues(device, 10_000);
      const n = (tag: string) => v[tag] as number;
      for (const phase of ['L1', 'L2', 'L3']) {
        between(v[`Voltage/${phase}-N`], 200, 260, `${device} Voltage/${phase}-N`);
        between(v[`Current/${phase}`], current[0], current[1], `${device} Current/${phase}`);
      }
      between(v.PowerFactor, 0.85, 1, `${device} PowerFactor`);
      between(v.Frequency, 49.5, 50.5, `${device} Frequency`);
      // All measurements come from one read, so they belong to one moment.
      for (const phase of ['L1', 'L2', 'L3'])
        near(n(`ActivePower/${phase}`), (n(`Voltage/${phase}-N`) * n(`Current/${phase}`) * n('PowerFactor')) / 1000, 0.03, `${device} ActivePower/${phase}`);
      near(n('ActivePower/Total'), n('ActivePower/L1') + n('ActivePower/L2') + n('ActivePower/L3'), 0.01, `${device} ActivePower/Total`);
      near(n('ApparentPower/Total') ** 2, n('ActivePower/Total') ** 2 + n('ReactivePower/Total') ** 2, 0.03, `${device} S² = P² + Q²`);
      assert.ok(n('Energy/ActiveImport') > 0, `${device} Energy/ActiveImport`);
    }
  });

  it('publishes the template properties with the device’s own, and engineering units, in each DBIRTH', async () => {
    for (const device of ['Meter-1', 'Meter-2']) {
      await rig.checkBirth(device);
      const birth = rig.host.of('DBIRTH', device)[0];
      assert.ok(birth);
      assert.equal(rig.host.metric(birth, 'Properties/serialNumber')?.value, `SIM-${device.slice(-1)}`);
      assert.equal(rig.host.metric(birth, 'Voltage/L1-N')?.properties?.documentation, 'Phase voltage L1 to neutral');
    }
  });

  it('has energy counters that rise', async () => {
    const gateway = rig.gateway as Gateway;
    const energy = (device: string) => gateway.values.get(device, 'Energy/ActiveImport')?.value as number;
    const first = { 'Meter-1': energy('Meter-1'), 'Meter-2': energy('Meter-2') };
    // The counters step every 0.9 s and 2.3 s; the group is read every 5 s.
    await waitFor(() => energy('Meter-1') > first['Meter-1'] && energy('Meter-2') > first['Meter-2'], 'both energy counters rising', 15_000);
  });
});

describe('demo-modbus-machine against the demo’s Modbus simulator', () => {
  const rig = new Rig(templateNamed('demo-modbus-machine'));
  before(() =>
    rig.start(createSimulator('modbus', demoSimulator('modbus')), (port) =>
      ['Line1-PLC', 'Line2-PLC'].map((name) => ({
        name,
        protocol: 'modbus',
        connection: { host: '127.0.0.1', port, unitId: 1 },
        template: { name: 'demo-modbus-machine' },
      })),
    ),
  );
  after(() => rig.stop());

  it('reads every tag of both devices with the demo’s values', async () => {
    for (const device of ['Line1-PLC', 'Line2-PLC']) {
      const v = await rig.goodValues(device, 15_000);
      between(v.Temperature, 15, 35, `${device} Temperature`);
      between(v.Pressure, 50, 200, `${device} Pressure (kPa)`);
      between(v.PartsMade, 0, 1e9, `${device} PartsMade`);
      assert.equal(v.SpeedSetpoint, 1500);
      between(v.Vibration, 0, 10, `${device} Vibration`);
      between(v.Energy, 0, 1000, `${device} Energy`);
      assert.equal(v.DoorClosed, true);
      assert.equal(typeof v.PressureAlarm, 'boolean');
      await rig.checkBirth(device);
    }
  });
});

describe('demo-opcua-filling-line against the OPC UA simulator', () => {
  const rig = new Rig(templateNamed('demo-opcua-filling-line'));
  const simulatorDir = tempDir('plexus-library-opcua-');
  before(() =>
    rig.start(createSimulator('opcua', demoSimulator('opcua'), { dataDir: simulatorDir }), (port) =>
      ['FillingLine', 'FillingLine-B'].map((name) => ({
        name,
        protocol: 'opcua',
        connection: { endpointUrl: `opc.tcp://127.0.0.1:${port}`, timeoutMs: 5000 },
        template: { name: 'demo-opcua-filling-line' },
      })),
    ),
  );
  after(async () => {
    await rig.stop();
    fs.rmSync(simulatorDir, { recursive: true, force: true });
  });

  it('reads every tag of both devices (subscribed and polled) with the simulator’s values', async () => {
    for (const device of ['FillingLine', 'FillingLine-B']) {
      const v = await rig.goodValues(device, 60_000);
      assert.ok(['Idle', 'Running', 'Stopped', 'Fault'].includes(v.State as string), `${device} State = ${v.State}`);
      between(v.Speed, 0, 1200, `${device} Speed`);
      between(v.Temperature, 0, 120, `${device} Temperature`);
      assert.equal(v.SpeedSetpoint, 600);
      assert.equal(v.TemperatureSetpoint, 65);
      assert.match(v.BatchId as string, /^B\d{5}$/);
      between(v.BatchStart, Date.now() - 3_600_000, Date.now(), `${device} BatchStart`);
      between(v.GoodCount, 0, 1e9, `${device} GoodCount`);
      await rig.checkBirth(device);
    }
  });
});

describe('demo-s7-filler against the S7 simulator', () => {
  const rig = new Rig(templateNamed('demo-s7-filler'));
  before(() =>
    rig.start(createSimulator('s7', demoSimulator('s7')), (port) =>
      ['Filler-PLC', 'Filler-PLC-2'].map((name) => ({
        name,
        protocol: 's7',
        connection: { host: '127.0.0.1', port },
        template: { name: 'demo-s7-filler' },
      })),
    ),
  );
  after(() => rig.stop());

  it('reads every tag of both devices with the demo machine’s values', async (t) => {
    if (rig.unavailable) return t.skip(rig.unavailable);
    for (const device of ['Filler-PLC', 'Filler-PLC-2']) {
      const v = await rig.goodValues(device, 15_000);
      between(v.TankTemperature, 60, 80, `${device} TankTemperature`);
      between(v.Pressure, 1.5, 3.5, `${device} Pressure`);
      between(v.BottlesFilled, 0, 1e9, `${device} BottlesFilled`);
      assert.equal(v.SpeedSetpoint, 1200);
      assert.equal(v.Recipe, 'Recipe A');
      assert.equal(v.DoorClosed, true);
      assert.equal(typeof v.Running, 'boolean');
      await rig.checkBirth(device);
    }
  });
});
