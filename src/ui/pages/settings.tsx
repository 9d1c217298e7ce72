/**
 * Gateway settings: the read-only switch, the Sparkplug (northbound) settings,
 * configuration export and import, and links to the API documentation and the
 * certificates. Admins change them; everyone else reads them.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, can, type User } from '../api.ts';
import { Banner, ErrorBanner, fieldErrors } from '../components/error-banner.tsx';
import { FormField } from '../components/form-field.tsx';
import type { GatewayStatus, NorthboundConfig } from '../components/gateway-types.ts';
import { ConfirmDialog } from '../components/modal.tsx';
import { Loading, PageHeader } from '../components/page-header.tsx';
import { useSession } from '../components/session.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { useApi } from '../components/use-api.ts';

export function SettingsPage({ user }: { user: User }) {
  const admin = can(user, 'admin');
  return (
    <div class="page">
      <PageHeader title="Settings" subtitle={admin ? undefined : 'Only admins change these settings; you can read them.'} />
      <ReadOnlyCard admin={admin} />
      <NorthboundCard admin={admin} />
      <ConfigurationCard admin={admin} />
      <section class="card" aria-labelledby="more-title">
        <h2 id="more-title" class="card-header">
          More
        </h2>
        <ul class="link-list">
          <li>
            <a href="/docs" target="_blank" rel="noopener">
              API documentation (OpenAPI)
            </a>
          </li>
          <li>
            <a href="/metrics" target="_blank" rel="noopener">
              Prometheus metrics
            </a>
          </li>
          {admin && (
            <li>
              <a href="#/certificates">OPC UA server certificates</a>
            </li>
          )}
          <li>
            <a href="#/audit?tab=events">Change history (audit)</a>
          </li>
        </ul>
      </section>
    </div>
  );
}

function ReadOnlyCard({ admin }: { admin: boolean }) {
  const { status, refreshStatus } = useSession();
  const [asking, setAsking] = useState(false);
  const [note, setNote] = useState<string>();
  const on = status?.readOnly;

  return (
    <section class="card" aria-labelledby="ro-title">
      <header class="card-header">
        <h2 id="ro-title">Read-only mode</h2>
        {on === undefined ? null : on ? <StatusBadge tone="warn">on: writes refused</StatusBadge> : <StatusBadge tone="good">off: writes allowed</StatusBadge>}
      </header>
      <p class="muted">
        While it is on, the gateway refuses every write: from this UI, the API and Sparkplug DCMD. Use it during commissioning, audits or maintenance.
      </p>
      {note && <Banner tone="info">{note}</Banner>}
      {admin && on !== undefined && (
        <p>
          <button type="button" class={`btn ${on ? '' : 'btn-danger'}`} onClick={() => setAsking(true)}>
            {on ? 'Turn read-only mode off' : 'Turn read-only mode on'}
          </button>
        </p>
      )}
      {asking && (
        <ConfirmDialog
          title={on ? 'Turn read-only mode off' : 'Turn read-only mode on'}
          confirmLabel={on ? 'Allow writes' : 'Refuse all writes'}
          danger={!on}
          onClose={() => setAsking(false)}
          onConfirm={async () => {
            const res = await api<{ readOnly: boolean }>('PUT', '/api/v1/settings/read-only', { enabled: !on });
            setNote(
              res.readOnly === on
                ? 'Read-only mode stays on: the configuration file sets writes.readOnly, which the switch cannot override.'
                : res.readOnly
                  ? 'Read-only mode is on.'
                  : 'Read-only mode is off: writes are allowed again.',
            );
            await refreshStatus();
          }}
        >
          <p>
            {on
              ? 'Operators, API tokens and the Sparkplug host will be able to write tag values again.'
              : 'Every write is refused from now on, including Sparkplug DCMDs from the host. The change is recorded in the audit log.'}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface BrokerDraft {
  /** A key for the list (stored brokers: their position when loaded). */
  key: string;
  /** The URL when loaded (stored brokers): the gateway keeps a broker's secrets under its URL. */
  storedUrl?: string;
  url: string;
  username: string;
  /** Typed password; empty keeps the one stored for this URL. */
  password: string;
  /** Remove the password stored for this URL. */
  clear: boolean;
  ca: string;
  cert: string;
  keyFile: string;
  passphrase: string;
  clearPassphrase: boolean;
  servername: string;
  verifyHostname: boolean;
}

