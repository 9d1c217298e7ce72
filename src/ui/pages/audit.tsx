/** The audit trail: every write attempt, and every configuration, user and security change, newest first. */
import { useRef, useState } from 'preact/hooks';
import type { User } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FormField } from '../components/form-field.tsx';
import { formatAge, formatMs, formatTime, useNow } from '../components/format.ts';
import { EmptyState, Loading, PageHeader } from '../components/page-header.tsx';
import { href, navigate } from '../components/route.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { tabAfterKey } from '../components/tab-keys.ts';
import { useApi } from '../components/use-api.ts';
import { WriteResultBadge } from '../components/write-dialog.tsx';

interface WriteEntry {
  id: number;
  ts: number;
  source: 'api' | 'dcmd' | 'ui';
  who: string;
  device: string;
  tag: string;
  requested: unknown;
  raw?: unknown;
  result: string;
  message?: string;
  readBack?: unknown;
  latencyMs: number;
}

interface EventEntry {
  id: number;
  ts: number;
  who: string;
  action: string;
  target: string;
  detail?: string;
}

type Tab = 'writes' | 'events';
const TABS: { id: Tab; label: string }[] = [
  { id: 'writes', label: 'Writes' },
  { id: 'events', label: 'Configuration and security' },
];
const REFRESH_MS = 10_000;

export function AuditPage(props: { user: User; tab?: string }) {
  const tab: Tab = props.tab === 'events' ? 'events' : 'writes';
  const [limit, setLimit] = useState('100');
  const [filter, setFilter] = useState('');
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  const select = (t: Tab) => navigate(t === 'writes' ? '/audit' : '/audit?tab=events', true);
  const onKey = (e: KeyboardEvent, i: number) => {
    const next = tabAfterKey(e.key, i, TABS.length);
    if (next === undefined) return;
    e.preventDefault();
    select((TABS[next] as (typeof TABS)[number]).id);
    tabs.current[next]?.focus();
  };

  return (
    <div class="page">
      <PageHeader title="Audit" subtitle="Who did what and when: newest first." />
      <div class="tabs" role="tablist" aria-label="Audit logs">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            class="tab"
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => select(t.id)}
            onKeyDown={(e) => onKey(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div class="toolbar">
        <FormField label="Show">
          <select value={limit} onChange={(e) => setLimit(e.currentTarget.value)}>
            <option value="100">newest 100</option>
            <option value="500">newest 500</option>
            <option value="2000">newest 2,000</option>
          </select>
        </FormField>
        <FormField label="Filter" class="field-grow">
          <input
            type="search"
            placeholder={tab === 'writes' ? 'User, device, tag or result' : 'User, action or target'}
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
        </FormField>
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'writes' ? <Writes limit={limit} filter={filter} /> : <Events limit={limit} filter={filter} />}
      </div>
    </div>
  );
}

const json = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
const matches = (filter: string, ...fields: unknown[]) =>
  !filter ||
  fields.some((f) =>
    String(f ?? '')
      .toLowerCase()
      .includes(filter.toLowerCase()),
  );

const SOURCE_LABEL: Record<WriteEntry['source'], string> = { ui: 'web UI', api: 'API', dcmd: 'Sparkplug DCMD' };
const NoMatch = () => <p class="table-footer">No entry matches the filter.</p>;

const WRITE_COLUMNS = [
  'Time',
  'Who',
  'Device / tag',
  { label: 'Requested', num: true },
  { label: 'Raw', num: true },
  'Result',
  { label: 'Read back', num: true },
  { label: 'Latency', num: true },
];

/** When an entry was made: the time, and how long ago. */
function When({ ts, now }: { ts: number; now: number }) {
  return (
    <td>
      <span class="mono small nowrap">{formatTime(ts)}</span>
      <span class="cell-sub">{formatAge(ts, now)}</span>
    </td>
  );
}

function Writes({ limit, filter }: { limit: string; filter: string }) {
  const log = useApi<WriteEntry[]>(`/api/v1/audit?limit=${limit}`, REFRESH_MS);
  const now = useNow(5000);
  if (!log.data) return log.error ? <ErrorBanner error={log.error} title="The write log could not be read" /> : <Loading what="Reading the write log" />;
  const rows = log.data.filter((e) => matches(filter, e.who, e.device, e.tag, e.result, e.message, SOURCE_LABEL[e.source]));
  if (log.data.length === 0)
    return (
      <EmptyState title="No write has been made yet">
        <p>
          Operators write tag values from the <a href="#/values">Values</a> page; writes through the API and Sparkplug DCMDs are listed here too.
        </p>
      </EmptyState>
    );
  return (
    <>
      <ErrorBanner error={log.error} title="Refreshing failed" />
      <DataTable caption="Write attempts" columns={WRITE_COLUMNS} footer={rows.length === 0 && <NoMatch />}>
        {rows.map((e) => (
          <tr key={e.id}>
            <When ts={e.ts} now={now} />
            <td>
              {e.who}
              <span class="cell-sub">{SOURCE_LABEL[e.source] ?? e.source}</span>
            </td>
            <td>
              <span class="nowrap">
                <a href={href('values', e.device)}>{e.device}</a> / <span class="mono">{e.tag}</span>
              </span>
            </td>
            <td class="num mono">{json(e.requested)}</td>
            <td class="num mono">{json(e.raw)}</td>
            <td class="cell-wrap">
              <WriteResultBadge result={e.result} />
              {e.message && <span class="cell-sub">{e.message}</span>}
            </td>
            <td class="num mono">{json(e.readBack)}</td>
            <td class="num">{formatMs(e.latencyMs)}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

const EVENT_COLUMNS = ['Time', 'Who', 'Action', 'Target', 'Detail'];

const ACTION_TONE: [RegExp, 'bad' | 'warn' | 'info'][] = [
  [/deleted|revoked|rejected|failed/, 'bad'],
  [/read-only|password|role|trusted|setup/, 'warn'],
];

function Events({ limit, filter }: { limit: string; filter: string }) {
  const log = useApi<EventEntry[]>(`/api/v1/audit/events?limit=${limit}`, REFRESH_MS);
  const now = useNow(5000);
  if (!log.data) return log.error ? <ErrorBanner error={log.error} title="The event log could not be read" /> : <Loading what="Reading the event log" />;
  if (log.data.length === 0)
    return (
      <EmptyState title="No change has been recorded yet">
        <p>Configuration changes, users, API tokens, certificate decisions and the read-only switch are recorded here with who made them.</p>
      </EmptyState>
    );
  const rows = log.data.filter((e) => matches(filter, e.who, e.action, e.target, e.detail));
  return (
    <>
      <ErrorBanner error={log.error} title="Refreshing failed" />
      <DataTable caption="Configuration and security events" columns={EVENT_COLUMNS} footer={rows.length === 0 && <NoMatch />}>
        {rows.map((e) => (
          <tr key={e.id}>
            <When ts={e.ts} now={now} />
            <td>{e.who}</td>
            <td>
              <StatusBadge tone={ACTION_TONE.find(([re]) => re.test(e.action))?.[1] ?? 'info'}>{e.action}</StatusBadge>
            </td>
            <td class="cell-wrap">{e.target}</td>
            <td class="cell-wrap">{e.detail ?? <span class="muted">—</span>}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
