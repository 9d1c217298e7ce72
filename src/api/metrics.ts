/**
 * `GET /metrics` in the Prometheus text exposition format 0.0.4.
 *
 * Every value is read from the device and northbound status at scrape time,
 * the same numbers the API and the UI show; nothing is counted twice. That is
 * why this is a small writer and not prom-client: prom-client's registries hold
 * metric objects that code updates as things happen, which here would need a
 * custom collector for every family anyway.
 */
import type { FastifyInstance } from 'fastify';
import type { ConnectionState, DriverStats } from '../../drivers/contract.ts';
import type { EdgeNodeStatus, SessionState } from '../sparkplug/edge-node.ts';

/** What the metrics route needs from the gateway (the Gateway class provides it). */
export interface MetricsSource {
  deviceStatuses(): readonly {
    name: string;
    protocol: string;
    connection: ConnectionState;
    stats?: DriverStats;
    groups: readonly { name: string; cycles: number; overruns: number }[];
  }[];
  edgeNode: { status(): EdgeNodeStatus };
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// Written as an object so that a new session state fails to compile until it is listed here.
const SESSION_STATES = Object.keys({
  stopped: 1,
  connecting: 1,
  subscribing: 1,
  'waiting-for-host': 1,
  online: 1,
  disconnected: 1,
} satisfies Record<SessionState, 1>);

type Labels = Record<string, string>;
interface Sample {
  labels?: Labels;
  value: number | undefined;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** Collects metric families as text; a family without samples is left out. */
class Exposition {
  private readonly lines: string[] = [];

  add(name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): void {
    const present = samples.filter((s): s is Sample & { value: number } => s.value !== undefined);
    if (present.length === 0) return;
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const s of present) {
      const labels = Object.entries(s.labels ?? {})
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      this.lines.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }

  toString(): string {
    return this.lines.length > 0 ? `${this.lines.join('\n')}\n` : '';
  }
}

/** The metrics text of the gateway as it is now. */
export function renderMetrics(source: MetricsSource): string {
  const out = new Exposition();
  const devices = source.deviceStatuses();
  const perDevice = (value: (d: (typeof devices)[number]) => number | undefined): Sample[] =>
    devices.map((d) => ({ labels: { device: d.name, protocol: d.protocol }, value: value(d) }));
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

  out.add(
    'plexus_device_connected',
    'gauge',
    'Whether the connection to the device is up (1) or not (0).',
    perDevice((d) => (d.connection.state === 'connected' ? 1 : 0)),
  );
  out.add(
    'plexus_device_requests_total',
    'counter',
    'Requests sent to the device.',
    perDevice((d) => d.stats?.requests),
  );
  out.add(
    'plexus_device_responses_total',
    'counter',
    'Responses received from the device.',
    perDevice((d) => d.stats?.responses),
  );
  out.add(
    'plexus_device_timeouts_total',
    'counter',
    'Requests the device did not answer in time.',
    perDevice((d) => d.stats?.timeouts),
  );
  out.add(
    'plexus_device_errors_total',
    'counter',
    'Requests that failed other than by a timeout.',
    perDevice((d) => d.stats?.errors),
  );
  out.add(
    'plexus_device_reconnects_total',
    'counter',
    'Times the connection to the device was opened again.',
    perDevice((d) => d.stats?.reconnects),
  );
  out.add(
    'plexus_device_round_trip_median_seconds',
    'gauge',
    'Median request round trip over recent requests.',
    perDevice((d) => seconds(d.stats?.roundTripMedianMs)),
  );
  out.add(
    'plexus_device_round_trip_p99_seconds',
    'gauge',
    '99th percentile request round trip over recent requests.',
    perDevice((d) => seconds(d.stats?.roundTripP99Ms)),
  );

  const perGroup = (value: (g: (typeof devices)[number]['groups'][number]) => number): Sample[] =>
    devices.flatMap((d) => d.groups.map((g) => ({ labels: { device: d.name, group: g.name }, value: value(g) })));
  out.add(
    'plexus_group_cycles_total',
    'counter',
    'Poll cycles of the group.',
    perGroup((g) => g.cycles),
  );
  out.add(
    'plexus_group_overruns_total',
    'counter',
    'Poll cycles skipped because the previous one was still running.',
    perGroup((g) => g.overruns),
  );

  const nb = source.edgeNode.status();
  out.add('plexus_northbound_messages_published_total', 'counter', 'Sparkplug messages published.', [{ value: nb.messagesPublished }]);
  out.add('plexus_northbound_bytes_published_total', 'counter', 'Bytes of Sparkplug payloads published (protobuf, without MQTT framing).', [
    { value: nb.bytesPublished },
  ]);
  out.add('plexus_northbound_seq', 'gauge', 'Sparkplug sequence number of the last message (0-255).', [{ value: nb.seq }]);
  out.add('plexus_northbound_bdseq', 'gauge', 'Sparkplug birth/death sequence number of the session (0-255).', [{ value: nb.bdSeq }]);
  out.add('plexus_northbound_online', 'gauge', 'Whether the Sparkplug session is online (1) or not (0).', [{ value: nb.state === 'online' ? 1 : 0 }]);
  out.add(
    'plexus_northbound_state',
    'gauge',
    'The Sparkplug session state: 1 for the current one.',
    SESSION_STATES.map((state) => ({ labels: { state }, value: nb.state === state ? 1 : 0 })),
  );

  const store = nb.store;
  out.add('plexus_store_values', 'gauge', 'Values in the store-and-forward backlog (waiting, or sent and not yet proven).', [{ value: store.values }]);
  out.add('plexus_store_batches', 'gauge', 'Batches in the store-and-forward backlog.', [{ value: store.batches }]);
  out.add('plexus_store_bytes', 'gauge', 'Bytes in the store-and-forward backlog.', [{ value: store.bytes }]);
  out.add('plexus_store_oldest_timestamp_seconds', 'gauge', 'When the oldest value in the backlog was read (Unix time).', [{ value: seconds(store.oldestTs) }]);
  out.add('plexus_store_dropped_values_total', 'counter', 'Values dropped because the store was full or they were too old.', [{ value: store.dropped }]);
  out.add('plexus_store_replayed_values_total', 'counter', 'Stored values sent as historical after a reconnect.', [{ value: store.replayed }]);
  out.add('plexus_store_discarded_values_total', 'counter', 'Stored values discarded because their tag or device is no longer configured.', [
    { value: store.discarded },
  ]);
  out.add('plexus_store_resent_values_total', 'counter', 'Values sent live, not proven delivered, and sent again as historical.', [{ value: store.resent }]);
  return out.toString();
}

/** Adds `GET /metrics` (viewer). */
export function registerMetrics(app: FastifyInstance, gateway: MetricsSource): void {
  app.get(
    '/metrics',
    { config: { role: 'viewer' }, schema: { description: 'Prometheus metrics (text exposition format 0.0.4): devices, groups, Sparkplug session and store.' } },
    async (_req, reply) => reply.type(METRICS_CONTENT_TYPE).send(renderMetrics(gateway)),
  );
}
