/** Bundled simulators by protocol: a config schema and a factory each. */
import type { TSchema } from '@sinclair/typebox';
import type { Clock } from '../src/clock.ts';
import { assertSchema } from '../src/config/schema-errors.ts';
import { type ModbusSimulatorConfig, ModbusSimulatorConfigSchema } from './modbus/config.ts';
import { ModbusSimulator } from './modbus/server.ts';

export interface RunningSimulator {
  start(): Promise<number>;
  stop(): Promise<void>;
}

export interface SimulatorPlugin {
  configSchema: TSchema;
  /** Validates `config` against configSchema (throws a ConfigError) and builds the simulator. */
  create(config: unknown, opts: { host?: string; port?: number; clock?: Clock }): RunningSimulator;
}

export const simulatorPlugins: Record<string, SimulatorPlugin> = {
  modbus: {
    configSchema: ModbusSimulatorConfigSchema,
    create: (config, opts) =>
      new ModbusSimulator(assertSchema<ModbusSimulatorConfig>(ModbusSimulatorConfigSchema, structuredClone(config), 'Modbus simulator configuration'), opts),
  },
};
