/**
 * The gateway at a glance: the Sparkplug session, the store-and-forward
 * backlog, and one card per running device. Polled every 2 s; device states
 * also arrive at once over the live socket.
 */
import { useEffect, useState } from 'preact/hooks';
import { can, type User } from '../api.ts';
import { Table } from '../components/data-table.tsx';
import { Banner, ErrorBanner } from '../components/error-banner.tsx';
import { formatAge, formatBytes, formatCount, formatDuration, formatMs, formatTime, useNow } from '../components/format.ts';
import type { ConnectionState, DeviceStatus, GatewayStatus, NorthboundStatus, StoreStatus } from '../components/gateway-types.ts';
import { EmptyState, Loading, PageHeader } from '../components/page-header.tsx';
import { href } from '../components/route.ts';
import { ConnectionBadge, NorthboundBadge, StatusBadge } from '../components/status-badge.tsx';
import { useApi } from '../components/use-api.ts';
import { useLive } from '../live.ts';

const POLL_MS = 2000;

export function DashboardPage({ user }: { user: User }) {
  const status = useApi<GatewayStatus>('/api/v1/status', POLL_MS);
  const devices = useApi<DeviceStatus[]>('/api/v1/devices', POLL_MS);
  const now = useNow(1000);
  /** Device states pushed since the last poll (newer than what the poll said). */
  const [pushed, setPushed] = useState<Record<string, { connection: ConnectionState; at: number }>>({});
  const [polledAt, setPolledAt] = useState(0);

  useEffect(() => {
    if (devices.data) {
      setPushed({});
      setPolledAt(Date.now());
    }
  }, [devices.data]);

  const names = devices.data?.map((d) => d.name) ?? [];
  // The contract has no state-only subscription: values arrive too and are ignored here.
  useLive(
    // Connection states only (no groups): the dashboard does not need every value.
    devices.data ? { devices: names, groups: Object.fromEntries(names.map((n) => [n, []])) } : undefined,
    (m) => {
      if (m.type === 'state') setPushed((p) => ({ ...p, [m.device]: { connection: m.connection, at: Date.now() } }));
    },
    { pauseWhenHidden: true },
  );

  const lastUpdate = Math.max(polledAt, ...Object.values(pushed).map((p) => p.at));
  return (
    <div class="page">
      <PageHeader title="Dashboard" subtitle={lastUpdate > 0 ? `Updated ${formatAge(lastUpdate, now)} · refreshes every 2 s` : undefined} />
      {status.data?.readOnly && (
        <Banner tone="warn">
          <strong>Read-only mode is on:</strong> every write (from this UI, the API or Sparkplug DCMD) is refused.{' '}
          {can(user, 'admin') ? <a href="#/settings">Switch it off in Settings.</a> : 'An admin can switch it off in Settings.'}
        </Banner>
      )}
      <ErrorBanner error={status.error ?? devices.error} title="The status could not be read" />
      {!status.data && status.loading && <Loading what="Reading the gateway status" />}
      {status.data && (
        <div class="grid grid-2">
          <NorthboundCard nb={status.data.northbound} now={now} />
          <StoreCard store={status.data.northbound.store} now={now} />
        </div>
      )}
      <h2 class="section-title">Devices</h2>
      {!devices.data && devices.loading && <Loading what="Reading the devices" />}
      {devices.data && devices.data.length === 0 && (
        <EmptyState title="No device is running">
          {can(user, 'admin') ? (
            <p>
              <a class="btn btn-primary" href="#/devices/new">
                Add a device
              </a>{' '}
              or enable one on the <a href="#/devices">Devices</a> page.
            </p>
          ) : (
            <p>
              Disabled devices are listed on the <a href="#/devices">Devices</a> page. An admin can add or enable devices.
            </p>
          )}
        </EmptyState>
      )}
      <div class="grid grid-cards">
        {devices.data?.map((d) => {
          const p = pushed[d.name];
          return <DeviceCard key={d.name} device={p ? { ...d, connection: p.connection } : d} stateAt={p?.at ?? polledAt} now={now} />;
        })}
      </div>
    </div>
  );
}

