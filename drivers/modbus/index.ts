import type { DriverPlugin } from '../contract.ts';
import { checkModbusTag } from './address.ts';
import { ModbusDriver } from './driver.ts';
import { type ModbusConnection, ModbusConnectionSchema } from './settings.ts';

export const modbusPlugin: DriverPlugin<ModbusConnection> = {
  protocol: 'modbus',
  connectionSchema: ModbusConnectionSchema,
  checkTag: (tag) => checkModbusTag(tag.address, tag.type),
  create: (device, deps) => new ModbusDriver(device, deps),
};
