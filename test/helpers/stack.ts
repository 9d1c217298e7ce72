/** Real parts for an integration test: Mosquitto, a Sparkplug test host, a Modbus simulator, and the gateway in-process. */
import fs from 'node:fs';
import pino, { type Logger } from 'pino';
import { type RunningSimulator, simulatorPlugins } from '../../simulators/registry.ts';
import type { Clock } from '../../src/clock.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { type Db, openDatabase } from '../../src/database.ts';
import { Gateway } from '../../src/gateway.ts';
import { Mosquitto } from './mosquitto.ts';
import { tempDir } from './net.ts';
import { SparkplugHost } from './sparkplug-host.ts';

export const modbusSimulator = (config: unknown, opts: { port?: number; clock?: Clock } = {}) =>
  (simulatorPlugins.modbus as (typeof simulatorPlugins)[string]).create(config, opts);

/** Three identical Modbus units, for devices made from one template: HR0 counts, HR1 = 11 × unit id, HR2 = 100 + unit id, HR3 = 7. */
export const THREE_UNITS = {
  units: [1, 2, 3].map((id) => ({
    id,
    points: [
      { area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } },
      { area: 'holding', address: 1, type: 'int16', value: 11 * id },
      { area: 'holding', address: 2, type: 'int16', value: 100 + id },
      { area: 'holding', address: 3, type: 'int16', value: 7 },
    ],
  })),
};

export interface Stack {
  mosquitto: Mosquitto;
  host: SparkplugHost;
  simulator: RunningSimulator;
  simPort: number;
  gateway: Gateway;
  db: Db;
  stop(): Promise<void>;
}

/**
 * Starts everything; `devices` gets the simulator's port. The configuration's
 * Sparkplug ids are group `TestGroup`, edge node `edge1`.
 */
export async function startStack(
  simulatorConfig: unknown,
  devices: (simPort: number) => unknown[],
  opts: {
    api?: boolean;
    /** Another simulator instead of a Modbus one made from simulatorConfig. */
    simulator?: RunningSimulator;
    /** The gateway's logger (default: silent). */
    log?: Logger;
  } = {},
): Promise<Stack> {
  const mosquitto = await new Mosquitto().start();
  const host = await new SparkplugHost().connect(mosquitto.url);
  const simulator = opts.simulator ?? modbusSimulator(simulatorConfig);
  const simPort = await simulator.start();
  const dataDir = tempDir();
  const db = openDatabase(dataDir);
  const config = validateConfig({
    northbound: { groupId: 'TestGroup', edgeNodeId: 'edge1', brokers: [{ url: mosquitto.url }], keepaliveS: 5 },
    api: opts.api ? { port: 0 } : { enabled: false },
    devices: devices(simPort),
  });
  const gateway = new Gateway({ config, db, dataDir, log: opts.log ?? pino({ level: 'silent' }) });
  await gateway.start();
  const stack: Stack = {
    mosquitto,
    host,
    simulator,
    simPort,
    gateway,
    db,
    async stop() {
      await stack.gateway.stop();
      db.close();
      await stack.simulator.stop();
      await host.close();
      await mosquitto.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
