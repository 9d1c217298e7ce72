/** Bundled simulators by protocol: a config schema and a factory each. */
import type { TSchema } from '@sinclair/typebox';
import { ModbusSimulatorConfigSchema, type ModbusSimulatorConfig } from './modbus/config.ts';
import { ModbusSimulator } from './modbus/server.ts';

export interface RunningSimulator {
  start(): Promise<number>;
  stop(): Promise<void>;
}

export interface SimulatorPlugin {
  configSchema: TSchema;
  /** `config` has been validated against configSchema (defaults filled in). */
  create(config: unknown, opts: { host: string; port: number }): RunningSimulator;
}

export const simulatorPlugins: Record<string, SimulatorPlugin> = {
  modbus: {
    configSchema: ModbusSimulatorConfigSchema,
    create: (config, opts) => new ModbusSimulator(config as ModbusSimulatorConfig, opts),
  },
};
