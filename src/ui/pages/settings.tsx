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
  url: string;
  username: string;
  password: string;
  /** The gateway holds a password for this broker (it keeps it by URL). */
  hadPassword: boolean;
  clear: boolean;
  ca: string;
  cert: string;
  keyFile: string;
  passphrase: string;
  hadPassphrase: boolean;
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
      url: b.url,
      username: b.username ?? '',
      hadPassword: !!b.hasPassword,
      ca: b.tls?.ca ?? '',
      cert: b.tls?.cert ?? '',
      keyFile: b.tls?.key ?? '',
      hadPassphrase: !!b.tls?.hasPassphrase,
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
  hadPassword: false,
  clear: false,
  ca: '',
  cert: '',
  keyFile: '',
  passphrase: '',
  hadPassphrase: false,
  clearPassphrase: false,
  servername: '',
  verifyHostname: true,
});

const isTls = (url: string) => /^(mqtts|ssl):/.test(url.trim());

/** A secret field of the PUT body: typed → sent; cleared → ""; otherwise left out, and the gateway keeps the stored one (matched by URL). */
const secret = (typed: string, clear: boolean) => (typed ? typed : clear ? '' : undefined);

/** The TLS block of a broker, only for mqtts:// URLs (the gateway refuses it on others). */
function tlsOf(b: BrokerDraft) {
  const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
  if (!isTls(b.url) && !b.ca.trim() && !b.cert.trim() && !b.keyFile.trim()) return undefined;
  return {
    ca: opt(b.ca),
    cert: opt(b.cert),
    key: opt(b.keyFile),
    passphrase: secret(b.passphrase, b.clearPassphrase),
    servername: opt(b.servername),
    verifyHostname: b.verifyHostname,
  };
}