interface Draft {
  brokers: BrokerDraft[];
  clientId: string;
  groupId: string;
  edgeNodeId: string;
  primaryHostId: string;
  keepaliveS: string;
  mqttVersion: '3.1.1' | '5';
  maxMiB: string;
  maxAgeS: string;
  replayRate: string;
}

const MIB = 1024 * 1024;
const num = (n: number | undefined) => (n === undefined ? '' : String(n));

function toDraft(nb: NorthboundConfig): Draft {
  return {
    brokers: nb.brokers.map((b, i) => ({
      ...newBroker(`stored${i}`),
      storedUrl: b.url,
      url: b.url,
      username: b.username ?? '',
      ca: b.tls?.ca ?? '',
      cert: b.tls?.cert ?? '',
      keyFile: b.tls?.key ?? '',
      servername: b.tls?.servername ?? '',
      verifyHostname: b.tls?.verifyHostname !== false,
    })),
    mqttVersion: nb.mqttVersion ?? '3.1.1',
    clientId: nb.clientId ?? '',
    groupId: nb.groupId,
    edgeNodeId: nb.edgeNodeId,
    primaryHostId: nb.primaryHostId ?? '',
    keepaliveS: num(nb.keepaliveS),
    maxMiB: nb.store?.maxBytes === undefined ? '' : String(Number((nb.store.maxBytes / MIB).toFixed(4))),
    maxAgeS: num(nb.store?.maxAgeS),
    replayRate: num(nb.store?.replayMaxBatchesPerSecond),
  };
}

const newBroker = (key: string): BrokerDraft => ({
  key,
  url: 'mqtt://',
  username: '',
  password: '',
  clear: false,
  ca: '',
  cert: '',
  keyFile: '',
  passphrase: '',
  clearPassphrase: false,
  servername: '',
  verifyHostname: true,
});

const isTls = (url: string) => /^(mqtts|ssl):/.test(url.trim());
/** Any TLS setting differs from the defaults. */
const hasTlsSettings = (b: BrokerDraft) => !!(b.ca.trim() || b.cert.trim() || b.keyFile.trim() || b.passphrase || b.servername.trim() || !b.verifyHostname);
const noTls = { ca: '', cert: '', keyFile: '', passphrase: '', clearPassphrase: false, servername: '', verifyHostname: true } satisfies Partial<BrokerDraft>;

/**
 * What the gateway holds for a broker URL (secrets are matched by URL, as the
 * gateway does: a broker keeps its password when it moves in the list, and a
 * changed URL starts without one).
 */
const heldFor = (stored: NorthboundConfig, url: string) => {
  const b = stored.brokers.find((s) => s.url === url.trim());
  return { password: !!b?.hasPassword, passphrase: !!b?.tls?.hasPassphrase };
};

/** A secret field of the PUT body: typed → sent; cleared (and stored) → ""; otherwise left out, and the gateway keeps the stored one. */
const secret = (typed: string, clear: boolean) => (typed ? typed : clear ? '' : undefined);

/** The TLS block of a broker: for mqtts:// URLs, and for others that carry TLS settings (the gateway refuses those, and says so at the fields). */
function tlsOf(b: BrokerDraft, held: ReturnType<typeof heldFor>) {
  const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
  if (!isTls(b.url) && !hasTlsSettings(b)) return undefined;
  return {
    ca: opt(b.ca),
    cert: opt(b.cert),
    key: opt(b.keyFile),
    passphrase: secret(b.passphrase, b.clearPassphrase && held.passphrase),
    servername: opt(b.servername),
    verifyHostname: b.verifyHostname,
  };
}

