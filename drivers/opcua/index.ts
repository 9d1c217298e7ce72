import type { DriverPlugin } from '../contract.ts';
import { OpcuaDriver } from './driver.ts';
import { parseNodeId } from './node-id.ts';
import { listCertificates, setTrust } from './pki.ts';
import { checkSecurity, type OpcuaConnection, OpcuaConnectionSchema } from './settings.ts';
import { OPCUA_TAG_TYPES } from './values.ts';

export const opcuaPlugin: DriverPlugin<OpcuaConnection> = {
  protocol: 'opcua',
  subscribes: true,
  connectionSchema: OpcuaConnectionSchema,
  checkTag: (tag) => {
    const parsed = parseNodeId(tag.address);
    if (!parsed.ok) return parsed.error;
    if (!OPCUA_TAG_TYPES.includes(tag.type)) return `OPC UA has no ${tag.type} values; use one of ${OPCUA_TAG_TYPES.join(', ')}`;
    return undefined;
  },
  checkDevices: (devices) =>
    devices.flatMap((d, device) => {
      const problem = checkSecurity(d.connection);
      return problem ? [{ device, path: 'connection.securityPolicy', message: problem }] : [];
    }),
  certificates: { list: listCertificates, setTrust },
  create: (device, deps) => new OpcuaDriver(device, deps),
};