/** The PUT body: the stored settings with the edited fields (unknown fields kept); a password only when typed or cleared. */
function fromDraft(d: Draft, stored: NorthboundConfig): NorthboundConfig {
  const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
  const int = (s: string) => (s.trim() === '' ? undefined : Number(s));
  return {
    ...stored,
    brokers: d.brokers.map((b) => ({ url: b.url.trim(), username: opt(b.username), password: secret(b.password, b.clear), tls: tlsOf(b) })),
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
  const cap = status.data?.northbound.store.maxBytes;
  const capMiB = cap === undefined ? undefined : Math.round(cap / MIB);
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
      const res = await api<NorthboundConfig>('PUT', '/api/v1/config/northbound', fromDraft(draft, stored.data as NorthboundConfig));
      stored.set(res);
      setTried(false);
      setSaved(true);
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
          <legend>MQTT brokers</legend>
          <p class="small muted">The gateway uses the first broker it can reach, in this order.</p>
          {err('brokers') && <p class="field-error">{err('brokers')}</p>}
          {draft.brokers.map((b, i) => (
            <div class="broker" key={b.key}>
              <div class="form-row">
                <FormField label={`Broker ${i + 1} URL`} error={err(`brokers[${i}].url`)} hint="mqtt://host:1883 or mqtts://host:8883">
                  <input value={b.url} onInput={(e) => setBroker(i, { url: e.currentTarget.value })} spellcheck={false} />
                </FormField>
                <FormField label={`Broker ${i + 1} user name`} optional error={err(`brokers[${i}].username`)}>
                  <input value={b.username} autocomplete="off" onInput={(e) => setBroker(i, { username: e.currentTarget.value })} />
                </FormField>
                <FormField
                  label={`Broker ${i + 1} password`}
                  optional
                  error={err(`brokers[${i}].password`)}
                  hint={
                    b.clear ? 'The stored password will be removed.' : b.hadPassword ? 'A password is stored: leave empty to keep it.' : 'No password stored.'
                  }
                >
                  <input
                    type="password"
                    autocomplete="new-password"
                    value={b.password}
                    disabled={b.clear}
                    placeholder={b.hadPassword ? '•••••••• (stored)' : ''}
                    onInput={(e) => setBroker(i, { password: e.currentTarget.value })}
                  />
                </FormField>
              </div>
              {isTls(b.url) && (
                <div class="form-row">
                  <FormField
                    label={`Broker ${i + 1} CA file`}
                    optional
                    error={err(`brokers[${i}].tls.ca`)}
                    hint="PEM file on the gateway. Empty: the system's CAs."
                  >
                    <input value={b.ca} spellcheck={false} onInput={(e) => setBroker(i, { ca: e.currentTarget.value })} />
                  </FormField>
                  <FormField label={`Broker ${i + 1} client certificate file`} optional error={err(`brokers[${i}].tls.cert`)} hint="For mutual TLS (PEM).">
                    <input value={b.cert} spellcheck={false} onInput={(e) => setBroker(i, { cert: e.currentTarget.value })} />
                  </FormField>
                  <FormField
                    label={`Broker ${i + 1} client key file`}
                    optional
                    error={err(`brokers[${i}].tls.key`)}
                    hint="The certificate's private key (PEM)."
                  >
                    <input value={b.keyFile} spellcheck={false} onInput={(e) => setBroker(i, { keyFile: e.currentTarget.value })} />
                  </FormField>
                  <FormField
                    label={`Broker ${i + 1} key passphrase`}
                    optional
                    error={err(`brokers[${i}].tls.passphrase`)}
                    hint={
                      b.clearPassphrase
                        ? 'The stored passphrase will be removed.'
                        : b.hadPassphrase
                          ? 'A passphrase is stored: leave empty to keep it.'
                          : 'For an encrypted key.'
                    }
                  >
                    <input
                      type="password"
                      autocomplete="new-password"
                      value={b.passphrase}
                      disabled={b.clearPassphrase}
                      placeholder={b.hadPassphrase ? '•••••••• (stored)' : ''}
                      onInput={(e) => setBroker(i, { passphrase: e.currentTarget.value })}
                    />
                  </FormField>
                  <FormField
                    label={`Broker ${i + 1} server name`}
                    optional
                    error={err(`brokers[${i}].tls.servername`)}
                    hint="The name to verify when the URL has an IP address."
                  >
                    <input value={b.servername} spellcheck={false} onInput={(e) => setBroker(i, { servername: e.currentTarget.value })} />
                  </FormField>
                  <label class="check">
                    <input type="checkbox" checked={b.verifyHostname} onChange={(e) => setBroker(i, { verifyHostname: e.currentTarget.checked })} />
                    Verify the broker's host name
                  </label>
                  {!b.verifyHostname && <p class="field-error">Any certificate signed by the CA is then accepted, for any host: only on a test bench.</p>}
                  {b.hadPassphrase && (
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={b.clearPassphrase}
                        onChange={(e) => setBroker(i, { clearPassphrase: e.currentTarget.checked, passphrase: '' })}
                      />
                      Clear the stored passphrase of broker {i + 1}
                    </label>
                  )}
                </div>
              )}
              {!isTls(b.url) && err(`brokers[${i}].tls`) && <p class="field-error">TLS settings: {err(`brokers[${i}].tls`)}</p>}
              <div class="page-actions">
                {b.hadPassword && (
                  <label class="check">
                    <input type="checkbox" checked={b.clear} onChange={(e) => setBroker(i, { clear: e.currentTarget.checked, password: '' })} />
                    Clear the stored password of broker {i + 1}
                  </label>
                )}
                {admin && draft.brokers.length > 1 && (
                  <button type="button" class="btn btn-small" onClick={() => set({ brokers: draft.brokers.filter((_, j) => j !== i) })}>
                    Remove broker {i + 1}
                  </button>
                )}
              </div>
            </div>
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
            <FormField label="MQTT client id" optional error={err('clientId')} hint="Default: made from the group and edge node ids.">
              <input value={draft.clientId} onInput={(e) => set({ clientId: e.currentTarget.value })} />
            </FormField>
            <FormField label="MQTT version" error={err('mqttVersion')}>
              <select value={draft.mqttVersion} onChange={(e) => set({ mqttVersion: e.currentTarget.value as Draft['mqttVersion'] })}>
                <option value="3.1.1">3.1.1</option>
                <option value="5">5</option>
              </select>
            </FormField>
            <FormField label="Keep-alive (s)" error={err('keepaliveS')} hint="5 to 3600. A silent connection is dropped after 1.5 times this.">
              <input type="number" min={5} max={3600} step={1} value={draft.keepaliveS} onInput={(e) => set({ keepaliveS: e.currentTarget.value })} />
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
              hint={`The oldest values go first when it is full. Empty: a quarter of the free disk${capMiB ? `, now ${capMiB} MiB` : ''}.`}
            >
              <input type="number" min={0.0625} step="any" value={draft.maxMiB} onInput={(e) => set({ maxMiB: e.currentTarget.value })} />
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
                setDraft(toDraft(stored.data as NorthboundConfig));
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
