import type { DriverPlugin } from '../contract.ts';
import { checkS7Tag } from './address.ts';
import { checkS7Devices, type S7Connection, S7ConnectionSchema } from './settings.ts';

export const s7Plugin: DriverPlugin<S7Connection> = {
  protocol: 's7',
  connectionSchema: S7ConnectionSchema,
  checkTag: (tag) => checkS7Tag(tag.address, tag.type),
  checkDevices: checkS7Devices,
  // nodes7 loads when the first S7 device connects.
  create: async (device, deps) => new (await import('./driver.ts')).S7Driver(device, deps),
};