function Stat({ label, children, tone }: { label: string; children: preact.ComponentChildren; tone?: 'warn' | 'bad' }) {
  return (
    <div class={`stat${tone ? ` stat-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** States in which the session has no connection to a broker. */
const NOT_CONNECTED = new Set<NorthboundStatus['state']>(['stopped', 'connecting', 'disconnected']);

function NorthboundCard({ nb, now }: { nb: NorthboundStatus; now: number }) {
  const host = nb.primaryHost;
  const limits = nb.brokerLimits;
  return (
    <section class="card" aria-labelledby="nb-title">
      <header class="card-header">
        <h2 id="nb-title">Northbound (Sparkplug B)</h2>
        <NorthboundBadge state={nb.state} />
      </header>
      {/* The gateway's own words (an expired certificate, a missing CA file, an ACL refusal): first, where it is seen. */}
      {nb.lastError && <ErrorBanner error={nb.lastError} title={NOT_CONNECTED.has(nb.state) ? 'Not connected' : 'Last error'} />}
      <dl class="stats">
        <Stat label="Broker">{nb.broker ? <code>{nb.broker}</code> : '—'}</Stat>
        <Stat label="MQTT version">{nb.mqttVersion ?? '3.1.1'}</Stat>
        <Stat label="bdSeq">{nb.bdSeq}</Stat>
        <Stat label="seq">{nb.seq}</Stat>
        <Stat label="Primary host">
          {host ? (
            <>
              <code>{host.id}</code>{' '}
              {host.online === undefined ? (
                <StatusBadge tone="neutral">unknown</StatusBadge>
              ) : host.online ? (
                <StatusBadge tone="good">online</StatusBadge>
              ) : (
                <StatusBadge tone="bad">offline</StatusBadge>
              )}
              {host.lastStateTimestamp !== undefined && <span class="muted small"> STATE {formatAge(host.lastStateTimestamp, now)}</span>}
            </>
          ) : (
            <span class="muted">none configured</span>
          )}
        </Stat>
        <Stat label="Messages published">{formatCount(nb.messagesPublished)}</Stat>
        <Stat label="Bytes published">{formatBytes(nb.bytesPublished)}</Stat>
      </dl>
      {limits && Object.values(limits).some((v) => v !== undefined) && (
        <>
          <h3 class="subsection-title">Broker limits (MQTT 5)</h3>
          <dl class="stats" aria-label="Broker limits">
            {limits.maximumPacketSize !== undefined && <Stat label="Maximum packet size">{formatBytes(limits.maximumPacketSize)}</Stat>}
            {limits.receiveMaximum !== undefined && <Stat label="Receive maximum">{formatCount(limits.receiveMaximum)} in flight</Stat>}
            {limits.topicAliasMaximum !== undefined && (
              <Stat label="Topic aliases">{limits.topicAliasMaximum === 0 ? 'none' : formatCount(limits.topicAliasMaximum)}</Stat>
            )}
            {limits.retainAvailable !== undefined && (
              <Stat label="Retained messages" tone={limits.retainAvailable ? undefined : 'warn'}>
                {limits.retainAvailable ? 'available' : 'not available'}
              </Stat>
            )}
          </dl>
        </>
      )}
      {nb.state === 'waiting-for-host' && host && <p class="note">Waiting for the primary host application "{host.id}" to be online before publishing.</p>}
    </section>
  );
}

function StoreCard({ store, now }: { store: StoreStatus; now: number }) {
  return (
    <section class="card" aria-labelledby="store-title">
      <header class="card-header">
        <h2 id="store-title">Store and forward</h2>
        {store.values > 0 ? <StatusBadge tone="warn">backlog</StatusBadge> : <StatusBadge tone="good">empty</StatusBadge>}
      </header>
      <dl class="stats">
        <Stat label="Backlog values">{formatCount(store.values)}</Stat>
        <Stat label="Batches">{formatCount(store.batches)}</Stat>
        <Stat label="Size">{formatBytes(store.bytes)}</Stat>
        <Stat label="Oldest">{store.oldestTs !== undefined ? <span title={formatTime(store.oldestTs)}>{formatAge(store.oldestTs, now)}</span> : '—'}</Stat>
        <Stat label="Dropped (limits)" tone={store.dropped > 0 ? 'bad' : undefined}>
          {formatCount(store.dropped)}
        </Stat>
        <Stat label="Replay rate">{store.replayRate > 0 ? `${formatCount(store.replayRate)} values/s` : '—'}</Stat>
        <Stat label="Replayed">{formatCount(store.replayed)}</Stat>
        <Stat label="Discarded (config)">{formatCount(store.discarded)}</Stat>
        <Stat label="Resent (possible duplicates)">{formatCount(store.resent)}</Stat>
      </dl>
    </section>
  );
}

function DeviceCard({ device, stateAt, now }: { device: DeviceStatus; stateAt: number; now: number }) {
  const { connection: c, stats: s } = device;
  const retryAt = c.retryInMs !== undefined ? stateAt + c.retryInMs : undefined;
  const titleId = `dev-${device.name.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  return (
    <section class={`card device-card device-${c.state}`} aria-labelledby={titleId}>
      <header class="card-header">
        <h3 id={titleId}>
          <a href={href('values', device.name)}>{device.name}</a>
        </h3>
        <ConnectionBadge state={c.state} />
      </header>
      <p class="muted small device-protocol">{device.protocol}</p>
      {c.state === 'backing-off' && (
        <p class="device-reason">
          {c.reason ?? 'unreachable'}
          {retryAt !== undefined && <span class="muted"> · {retryAt > now ? `retrying ${formatAge(retryAt, now)}` : 'retrying now'}</span>}
        </p>
      )}
      {s && (
        <dl class="stats stats-compact">
          <Stat label="Requests">{formatCount(s.requests)}</Stat>
          <Stat label="Errors" tone={s.errors > 0 ? 'warn' : undefined}>
            {formatCount(s.errors)}
          </Stat>
          <Stat label="Timeouts" tone={s.timeouts > 0 ? 'warn' : undefined}>
            {formatCount(s.timeouts)}
          </Stat>
          <Stat label="Reconnects">{formatCount(s.reconnects)}</Stat>
          <Stat label="Round trip median">{formatMs(s.roundTripMedianMs)}</Stat>
          <Stat label="Round trip p99">{formatMs(s.roundTripP99Ms)}</Stat>
          {Object.entries(s.details ?? {}).map(([k, v]) => (
            <Stat key={k} label={k}>
              {String(v)}
            </Stat>
          ))}
          {Object.entries(s.exceptions ?? {}).map(([k, v]) => (
            <Stat key={`x${k}`} label={`Exception ${k}`} tone="warn">
              {formatCount(v)}
            </Stat>
          ))}
        </dl>
      )}
      {device.groups.length > 0 && <GroupTable device={device} />}
      {s?.lastError && (
        <p class="last-error">
          <span class="muted">Last error {formatAge(s.lastError.at, now)}:</span> {s.lastError.message}
        </p>
      )}
      <footer class="card-footer">
        <a href={href('values', device.name)}>Live values</a>
        <a href={href('devices', device.name)}>Configuration</a>
        {c.state === 'backing-off' && c.retryInMs !== undefined && <span class="muted small">back-off {formatDuration(c.retryInMs)}</span>}
      </footer>
    </section>
  );
}

function GroupTable({ device }: { device: DeviceStatus }) {
  // Not every gateway reports cycle times: the column shows only when one is known.
  const cycleTimes = device.groups.some((g) => g.lastCycleMs !== undefined);
  return (
    <Table
      caption={`Groups of ${device.name}`}
      class="table-compact"
      columns={['Group', { label: 'Cycles', num: true }, { label: 'Overruns', num: true }, cycleTimes && { label: 'Last cycle', num: true }]}
    >
      {device.groups.map((g) => (
        <tr key={g.name}>
          <td>{g.name}</td>
          <td class="num">{formatCount(g.cycles)}</td>
          <td class={`num${g.overruns > 0 ? ' text-warn' : ''}`}>{formatCount(g.overruns)}</td>
          {cycleTimes && <td class="num">{formatMs(g.lastCycleMs)}</td>}
        </tr>
      ))}
    </Table>
  );
}