/** The PUT body: the stored settings with the edited fields (unknown fields kept); a secret only when typed or cleared. */
function fromDraft(d: Draft, stored: NorthboundConfig): NorthboundConfig {
  const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
  const int = (s: string) => (s.trim() === '' ? undefined : Number(s));
  return {
    ...stored,
    brokers: d.brokers.map((b) => {
      const held = heldFor(stored, b.url);
      return { url: b.url.trim(), username: opt(b.username), password: secret(b.password, b.clear && held.password), tls: tlsOf(b, held) };
    }),
    mqttVersion: d.mqttVersion,
    clientId: opt(d.clientId),
    groupId: d.groupId.trim(),
    edgeNodeId: d.edgeNodeId.trim(),
    primaryHostId: opt(d.primaryHostId),
    keepaliveS: Number(d.keepaliveS),
    store: {
      ...stored.store,
      maxBytes: d.maxMiB.trim() === '' ? undefined : Math.round(Number(d.maxMiB) * MIB),
      maxAgeS: int(d.maxAgeS),
      replayMaxBatchesPerSecond: int(d.replayRate),
    },
  };
}

/** What the browser can say before the gateway does. */
function localErrors(d: Draft): Record<string, string> {
  const e: Record<string, string> = {};
  d.brokers.forEach((b, i) => {
    if (!/^(mqtt|mqtts|tcp|ssl):\/\//.test(b.url.trim())) e[`brokers[${i}].url`] = 'must start with mqtt://, mqtts://, tcp:// or ssl://';
  });
  if (d.brokers.length === 0) e.brokers = 'at least one broker is needed';
  if (!d.groupId.trim()) e.groupId = 'is required';
  if (!d.edgeNodeId.trim()) e.edgeNodeId = 'is required';
  const k = Number(d.keepaliveS);
  if (!Number.isInteger(k) || k < 5 || k > 3600) e.keepaliveS = 'a whole number of seconds from 5 to 3600';
  if (d.maxMiB.trim() !== '' && !(Number(d.maxMiB) * MIB >= 65_536)) e['store.maxBytes'] = 'at least 0.0625 MiB (64 KiB), or empty for the default';
  for (const [key, v] of [
    ['store.maxAgeS', d.maxAgeS],
    ['store.replayMaxBatchesPerSecond', d.replayRate],
  ] as const)
    if (v.trim() !== '' && !(Number.isInteger(Number(v)) && Number(v) >= 1)) e[key] = 'a whole number, at least 1 (or empty for no limit)';
  return e;
}

function NorthboundCard({ admin }: { admin: boolean }) {
  const stored = useApi<NorthboundConfig>('/api/v1/config/northbound');
  const status = useApi<GatewayStatus>('/api/v1/status');
  const { refreshStatus } = useSession();
  const [draft, setDraft] = useState<Draft>();
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    if (stored.data) setDraft(toDraft(stored.data));
  }, [stored.data]);

  if (!draft || !stored.data) {
    return (
      <section class="card" aria-labelledby="nb-settings-title">
        <h2 id="nb-settings-title" class="card-header">
          Northbound (Sparkplug B)
        </h2>
        {stored.error ? <ErrorBanner error={stored.error} title="The northbound settings could not be read" /> : <Loading what="Reading the settings" />}
      </section>
    );
  }
  const current = stored.data;

  // The status gives the cap in force: the default only while no limit is configured.
  const cap = current.store?.maxBytes === undefined ? status.data?.northbound.store.maxBytes : undefined;
  const capMiB = cap === undefined ? undefined : Math.round(cap / MIB);
  const local = tried ? localErrors(draft) : {};
  const server = fieldErrors(error);
  const err = (path: string) => local[path] ?? server[path];
  const set = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setSaved(false);
  };
  const setBroker = (i: number, patch: Partial<BrokerDraft>) => set({ brokers: draft.brokers.map((b, j) => (j === i ? { ...b, ...patch } : b)) });

  const submit = (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(localErrors(draft)).length > 0) return;
    setConfirming(true);
  };
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<NorthboundConfig>('PUT', '/api/v1/config/northbound', fromDraft(draft, current));
      stored.set(res);
      setTried(false);
      setSaved(true);
      // The session restarts: the top bar shows it at once; the store's cap may have changed.
      void refreshStatus();
      void status.reload();
    } catch (err) {
      setError(err);
      // Errors belong next to the fields: the dialog closes and the form shows them.
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="nb-settings-title">
      <header class="card-header">
        <h2 id="nb-settings-title">Northbound (Sparkplug B)</h2>
      </header>
      <form class="form" onSubmit={submit} noValidate>
        <fieldset disabled={!admin}>
          <legend>MQTT connection</legend>
          <div class="form-row">
            <FormField
              label="MQTT version"
              error={err('mqttVersion')}
              hint="For every broker. An MQTT 5 broker also tells its limits (shown on the dashboard) and why it refuses."
            >
              <select value={draft.mqttVersion} onChange={(e) => set({ mqttVersion: e.currentTarget.value as Draft['mqttVersion'] })}>
                <option value="3.1.1">3.1.1</option>
                <option value="5">5</option>
              </select>
            </FormField>
            <FormField label="MQTT client id" optional error={err('clientId')} hint="Default: made from the group and edge node ids.">
              <input value={draft.clientId} onInput={(e) => set({ clientId: e.currentTarget.value })} />
            </FormField>
            <FormField label="Keep-alive (s)" error={err('keepaliveS')} hint="5 to 3600. A silent connection is dropped after 1.5 times this.">
              <input type="number" min={5} max={3600} step={1} value={draft.keepaliveS} onInput={(e) => set({ keepaliveS: e.currentTarget.value })} />
            </FormField>
          </div>
          <p class="small muted">The gateway uses the first broker it can reach, in this order.</p>
          {err('brokers') && <p class="field-error">{err('brokers')}</p>}
          {draft.brokers.map((b, i) => (
            <BrokerFields
              key={b.key}
              broker={b}
              index={i}
              stored={current}
              err={err}
              onChange={(patch) => setBroker(i, patch)}
              onRemove={admin && draft.brokers.length > 1 ? () => set({ brokers: draft.brokers.filter((_, j) => j !== i) }) : undefined}
            />
          ))}
          {admin && (
            <p>
              <button type="button" class="btn btn-small" onClick={() => set({ brokers: [...draft.brokers, newBroker(`new${Date.now()}`)] })}>
                Add a broker
              </button>
            </p>
          )}
        </fieldset>
        <fieldset disabled={!admin}>
          <legend>Sparkplug identity</legend>
          <div class="form-row">
            <FormField label="Group id" error={err('groupId')}>
              <input value={draft.groupId} onInput={(e) => set({ groupId: e.currentTarget.value })} />
            </FormField>
            <FormField label="Edge node id" error={err('edgeNodeId')}>
              <input value={draft.edgeNodeId} onInput={(e) => set({ edgeNodeId: e.currentTarget.value })} />
            </FormField>
            <FormField label="Primary host id" optional error={err('primaryHostId')} hint="Publish only while this host application is online.">
              <input value={draft.primaryHostId} onInput={(e) => set({ primaryHostId: e.currentTarget.value })} />
            </FormField>
          </div>
        </fieldset>
        <fieldset disabled={!admin}>
          <legend>Store and forward</legend>
          <div class="form-row">
            <FormField
              label="Store size limit (MiB)"
              optional
              error={err('store.maxBytes')}
              hint={`The oldest values go first when it is full. Empty: the default, a quarter of the free disk (64 MiB to 4 GiB)${capMiB !== undefined ? ` — now ${capMiB} MiB` : ''}.`}
            >
              <input
                type="number"
                min={0.0625}
                step="any"
                value={draft.maxMiB}
                placeholder={capMiB !== undefined ? `default: ${capMiB}` : 'default'}
                onInput={(e) => set({ maxMiB: e.currentTarget.value })}
              />
            </FormField>
            <FormField label="Maximum age (s)" optional error={err('store.maxAgeS')} hint="Older values are dropped. Empty: no limit.">
              <input type="number" min={1} step={1} value={draft.maxAgeS} onInput={(e) => set({ maxAgeS: e.currentTarget.value })} />
            </FormField>
            <FormField
              label="Replay limit (batches/s)"
              optional
              error={err('store.replayMaxBatchesPerSecond')}
              hint="For slow or metered links. Empty: as fast as possible."
            >
              <input type="number" min={1} step={1} value={draft.replayRate} onInput={(e) => set({ replayRate: e.currentTarget.value })} />
            </FormField>
          </div>
        </fieldset>
        <ErrorBanner error={error} title="The settings were not saved" />
        {tried && Object.keys(local).length > 0 && (
          <p class="field-error" role="alert">
            Correct the fields marked above.
          </p>
        )}
        {saved && <Banner tone="good">Saved. The Sparkplug session restarted with the new settings (new NBIRTH).</Banner>}
        {admin && (
          <div class="form-actions">
            <button
              type="button"
              class="btn"
              onClick={() => {
                setDraft(toDraft(current));
                setError(undefined);
                setTried(false);
              }}
            >
              Undo changes
            </button>
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save northbound settings'}
            </button>
          </div>
        )}
      </form>
      {confirming && (
        <ConfirmDialog title="Save northbound settings" confirmLabel="Save and restart the session" onClose={() => setConfirming(false)} onConfirm={save}>
          <p>The Sparkplug session restarts with the new settings: the host sees an NDEATH and a new NBIRTH. Values in between are stored and sent after.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface BrokerFieldsProps {
  broker: BrokerDraft;
  index: number;
  /** The settings as the gateway holds them (which URLs have secrets). */
  stored: NorthboundConfig;
  /** The error at a path of the northbound settings (browser's or gateway's). */
  err: (path: string) => string | undefined;
  onChange: (patch: Partial<BrokerDraft>) => void;
  /** Absent when the broker cannot be removed (the last one, or not an admin). */
  onRemove?: () => void;
}

/** One broker: URL, credentials, and for mqtts:// (or a URL that still carries TLS settings) its TLS fieldset. */
function BrokerFields({ broker: b, index, stored, err, onChange, onRemove }: BrokerFieldsProps) {
  const n = index + 1;
  const at = `brokers[${index}]`;
  const held = heldFor(stored, b.url);
  // Secrets stay with the URL they were stored for: a changed URL needs its password typed again.
  const leftBehind = !held.password && b.storedUrl !== undefined && b.storedUrl !== b.url.trim() && heldFor(stored, b.storedUrl).password;
  const passwordHint = b.clear
    ? 'The stored password will be removed.'
    : held.password
      ? 'A password is stored: leave empty to keep it.'
      : leftBehind
        ? `The stored password belongs to ${b.storedUrl}: type it again for this URL.`
        : 'No password stored.';
  return (
    <div class="broker">
      <div class="form-row">
        <FormField label={`Broker ${n} URL`} error={err(`${at}.url`)} hint="mqtt://host:1883, or mqtts://host:8883 for TLS">
          <input value={b.url} onInput={(e) => onChange({ url: e.currentTarget.value })} spellcheck={false} />
        </FormField>
        <FormField label={`Broker ${n} user name`} optional error={err(`${at}.username`)}>
          <input value={b.username} autocomplete="off" onInput={(e) => onChange({ username: e.currentTarget.value })} />
        </FormField>
        <FormField label={`Broker ${n} password`} optional error={err(`${at}.password`)} hint={passwordHint}>
          <input
            type="password"
            autocomplete="new-password"
            value={b.password}
            disabled={b.clear && held.password}
            placeholder={held.password ? '•••••••• (stored)' : ''}
            onInput={(e) => onChange({ password: e.currentTarget.value })}
          />
        </FormField>
      </div>
      {(isTls(b.url) || hasTlsSettings(b)) && <TlsFieldset broker={b} index={index} held={held} err={err} onChange={onChange} />}
      {(held.password || onRemove) && (
        <div class="page-actions">
          {held.password && (
            <label class="check">
              <input type="checkbox" checked={b.clear} onChange={(e) => onChange({ clear: e.currentTarget.checked, password: '' })} />
              Clear the stored password of broker {n}
            </label>
          )}
          {onRemove && (
            <button type="button" class="btn btn-small" onClick={onRemove}>
              Remove broker {n}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function TlsFieldset({ broker: b, index, held, err, onChange }: Omit<BrokerFieldsProps, 'stored' | 'onRemove'> & { held: ReturnType<typeof heldFor> }) {
  const n = index + 1;
  const at = `brokers[${index}].tls`;
  const whole = err(at);
  const wholeId = `broker${n}-tls-error`;
  return (
    <fieldset class="tls-settings" aria-describedby={whole ? wholeId : undefined}>
      <legend>TLS of broker {n}</legend>
      {whole && (
        <p class="field-error" id={wholeId}>
          {whole}
        </p>
      )}
      {!isTls(b.url) && (
        <p class="field-hint">
          TLS settings are only for mqtts:// URLs: change the URL, or{' '}
          <button type="button" class="btn btn-small" onClick={() => onChange(noTls)}>
            remove the TLS settings of broker {n}
          </button>
        </p>
      )}
      <div class="form-row">
        <FormField label={`Broker ${n} CA file`} optional error={err(`${at}.ca`)} hint="PEM file on the gateway. Empty: the system's CAs.">
          <input value={b.ca} spellcheck={false} onInput={(e) => onChange({ ca: e.currentTarget.value })} />
        </FormField>
        <FormField
          label={`Broker ${n} client certificate file`}
          optional
          error={err(`${at}.cert`)}
          hint="PEM file on the gateway, for brokers that want one (mutual TLS). Needs the key."
        >
          <input value={b.cert} spellcheck={false} onInput={(e) => onChange({ cert: e.currentTarget.value })} />
        </FormField>
        <FormField
          label={`Broker ${n} client key file`}
          optional
          error={err(`${at}.key`)}
          hint="The client certificate's private key (PEM file on the gateway)."
        >
          <input value={b.keyFile} spellcheck={false} onInput={(e) => onChange({ keyFile: e.currentTarget.value })} />
        </FormField>
        <FormField
          label={`Broker ${n} key passphrase`}
          optional
          error={err(`${at}.passphrase`)}
          hint={
            b.clearPassphrase && held.passphrase
              ? 'The stored passphrase will be removed.'
              : held.passphrase
                ? 'A passphrase is stored: leave empty to keep it.'
                : 'For an encrypted key. No passphrase stored.'
          }
        >
          <input
            type="password"
            autocomplete="new-password"
            value={b.passphrase}
            disabled={b.clearPassphrase && held.passphrase}
            placeholder={held.passphrase ? '•••••••• (stored)' : ''}
            onInput={(e) => onChange({ passphrase: e.currentTarget.value })}
          />
        </FormField>
        <FormField label={`Broker ${n} server name`} optional error={err(`${at}.servername`)} hint="The host name to verify when the URL has an IP address.">
          <input value={b.servername} spellcheck={false} onInput={(e) => onChange({ servername: e.currentTarget.value })} />
        </FormField>
      </div>
      <div class="page-actions">
        <label class="check">
          <input type="checkbox" checked={b.verifyHostname} onChange={(e) => onChange({ verifyHostname: e.currentTarget.checked })} />
          Verify the host name of broker {n}
        </label>
        {held.passphrase && (
          <label class="check">
            <input type="checkbox" checked={b.clearPassphrase} onChange={(e) => onChange({ clearPassphrase: e.currentTarget.checked, passphrase: '' })} />
            Clear the stored passphrase of broker {n}
          </label>
        )}
      </div>
      {!b.verifyHostname && (
        <Banner tone="warn">
          <strong>Host name not verified:</strong> any certificate the CA signed is accepted, for any host, so another machine could pose as the broker. Turn
          this off only on a test bench.
        </Banner>
      )}
    </fieldset>
  );
}

interface ImportChanges {
  added: string[];
  removed: string[];
  changed: string[];
  northbound: boolean;
  restartRequired: string[];
}

function ConfigurationCard({ admin }: { admin: boolean }) {
  const [file, setFile] = useState<{ name: string; text: string }>();
  const [preview, setPreview] = useState<ImportChanges>();
  const [applied, setApplied] = useState<ImportChanges>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const send = (text: string, dryRun: boolean) =>
    api<{ applied: boolean; changes: ImportChanges }>('POST', `/api/v1/config/import?dryRun=${dryRun}`, text, 'application/yaml');

  const choose = async (input: HTMLInputElement) => {
    const f = input.files?.[0];
    setPreview(undefined);
    setApplied(undefined);
    setError(undefined);
    if (!f) return setFile(undefined);
    setBusy(true);
    try {
      const text = await f.text();
      setFile({ name: f.name, text });
      setPreview((await send(text, true)).changes);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="config-title">
      <header class="card-header">
        <h2 id="config-title">Configuration file</h2>
      </header>
      <p>
        <a class="btn" href="/api/v1/config/export" download="plexus-config.yaml">
          Download the configuration (YAML)
        </a>
      </p>
      <p class="small muted">Secrets (passwords, passphrases) are left out of the export; importing it keeps the ones the gateway holds.</p>
      {admin && (
        <div class="form">
          <FormField label="Import a configuration (YAML)" hint="The file is checked first: nothing changes until you apply it.">
            <input type="file" accept=".yaml,.yml,.json,application/yaml,text/yaml,text/plain" onChange={(e) => choose(e.currentTarget)} disabled={busy} />
          </FormField>
          {busy && <Loading what="Checking the file" />}
          <ErrorBanner
            error={error}
            title={error instanceof ApiError && error.status === 400 ? `${file?.name ?? 'The file'} is not a valid configuration` : 'The import failed'}
          />
          {preview && file && !applied && (
            <Banner role="status">
              <p>
                <strong>{file.name} is valid.</strong> Applying it would:
              </p>
              <ChangeList changes={preview} />
              <p class="form-actions">
                <button
                  type="button"
                  class="btn"
                  onClick={() => {
                    setFile(undefined);
                    setPreview(undefined);
                  }}
                >
                  Discard
                </button>
                <button type="button" class="btn btn-primary" onClick={() => setConfirming(true)}>
                  Apply import
                </button>
              </p>
            </Banner>
          )}
          {applied && (
            <Banner tone="good">
              <p>
                <strong>Imported {file?.name}.</strong>
              </p>
              <ChangeList changes={applied} />
            </Banner>
          )}
        </div>
      )}
      {confirming && file && (
        <ConfirmDialog
          title="Apply the imported configuration"
          confirmLabel="Apply import"
          danger
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            const res = await send(file.text, false);
            setApplied(res.changes);
            setPreview(undefined);
          }}
        >
          <p>The whole configuration is replaced by {file.name}; the devices it changes restart. The previous one stays as a revision.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ChangeList({ changes: c }: { changes: ImportChanges }) {
  const items = [
    c.added.length > 0 && `start devices: ${c.added.join(', ')}`,
    c.changed.length > 0 && `restart changed devices: ${c.changed.join(', ')}`,
    c.removed.length > 0 && `stop devices: ${c.removed.join(', ')}`,
    c.northbound && 'restart the Sparkplug session (new NBIRTH)',
    c.restartRequired.length > 0 && `save settings used from the next gateway start: ${c.restartRequired.join(', ')}`,
  ].filter((x): x is string => typeof x === 'string');
  return <ul class="list-plain">{items.length > 0 ? items.map((i) => <li key={i}>{i}</li>) : <li>change nothing that is running</li>}</ul>;
}
