import type { DriverPlugin } from '../contract.ts';
import { checkModbusTag, parseModbusAddress, sizeOf } from './address.ts';
import { ModbusDriver } from './driver.ts';
import { checkModbusDevices, type ModbusConnection, ModbusConnectionSchema } from './settings.ts';

export const modbusPlugin: DriverPlugin<ModbusConnection> = {
  protocol: 'modbus',
  connectionSchema: ModbusConnectionSchema,
  checkTag: (tag, c) => {
    const problem = checkModbusTag(tag.address, tag.type, c.addressBase);
    if (problem) return problem;
    const parsed = parseModbusAddress(tag.address, { type: tag.type, addressBase: c.addressBase });
    if (!parsed.ok) return parsed.error;
    const size = sizeOf(tag.type, parsed.address);
    const isBits = parsed.address.area === 'coil' || parsed.address.area === 'discrete';
    if (!isBits && size > c.maxRegistersPerRequest)
      return `a ${tag.type} of ${size} registers does not fit the device's ${c.maxRegistersPerRequest} registers per request`;
    return undefined;
  },
  checkDevices: checkModbusDevices,
  create: (device, deps) => new ModbusDriver(device, deps),
};
