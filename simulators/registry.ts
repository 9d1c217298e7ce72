/** Bundled simulators by protocol: a config schema and a factory each. */
import type { TSchema } from '@sinclair/typebox';
import type { Clock } from '../src/clock.ts';
import { assertSchema } from '../src/config/schema-errors.ts';
import { type ModbusSimulatorConfig, ModbusSimulatorConfigSchema } from './modbus/config.ts';
import { ModbusSimulator } from './modbus/server.ts';
import { type OpcuaSimulatorConfig, OpcuaSimulatorConfigSchema } from './opcua/config.ts';
import { OpcuaSimulator } from './opcua/server.ts';
import { s7SimulatorPlugin } from './s7/plugin.ts';

export interface RunningSimulator {
  start(): Promise<number>;
  stop(): Promise<void>;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  clock?: Clock;
  /** Where a simulator keeps state across restarts (the OPC UA simulator's certificate). */
  dataDir?: string;
}

export interface SimulatorPlugin {
  configSchema: TSchema;
  /** The port `plexus simulate` listens on when none is given. */
  defaultPort: number;
  /** Validates `config` against configSchema (throws a ConfigError) and builds the simulator. */
  create(config: unknown, opts: SimulatorOptions): RunningSimulator;
}

export const simulatorPlugins: Record<string, SimulatorPlugin> = {
  modbus: {
    configSchema: ModbusSimulatorConfigSchema,
    defaultPort: 5020,
    create: (config, opts) =>
      new ModbusSimulator(assertSchema<ModbusSimulatorConfig>(ModbusSimulatorConfigSchema, structuredClone(config), 'Modbus simulator configuration'), opts),
  },
  opcua: {
    configSchema: OpcuaSimulatorConfigSchema,
    defaultPort: 4840,
    // The server module only refers to node-opcua's types; the library loads when the simulator starts.
    create: (config, opts) => {
      const valid = assertSchema<OpcuaSimulatorConfig>(OpcuaSimulatorConfigSchema, structuredClone(config), 'OPC UA simulator configuration');
      return new OpcuaSimulator(valid, opts);
    },
  },
  s7: s7SimulatorPlugin,
};
