/** Protocols by name. A plugin module is light; heavy libraries load inside `create`. */
import type { DriverPlugin } from './contract.ts';
import { modbusPlugin } from './modbus/index.ts';
import { opcuaPlugin } from './opcua/index.ts';
import { s7Plugin } from './s7/index.ts';

export const driverPlugins: Record<string, DriverPlugin> = {
  modbus: modbusPlugin as DriverPlugin,
  opcua: opcuaPlugin as DriverPlugin,
  s7: s7Plugin as DriverPlugin,
};
