/** Protocols by name. A plugin module is light; heavy libraries load inside `create`. */
import type { DriverPlugin } from './contract.ts';
import { modbusPlugin } from './modbus/index.ts';

export const driverPlugins: Record<string, DriverPlugin> = {
  modbus: modbusPlugin as DriverPlugin,
};
