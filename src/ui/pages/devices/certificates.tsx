/**
 * #/certificates (admin): the OPC UA server certificates the gateway has met.
 * A server whose certificate is not trusted yet is refused (its device shows
 * BadCertificateUntrusted); trusting it here lets the device connect at once.
 */
import { useState } from 'preact/hooks';
import { api, can, type User } from '../../api.ts';
import { actionsColumn, DataTable } from '../../components/data-table.tsx';
import { Banner, ErrorBanner } from '../../components/error-banner.tsx';
import type { DeviceStatus } from '../../components/gateway-types.ts';
import { EmptyState, Loading, PageHeader } from '../../components/page-header.tsx';
import { href } from '../../components/route.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useApi } from '../../components/use-api.ts';
import { type Certificate, needsCertificateTrust, paths } from './config-api.ts';
import './devices.css';

const PROTOCOL = 'opcua';

/** Validity as people check it: expired, not yet valid, or the days left. */
function validity(c: Certificate, now = Date.now()): { text: string; tone: 'good' | 'warn' | 'bad' } {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  if (Number.isFinite(to) && to < now) return { text: 'expired', tone: 'bad' };
  if (Number.isFinite(from) && from > now) return { text: 'not valid yet', tone: 'bad' };
  if (Number.isFinite(to)) {
    const days = Math.floor((to - now) / 86_400_000);
    if (days < 30) return { text: `expires in ${days} day${days === 1 ? '' : 's'}`, tone: 'warn' };
  }
  return { text: 'valid', tone: 'good' };
}

const day = (s: string) => {
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : s;
};

/** "CN=Prosys, O=Prosys OPC" → "Prosys": the common name people recognise, the rest as a tooltip. */
const commonName = (dn: string) => /(?:^|[,/]\s*)CN=([^,/]+)/.exec(dn)?.[1]?.trim() ?? dn;

export function CertificatesPage({ user }: { user: User }) {
  const admin = can(user, 'admin');
  const certs = useApi<Certificate[]>(admin ? paths.certificates(PROTOCOL) : undefined);
  const runtime = useApi<DeviceStatus[]>(admin ? paths.runtime : undefined, 2000);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();

  const decide = async (c: Certificate, action: 'trust' | 'reject') => {
    setBusy(c.thumbprint);
    setError(undefined);
    setNotice(undefined);
    try {
      await api<Certificate>('POST', paths.certificate(PROTOCOL, c.thumbprint, action));
      setNotice(
        action === 'trust'
          ? `${commonName(c.subject)} is trusted: devices using this server connect again now.`
          : `${commonName(c.subject)} is rejected: the gateway will not connect to a server presenting it.`,
      );
      await certs.reload();
      void runtime.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };

  if (!admin)
    return (
      <div class="page dv-page">
        <PageHeader title="Server certificates" />
        <EmptyState title="Only administrators manage certificates">
          <p>
            Trusting a server certificate decides which OPC UA servers the gateway talks to. Ask an administrator, or go back to the{' '}
            <a href="#/devices">devices</a>.
          </p>
        </EmptyState>
      </div>
    );

  const waiting = (runtime.data ?? []).filter((d) => needsCertificateTrust(d.connection.reason));
  const list = certs.data ?? [];
  const sorted = [...list].sort((a, b) =>
    a.status === b.status ? commonName(a.subject).localeCompare(commonName(b.subject)) : a.status === 'rejected' ? -1 : 1,
  );

  return (
    <div class="page dv-page">
      <PageHeader
        title="Server certificates"
        subtitle={
          <>
            <a href="#/devices">Devices</a> · OPC UA servers prove who they are with a certificate; the gateway connects only to servers whose certificate is
            trusted here.
          </>
        }
      />
      {waiting.length > 0 && (
        <Banner tone="warn">
          Waiting for a decision:{' '}
          {waiting.map((d, i) => (
            <span key={d.name}>
              {i > 0 && ', '}
              <a href={href('devices', d.name)}>{d.name}</a>
            </span>
          ))}{' '}
          {waiting.length === 1 ? 'is' : 'are'} refused because the server's certificate is not trusted. Check the certificate below (compare its thumbprint
          with the one the server shows), then trust it.
        </Banner>
      )}
      <ErrorBanner error={certs.error} title="The certificates could not be loaded" />
      <ErrorBanner error={error} title="The decision was not saved" onDismiss={() => setError(undefined)} />
      {notice && <Banner tone="good">{notice}</Banner>}
      {certs.loading && !certs.data && <Loading what="Loading certificates" />}
      {certs.data && list.length === 0 && (
        <EmptyState title="No server certificates yet">
          <p>
            When an OPC UA device connects with security (mode Sign or SignAndEncrypt) to a server the gateway does not know, the server's certificate appears
            here for you to trust or reject.
          </p>
        </EmptyState>
      )}
      {list.length > 0 && (
        <DataTable caption="OPC UA server certificates" class="dv-certs" columns={['Subject', 'Issuer', 'Valid', 'Status', actionsColumn('Decision')]}>
          {sorted.map((c) => {
            const v = validity(c);
            const name = commonName(c.subject);
            // A rejected certificate can be trusted, a trusted one rejected.
            const trust = c.status === 'rejected';
            return (
              <tr key={c.thumbprint}>
                <th scope="row" class="cell-wrap">
                  <span title={c.subject}>{name}</span>
                  <span class="cell-sub mono dv-thumb" title="SHA-1 thumbprint">
                    {c.thumbprint.replace(/(.{2})(?=.)/g, '$1:')}
                  </span>
                  {name !== c.subject && <span class="cell-sub">{c.subject}</span>}
                </th>
                <td class="cell-wrap">
                  {c.issuer === c.subject ? <span class="muted">self-signed</span> : <span title={c.issuer}>{commonName(c.issuer)}</span>}
                </td>
                <td>
                  {day(c.validFrom)} to {day(c.validTo)}
                  <span class="cell-sub">
                    <StatusBadge tone={v.tone}>{v.text}</StatusBadge>
                  </span>
                </td>
                <td>
                  <StatusBadge tone={c.status === 'trusted' ? 'good' : 'bad'}>{c.status === 'trusted' ? 'trusted' : 'not trusted'}</StatusBadge>
                </td>
                <td class="dv-actions">
                  <button
                    type="button"
                    class={`btn btn-small ${trust ? 'btn-primary' : 'dv-danger-text'}`}
                    disabled={busy === c.thumbprint}
                    onClick={() => decide(c, trust ? 'trust' : 'reject')}
                    aria-label={`${trust ? 'Trust' : 'Reject'} ${name}`}
                  >
                    {trust ? 'Trust' : 'Reject'}
                  </button>
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}
