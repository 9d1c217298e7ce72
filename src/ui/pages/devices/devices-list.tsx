/**
 * #/devices: every configured device with its protocol, template, groups,
 * tags and live state (refreshed every 2 s); admins add, enable or disable
 * and delete.
 */
import { useState } from 'preact/hooks';
import { api, can, type User } from '../../api.ts';
import { actionsColumn, DataTable } from '../../components/data-table.tsx';
import { Banner, ErrorBanner } from '../../components/error-banner.tsx';
import type { DeviceStatus } from '../../components/gateway-types.ts';
import { EmptyState, Loading, PageHeader } from '../../components/page-header.tsx';
import { href } from '../../components/route.ts';
import { useApi } from '../../components/use-api.ts';
import { type DeviceConfig, paths, type TemplateConfig, tagCount } from './config-api.ts';
import { DeleteDeviceDialog } from './delete-device-dialog.tsx';
import { DeviceState } from './device-state.tsx';
import { protocolLabel } from './protocol-hints.ts';
import './devices.css';

export function DevicesPage({ user }: { user: User }) {
  const admin = can(user, 'admin');
  const config = useApi<DeviceConfig[]>(paths.devices);
  const runtime = useApi<DeviceStatus[]>(paths.runtime, 2000);
  const templates = useApi<TemplateConfig[]>(paths.templates);
  const [deleting, setDeleting] = useState<DeviceConfig>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();

  const toggle = async (d: DeviceConfig) => {
    setBusy(d.name);
    setError(undefined);
    setNotice(undefined);
    try {
      await api('PUT', paths.device(d.name), { ...d, enabled: !d.enabled });
      await config.reload();
      void runtime.reload();
      setNotice(`${d.name} is ${d.enabled ? 'disabled: it is no longer polled' : 'enabled: it connects now'}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };

  const status = (name: string) => runtime.data?.find((s) => s.name === name);
  const devices = config.data;
  /** A device made from a template runs the template's groups and tags besides its own. */
  const running = (d: DeviceConfig) => {
    const t = d.template && templates.data?.find((x) => x.name === d.template?.name);
    return t ? { groups: [...t.groups, ...d.groups] } : d;
  };

  return (
    <div class="page dv-page">
      <PageHeader title="Devices" subtitle="The PLCs and controllers this gateway reads, with their groups of tags.">
        {admin && (
          <a class="btn btn-primary" href="#/devices/new">
            Add device
          </a>
        )}
        {admin && (
          <a class="btn" href="#/certificates">
            Certificates
          </a>
        )}
      </PageHeader>
      {!admin && <Banner>You can look at the configuration; changing it needs an administrator.</Banner>}
      <ErrorBanner error={config.error} title="The devices could not be loaded" />
      <ErrorBanner error={error} title="The change was not made" onDismiss={() => setError(undefined)} />
      {notice && <Banner tone="good">{notice}</Banner>}
      {config.loading && !devices && <Loading what="Loading devices" />}
      {devices && devices.length === 0 && (
        <EmptyState title="No devices yet">
          {admin ? (
            <>
              <p>Add the first PLC or controller: pick its protocol (Modbus, Siemens S7 or OPC UA), enter its address, and test the connection.</p>
              <p>
                <a class="btn btn-primary" href="#/devices/new">
                  Add device
                </a>
              </p>
            </>
          ) : (
            <p>An administrator adds the devices; they appear here with their live state.</p>
          )}
        </EmptyState>
      )}
      {devices && devices.length > 0 && (
        <DataTable
          caption="Configured devices"
          class="dv-devices"
          columns={['Device', 'Protocol', 'State', { label: 'Groups', num: true }, { label: 'Tags', num: true }, 'Enabled', admin && actionsColumn()]}
          footer={
            <div class="table-footer">
              {devices.length} device{devices.length === 1 ? '' : 's'}, {devices.filter((d) => d.enabled).length} enabled ·{' '}
              {devices.reduce((n, d) => n + tagCount(running(d)), 0)} tags · states refresh every 2 s
            </div>
          }
        >
          {devices.map((d) => (
            <tr key={d.name}>
              <th scope="row" class="dv-device-name">
                <a href={href('devices', d.name)}>{d.name}</a>
                {d.template && (
                  <span class="cell-sub">
                    from template <a href={href('templates', d.template.name)}>{d.template.name}</a>
                  </span>
                )}
                {d.readOnly && <span class="cell-sub">writes refused</span>}
              </th>
              <td>{protocolLabel(d.protocol)}</td>
              <td class="dv-state-cell">
                <DeviceState enabled={d.enabled} status={status(d.name)} />
              </td>
              <td class="num">{running(d).groups.length}</td>
              <td class="num">{tagCount(running(d))}</td>
              <td>
                {admin ? (
                  <label class="dv-switch">
                    <input
                      type="checkbox"
                      class="dv-switch-input"
                      role="switch"
                      aria-checked={d.enabled}
                      checked={d.enabled}
                      disabled={busy === d.name}
                      onChange={() => toggle(d)}
                      aria-label={`Enabled: ${d.name}`}
                    />
                    <span aria-hidden="true">{d.enabled ? 'on' : 'off'}</span>
                  </label>
                ) : d.enabled ? (
                  'yes'
                ) : (
                  'no'
                )}
              </td>
              {admin && (
                <td class="dv-actions">
                  <a class="btn btn-small" href={href('devices', d.name)} aria-label={`Edit ${d.name}`}>
                    Edit
                  </a>
                  <button type="button" class="btn btn-small btn-ghost dv-danger-text" onClick={() => setDeleting(d)} aria-label={`Delete ${d.name}`}>
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </DataTable>
      )}
      {deleting && (
        <DeleteDeviceDialog
          device={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={async () => {
            setNotice(`${deleting.name} is deleted: it stopped and left the Sparkplug session (DDEATH).`);
            await config.reload();
          }}
        />
      )}
    </div>
  );
}
