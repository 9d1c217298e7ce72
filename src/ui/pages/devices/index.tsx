/** Device, group and tag configuration pages (placeholder until written). */
import type { User } from '../../api.ts';

export function DevicesPage(_props: { user: User }) {
  return <p>Devices</p>;
}

export function DeviceEditPage(_props: { user: User; name?: string }) {
  return <p>Device</p>;
}

export function CertificatesPage(_props: { user: User }) {
  return <p>Certificates</p>;
}
