/**
 * Live values of one device: a snapshot then every change over the live
 * socket, with quality, reason, source time and age, unit and a small trend of
 * what arrived since the page opened. Operators write readwrite tags from here.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { can, seg, type User } from '../api.ts';
import { actionsColumn, DataTable } from '../components/data-table.tsx';
import { Banner, ErrorBanner } from '../components/error-banner.tsx';
import { FormField } from '../components/form-field.tsx';
import { formatAge, formatTime, formatValue, useNow } from '../components/format.ts';
import type { ConnectionState, DeviceConfig, TagConfig, TagValue } from '../components/gateway-types.ts';
import { EmptyState, Loading, PageHeader } from '../components/page-header.tsx';
import { href, navigate } from '../components/route.ts';
import { useSession } from '../components/session.ts';
import { ConnectionBadge, QualityBadge, StatusBadge } from '../components/status-badge.tsx';
import { Trend, type TrendPoint } from '../components/trend.tsx';
import { useApi } from '../components/use-api.ts';
import { WriteDialog } from '../components/write-dialog.tsx';
import { type LiveMessage, type LiveStatus, useLive } from '../live.ts';

/** Values kept per tag for its trend. */
const HISTORY = 120;
/** Rows drawn at most; the filter narrows a large device down. */
const MAX_ROWS = 500;
/** How often the REST fallback polls while the live socket is down. */
const FALLBACK_POLL_MS = 2000;

export function ValuesPage({ user, device }: { user: User; device?: string }) {
  const list = useApi<DeviceConfig[]>('/api/v1/config/devices');

  // Without a device in the route, show the first enabled one.
  useEffect(() => {
    if (device === undefined && list.data) {
      const first = list.data.find((d) => d.enabled) ?? list.data[0];
      if (first) navigate(`/values/${seg(first.name)}`, true);
    }
  }, [device, list.data]);

  if (list.error && !list.data) {
    return (
      <div class="page">
        <PageHeader title="Live values" />
        <ErrorBanner error={list.error} title="The device list could not be read" />
      </div>
    );
  }
  if (!list.data) return <Loading what="Reading the devices" />;
  if (list.data.length === 0) {
    return (
      <div class="page">
        <PageHeader title="Live values" />
        <EmptyState title="No device is configured yet">
          {can(user, 'admin') ? (
            <p>
              <a class="btn btn-primary" href="#/devices/new">
                Add a device
              </a>
            </p>
          ) : (
            <p>An admin adds devices on the Devices page; their values appear here.</p>
          )}
        </EmptyState>
      </div>
    );
  }
  if (device === undefined) return <Loading what="Opening the first device" />;
  return <DeviceValues key={device} user={user} device={device} devices={list.data} />;
}

interface Row {
  tag: string;
  group: string;
  config?: TagConfig;
}

