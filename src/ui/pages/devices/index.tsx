/**
 * Device, group and tag configuration pages: #/devices (the list),
 * #/devices/new and #/devices/:name (the editor with its groups and tags),
 * #/certificates (OPC UA server certificates).
 */
export { CertificatesPage } from './certificates.tsx';
export { DeviceEditPage } from './device-editor.tsx';
export { DevicesPage } from './devices-list.tsx';