function DeviceValues({ user, device, devices }: { user: User; device: string; devices: DeviceConfig[] }) {
  const session = useSession();
  const summary = devices.find((d) => d.name === device);
  const config = useApi<DeviceConfig>(summary ? `/api/v1/config/devices/${seg(device)}` : undefined);
  const now = useNow(1000);
  const [group, setGroup] = useState('');
  const [filter, setFilter] = useState('');
  const [writing, setWriting] = useState<TagConfig>();
  const [connection, setConnection] = useState<ConnectionState>();

  // Values and trends live in refs and are drawn at most once per animation frame.
  const values = useRef(new Map<string, TagValue>());
  const history = useRef(new Map<string, TrendPoint[]>());
  const changedAt = useRef(new Map<string, number>());
  const [, setVersion] = useState(0);
  const frame = useRef<number | undefined>(undefined);
  const [received, setReceived] = useState(false);
  useEffect(() => () => cancelAnimationFrame(frame.current ?? 0), []);

  const redraw = () => {
    if (frame.current !== undefined) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = undefined;
      setVersion((v) => v + 1);
    });
  };

  const take = (list: TagValue[], replace: boolean) => {
    // A snapshot (after a reconnect, too) replaces everything; trends go on where they were.
    const prev = values.current;
    const next = replace ? new Map<string, TagValue>() : prev;
    const t = Date.now();
    for (const v of list) {
      const before = prev.get(v.tag);
      next.set(v.tag, v);
      if (before && (before.value !== v.value || before.sourceTs !== v.sourceTs)) changedAt.current.set(v.tag, t);
      const n = typeof v.value === 'number' ? v.value : typeof v.value === 'boolean' ? Number(v.value) : Number.NaN;
      if (v.quality === 'good' && Number.isFinite(n) && (!before || before.sourceTs !== v.sourceTs || before.value !== v.value)) {
        const h = history.current.get(v.tag) ?? [];
        h.push({ t, v: n }); // arrival time: the browser clock, like `now` (the gateway clock may differ)
        if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
        history.current.set(v.tag, h);
      }
    }
    values.current = next;
    setReceived(true);
    redraw();
  };

  const onMessage = (m: LiveMessage) => {
    if (m.type === 'error') return;
    if (m.device !== device) return;
    if (m.type === 'snapshot') take(m.values, true);
    else if (m.type === 'values') take(m.values, false);
    else if (m.type === 'state') setConnection(m.connection);
  };
  // A chosen group narrows the subscription too: a large device sends only what is shown.
  const live = useLive(summary?.enabled ? { devices: [device], ...(group ? { groups: { [device]: [group] } } : {}) } : undefined, onMessage);

  // While the live socket is down, poll the values so that the page does not freeze.
  const socketDown = summary?.enabled && live.status.state === 'closed';
  const polled = useApi<TagValue[]>(socketDown ? `/api/v1/devices/${seg(device)}/values` : undefined, FALLBACK_POLL_MS);
  useEffect(() => {
    if (polled.data) take(polled.data, false);
  }, [polled.data]);

  const rows: Row[] = [];
  {
    const out = rows;
    const known = new Set<string>();
    for (const g of config.data?.groups ?? []) {
      for (const t of g.tags) {
        out.push({ tag: t.name, group: g.name, config: t });
        known.add(t.name);
      }
    }
    // Derived metrics (aggregates such as temp/avg_60s) have no configuration row of their own.
    for (const tag of values.current.keys()) if (!known.has(tag)) out.push({ tag, group: '' });
  }

  const shown = rows.filter((r) => {
    // Derived metrics (no configuration row) are in the values only when the subscription includes their group.
    if (group && r.config && r.group !== group) return false;
    if (!filter) return true;
    const f = filter.toLowerCase();
    return r.tag.toLowerCase().includes(f) || (r.config?.description ?? '').toLowerCase().includes(f) || (r.config?.address ?? '').toLowerCase().includes(f);
  });

  const mayWrite = can(user, 'operator');
  const readOnlyMode = session.status?.readOnly === true;
  const deviceReadOnly = config.data?.readOnly === true;
  const writable = (t?: TagConfig) => !!t && t.access === 'readwrite' && t.address !== undefined;
  const groups = config.data?.groups.map((g) => g.name) ?? [];

  return (
    <div class="page">
      <PageHeader
        title="Live values"
        subtitle={
          <>
            {device}
            {summary && <span class="muted"> · {summary.protocol}</span>}
          </>
        }
      >
        {connection && <ConnectionBadge state={connection.state} />}
        {summary?.enabled && <LiveIndicator status={live.status} now={now} onRetry={live.retryNow} />}
      </PageHeader>

      <div class="toolbar">
        <FormField label="Device">
          <select value={device} onChange={(e) => navigate(`/values/${seg(e.currentTarget.value)}`)}>
            {!summary && <option value={device}>{device} (not configured)</option>}
            {devices.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
                {d.enabled ? '' : ' (disabled)'}
              </option>
            ))}
          </select>
        </FormField>
        <FormField label="Group">
          <select value={group} onChange={(e) => setGroup(e.currentTarget.value)}>
            <option value="">All groups</option>
            {groups.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </FormField>
        <FormField label="Filter tags" class="field-grow">
          <input type="search" placeholder="Tag name, address or description" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </FormField>
      </div>

      {!summary && (
        <EmptyState title={`There is no device "${device}"`}>
          <p>
            Choose a device above, or look at the <a href="#/devices">Devices</a> page.
          </p>
        </EmptyState>
      )}
      {summary && !summary.enabled && (
        <Banner tone="warn">
          <strong>{device} is disabled:</strong> it is not read, so it has no live values.{' '}
          {can(user, 'admin') ? <a href={href('devices', device)}>Enable it in its configuration.</a> : 'An admin can enable it.'}
        </Banner>
      )}
      {connection?.state === 'backing-off' && (
        <Banner tone="warn">
          <strong>{device} is not connected:</strong> {connection.reason ?? 'unreachable'}. The values below are bad until it answers again.
        </Banner>
      )}
      {mayWrite && readOnlyMode && <Banner tone="info">Read-only mode is on: writes are refused until an admin switches it off in Settings.</Banner>}
      {mayWrite && !readOnlyMode && deviceReadOnly && <Banner tone="info">This device is configured read-only: writes to it are refused.</Banner>}
      <ErrorBanner error={config.error} title="The tag configuration could not be read" />

      {summary && config.data && rows.length === 0 && (
        <EmptyState title={`${device} has no tags`}>
          {can(user, 'admin') ? (
            <p>
              <a href={href('devices', device)}>Add groups and tags</a> to its configuration.
            </p>
          ) : (
            <p>An admin adds tags in the device configuration.</p>
          )}
        </EmptyState>
      )}
      {summary?.enabled && config.data && rows.length > 0 && !received && <Loading what="Waiting for the first values" />}
      {summary && rows.length > 0 && (
        <DataTable
          caption={`Live values of ${device}`}
          class="values-table"
          columns={['Tag', { label: 'Value', num: true }, 'Quality', 'Source time', { label: 'Trend', class: 'hide-narrow' }, mayWrite && actionsColumn()]}
          footer={
            <>
              {shown.length === 0 && <p class="table-footer">No tag matches the filter. Clear it to see all {rows.length} tags.</p>}
              {shown.length > MAX_ROWS && (
                <p class="table-footer">
                  Showing {MAX_ROWS} of {shown.length} tags: narrow them down with the group or the filter.
                </p>
              )}
            </>
          }
        >
          {shown.slice(0, MAX_ROWS).map((r) => {
            const v = values.current.get(r.tag);
            const changed = changedAt.current.get(r.tag);
            return (
              <tr key={r.tag} data-tag={r.tag}>
                <td>
                  <span class="mono">{r.tag}</span>
                  <span class="cell-sub">
                    {[r.group || 'derived', r.config?.type, r.config?.address, r.config?.access === 'readwrite' ? 'read/write' : undefined]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                  {r.config?.description && <span class="cell-sub">{r.config.description}</span>}
                </td>
                <td class="num value-cell">
                  <span key={changed} class={changed && now - changed < 1500 ? 'value-flash' : undefined}>
                    {formatValue(v?.value, r.config?.type)}
                  </span>
                  {r.config?.unit && <span class="unit">{r.config.unit}</span>}
                </td>
                <td class="cell-wrap">
                  {v ? <QualityBadge quality={v.quality} /> : <StatusBadge tone="neutral">no value</StatusBadge>}
                  {v?.reason && <span class="cell-sub">{v.reason}</span>}
                </td>
                <td>
                  {v ? (
                    <>
                      <span class="mono small nowrap">{formatTime(v.sourceTs, true)}</span>
                      <span class="cell-sub">{formatAge(v.sourceTs, now)}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td class="hide-narrow">
                  {v && (typeof v.value === 'number' || typeof v.value === 'boolean') ? (
                    <Trend points={history.current.get(r.tag) ?? []} now={now} label={r.tag} />
                  ) : null}
                </td>
                {mayWrite && (
                  <td class="num">
                    {writable(r.config) && (
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Write ${r.tag}`}
                        title={readOnlyMode ? 'Read-only mode is on' : undefined}
                        onClick={() => setWriting(r.config)}
                      >
                        Write
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </DataTable>
      )}
      {writing && <WriteDialog device={device} tag={writing} current={values.current.get(writing.name)} onClose={() => setWriting(undefined)} />}
    </div>
  );
}

function LiveIndicator({ status, now, onRetry }: { status: LiveStatus; now: number; onRetry: () => void }) {
  if (status.state === 'open') return <StatusBadge tone="good">live</StatusBadge>;
  if (status.state === 'connecting') return <StatusBadge tone="warn">connecting…</StatusBadge>;
  return (
    <span class="live-indicator">
      <StatusBadge tone="bad" title="The live connection is down; values are polled every 2 s meanwhile">
        live connection lost · retry {formatAge(status.retryAt, now)}
      </StatusBadge>
      <button type="button" class="btn btn-small" onClick={onRetry}>
        Reconnect now
      </button>
    </span>
  );
}
