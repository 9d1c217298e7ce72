/**
 * #/devices/new and #/devices/:name: the device's settings as a form made
 * from the schema (protocol first, then its connection settings), "Test
 * connection", save, and below it the device's groups and tags. Viewers and
 * operators see the same page without anything that changes it.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, can, type User } from '../../api.ts';
import { Table } from '../../components/data-table.tsx';
import { Banner, ErrorBanner } from '../../components/error-banner.tsx';
import { formatMs, formatValue } from '../../components/format.ts';
import type { DeviceStatus } from '../../components/gateway-types.ts';
import { EmptyState, Loading, PageHeader } from '../../components/page-header.tsx';
import { href } from '../../components/route.ts';
import { QualityBadge, StatusBadge } from '../../components/status-badge.tsx';
import { useApi } from '../../components/use-api.ts';
import { type ConfigSchema, type ConnectionTestResult, type DeviceConfig, paths, useConfigSchema } from './config-api.ts';
import { DeleteDeviceDialog } from './delete-device-dialog.tsx';
import { DeviceState } from './device-state.tsx';
import { SaveAsTemplateDialog, TemplateSection } from './device-template.tsx';
import { detailsOf, placeDetails, unplacedError } from './error-paths.ts';
import { GroupsSection } from './groups.tsx';
import { deviceOwner } from './groups-owner.ts';
import { ProblemBanner } from './problem-list.tsx';
import { connectionSummary, isAdvanced, PROTOCOL_HINTS, protocolLabel, settingVisible, withConditionalRequired } from './protocol-hints.ts';
import { allPaths, checkAll, defaultsOf, type Field, fieldsOf } from './schema-fields.ts';
import { described, FieldShell, SchemaFields, useDomId } from './schema-form.tsx';
import { useWarnUnsaved } from './use-unsaved.ts';
import './devices.css';

/** The settings the form edits; groups and the template link are edited by their own sections. */
type Settings = Omit<DeviceConfig, 'groups' | 'template'>;

export function DeviceEditPage({ user, name }: { user: User; name?: string }) {
  const { schema, error: schemaError } = useConfigSchema();
  const [loaded, setLoaded] = useState<{ config?: DeviceConfig; error?: unknown; loading: boolean }>({ loading: name !== undefined });

  const load = async () => {
    if (name === undefined) return;
    try {
      setLoaded({ config: await api<DeviceConfig>('GET', paths.device(name)), loading: false });
    } catch (error) {
      setLoaded((s) => ({ ...s, error, loading: false }));
    }
  };
  useEffect(() => {
    setLoaded({ loading: name !== undefined });
    void load();
  }, [name]);

  const title = name ?? 'New device';
  if (schemaError) return <Failed title={title} error={schemaError} what="The configuration schema could not be loaded" />;
  if (loaded.error instanceof ApiError && loaded.error.status === 404)
    return (
      <div class="page dv-page">
        <PageHeader title={title} />
        <EmptyState title={`There is no device "${name}"`}>
          <p>
            It may have been renamed or deleted. Go back to the <a href="#/devices">devices</a>.
          </p>
        </EmptyState>
      </div>
    );
  if (loaded.error) return <Failed title={title} error={loaded.error} what="The device could not be loaded" />;
  if (!schema || loaded.loading)
    return (
      <div class="page dv-page">
        <PageHeader title={title} />
        <Loading what={name ? `Loading ${name}` : 'Loading the device form'} />
      </div>
    );
  return <DeviceEditor key={name ?? '(new)'} user={user} schema={schema} config={loaded.config} reload={load} />;
}

function Failed({ title, error, what }: { title: string; error: unknown; what: string }) {
  return (
    <div class="page dv-page">
      <PageHeader title={title} />
      <ErrorBanner error={error} title={what} />
      <p>
        <a href="#/devices">Back to the devices</a>
      </p>
    </div>
  );
}

function settingsOf(d: DeviceConfig): Settings {
  const { groups: _groups, template: _template, ...rest } = d;
  return structuredClone(rest);
}

function newDevice(schema: ConfigSchema, protocol: string): Settings {
  return { name: '', protocol, enabled: true, readOnly: false, connection: connectionDefaults(schema, protocol) };
}

const connectionDefaults = (schema: ConfigSchema, protocol: string) => {
  const c = schema.protocols[protocol]?.connection;
  return c ? defaultsOf(fieldsOf(c, 'connection')) : {};
};

interface EditorProps {
  user: User;
  schema: ConfigSchema;
  /** The stored device; undefined for a new one. */
  config?: DeviceConfig;
  reload: () => Promise<void>;
}

function DeviceEditor({ user, schema, config, reload }: EditorProps) {
  const admin = can(user, 'admin');
  const isNew = config === undefined;
  const protocols = Object.keys(schema.protocols);
  const [draft, setDraft] = useState<Settings>(() => (config ? settingsOf(config) : newDevice(schema, protocols[0] ?? 'modbus')));
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const [deleting, setDeleting] = useState(false);
  const [savingAsTemplate, setSavingAsTemplate] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const runtime = useApi<DeviceStatus[]>(isNew ? undefined : paths.runtime, 2000);
  const status = runtime.data?.find((s) => s.name === config?.name);

  // The stored device changes when groups or tags are saved: the settings draft stays as the user left it.
  const groups = config?.groups ?? [];
  const protocol = schema.protocols[draft.protocol];
  const hints = PROTOCOL_HINTS[draft.protocol];

  const deviceFields = useMemo(() => fieldsOf(schema.device, '', ['protocol', 'connection', 'groups', 'template']), [schema]);
  const schemaConnectionFields = useMemo(() => (protocol ? fieldsOf(protocol.connection, 'connection') : []), [protocol]);
  const known = useMemo(
    () => new Set(['protocol', 'connection', ...allPaths(deviceFields), ...allPaths(schemaConnectionFields)]),
    [deviceFields, schemaConnectionFields],
  );
  const connectionFields = withConditionalRequired(draft.protocol, schemaConnectionFields, draft.connection);
  /** Settings of a saved device fold away under a one-line summary, so that its groups and tags come first. */
  const [settingsOpen, setSettingsOpen] = useState(isNew);

  /** Top-level connection settings that do not apply to this connection (Modbus serial settings over TCP) are hidden. */
  const visible = (f: Field, parent: Record<string, unknown>) =>
    f.path.split('.').length !== 2 || !f.path.startsWith('connection.') || settingVisible(draft.protocol, f.key, parent);
  const local = tried
    ? { ...checkAll(deviceFields, draft as unknown as Record<string, unknown>), ...checkAll(connectionFields, draft.connection, visible) }
    : {};
  if (tried && !draft.name.trim()) local.name = 'is required';
  const serverDetails = detailsOf(saveError);
  const placed = placeDetails(serverDetails, known);
  const errors = { ...placed.byPath, ...local };

  const dirty = JSON.stringify(draft) !== JSON.stringify(config ? settingsOf(config) : undefined);
  useWarnUnsaved(dirty && !isNew);
  const body = (): DeviceConfig => ({ ...draft, name: draft.name.trim(), groups, ...(config?.template ? { template: config.template } : {}) });

  const save = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setSaved(undefined);
    const problems = { ...checkAll(deviceFields, draft as unknown as Record<string, unknown>), ...checkAll(connectionFields, draft.connection, visible) };
    if (!draft.name.trim()) problems.name = 'is required';
    if (Object.keys(problems).length > 0) {
      setSaveError(undefined);
      setSettingsOpen(true);
      focusFirstError(formRef.current);
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      const result = isNew ? await api<DeviceConfig>('POST', paths.devices, body()) : await api<DeviceConfig>('PUT', paths.device(config.name), body());
      setTried(false);
      if (isNew || result.name !== config.name) {
        location.hash = href('devices', result.name);
        return;
      }
      setDraft(settingsOf(result));
      setSaved(result.enabled ? 'Saved. The device restarted with the new settings.' : 'Saved. The device is disabled: it is not polled.');
      await reload();
    } catch (err) {
      setSaveError(err);
      setSettingsOpen(true);
      focusFirstError(formRef.current);
    } finally {
      setSaving(false);
    }
  };

  const setProtocol = (p: string) => {
    setDraft({ ...draft, protocol: p, connection: connectionDefaults(schema, p) });
    setSaveError(undefined);
  };

  const basic = connectionFields.filter((f) => !isAdvanced(draft.protocol, f.key, f.default !== undefined));
  const advanced = connectionFields.filter((f) => isAdvanced(draft.protocol, f.key, f.default !== undefined));
  const advancedHasError = advanced.some((f) => Object.keys(errors).some((p) => p === f.path || p.startsWith(`${f.path}.`)));
  const protocolId = useDomId('proto');

  const connectionGrid = (fields: Field[]) => (
    <div class="dv-form-grid">
      <SchemaFields fields={fields} value={draft.connection} onChange={(connection) => setDraft({ ...draft, connection })} errors={errors} visible={visible} />
    </div>
  );

  const settingsForm = (
    <>
      <fieldset class="card dv-card" disabled={!admin}>
        <legend class="dv-card-title">Device</legend>
        <div class="dv-form-grid">
          <FieldShell
            id={protocolId}
            label="Protocol"
            error={errors.protocol}
            hint={isNew ? 'How the gateway talks to the device.' : 'Fixed once saved: tag addresses are written in the protocol’s syntax.'}
          >
            <select
              {...described(protocolId, errors.protocol, true)}
              value={draft.protocol}
              disabled={!isNew}
              onChange={(e) => setProtocol(e.currentTarget.value)}
            >
              {protocols.map((p) => (
                <option key={p} value={p}>
                  {protocolLabel(p)}
                </option>
              ))}
            </select>
          </FieldShell>
          <SchemaFields
            fields={deviceFields}
            value={draft as unknown as Record<string, unknown>}
            onChange={(next) => setDraft(next as unknown as Settings)}
            errors={errors}
          />
        </div>
      </fieldset>

      <fieldset class="card dv-card" disabled={!admin}>
        <legend class="dv-card-title">Connection · {protocolLabel(draft.protocol)}</legend>
        {!protocol ? (
          <Banner tone="warn">This gateway does not know the protocol "{draft.protocol}".</Banner>
        ) : (
          <>
            {connectionGrid(basic)}
            {advanced.length > 0 && (
              <details class="dv-advanced" open={advancedHasError || undefined}>
                <summary>
                  Advanced settings <span class="muted">({advanced.length}: timeouts, request sizes and more — the defaults suit most devices)</span>
                </summary>
                {connectionGrid(advanced)}
              </details>
            )}
          </>
        )}
        {hints && (
          <p class="note small">
            Addresses of {hints.label} tags: {schema.protocols[draft.protocol]?.addressHelp ?? hints.addressHelp}
          </p>
        )}
      </fieldset>
    </>
  );

  return (
    <div class="page dv-page">
      <PageHeader
        title={isNew ? 'New device' : config.name}
        subtitle={
          isNew ? (
            'Pick the protocol, enter the connection settings, test the connection, then save. Groups and tags come next.'
          ) : (
            <span class="dv-subtitle">
              <a href="#/devices">Devices</a> · {protocolLabel(config.protocol)} · <DeviceState enabled={config.enabled} status={status} />
            </span>
          )
        }
      >
        {!isNew && admin && (
          <button type="button" class="btn" onClick={() => setSavingAsTemplate(true)}>
            Save as template
          </button>
        )}
        {!isNew && admin && (
          <button type="button" class="btn dv-danger-text" onClick={() => setDeleting(true)}>
            Delete device
          </button>
        )}
      </PageHeader>
      {!admin && <Banner>You can look at this device's configuration; changing it needs an administrator.</Banner>}

      <form ref={formRef} class="form dv-device-form" onSubmit={save} noValidate aria-label="Device settings">
        {isNew ? (
          settingsForm
        ) : (
          <details class="dv-settings" open={settingsOpen} onToggle={(e) => setSettingsOpen(e.currentTarget.open)}>
            <summary class="card dv-settings-summary">
              <span class="dv-settings-title">Settings</span>
              <span class="muted dv-settings-line">
                {protocolLabel(draft.protocol)} · {connectionSummary(draft.protocol, draft.connection)}
                {draft.readOnly ? ' · writes refused' : ''}
                {dirty ? ' · unsaved changes' : ''}
              </span>
              <span class="dv-settings-action" aria-hidden="true">
                {settingsOpen ? 'Hide' : admin ? 'Show and edit' : 'Show'}
              </span>
            </summary>
            <div class="dv-settings-body">{settingsForm}</div>
          </details>
        )}

        <ProblemBanner title="Also wrong:" details={placed.other} device={config} />
        <ErrorBanner error={unplacedError(saveError)} title="The device was not saved" />
        {serverDetails.length > 0 && (
          <p class="field-error" role="alert">
            The device was not saved: {serverDetails.length} problem{serverDetails.length === 1 ? '' : 's'}, shown at{' '}
            {serverDetails.length === 1 ? 'its field' : 'their fields'}.
          </p>
        )}
        {tried && Object.keys(local).length > 0 && !saveError && (
          <p class="field-error" role="alert">
            Check the {Object.keys(local).length === 1 ? 'field' : `${Object.keys(local).length} fields`} marked in red.
          </p>
        )}
        {saved && <Banner tone="good">{saved}</Banner>}

        {admin && (
          <div class="dv-form-footer">
            <TestConnection device={body} />
            {(isNew || settingsOpen || dirty) && (
              <div class="form-actions">
                {dirty && !isNew && <span class="muted dv-unsaved">Unsaved changes</span>}
                {isNew ? (
                  <a class="btn" href="#/devices">
                    Cancel
                  </a>
                ) : (
                  dirty && (
                    <button
                      type="button"
                      class="btn"
                      onClick={() => {
                        setDraft(settingsOf(config));
                        setTried(false);
                        setSaveError(undefined);
                      }}
                    >
                      Discard changes
                    </button>
                  )
                )}
                <button type="submit" class="btn btn-primary" disabled={saving || (!isNew && !dirty)}>
                  {saving ? 'Saving…' : isNew ? 'Create device' : 'Save device'}
                </button>
              </div>
            )}
          </div>
        )}
      </form>

      {isNew ? (
        <section class="card dv-card" aria-labelledby="dv-groups-next">
          <h2 id="dv-groups-next">Groups and tags</h2>
          <p class="muted">
            Once the device is created, add groups here: a group is a set of tags read at one interval. Tags come one by one, as a numbered range, from a CSV
            file{draft.protocol === 'opcua' ? ', or picked from the server’s address space' : ''}.
          </p>
        </section>
      ) : (
        <>
          {config.template && <TemplateSection key={JSON.stringify(config.template)} device={config} schema={schema} user={user} onChanged={reload} />}
          <GroupsSection owner={deviceOwner(config)} schema={schema} user={user} status={status} onChanged={reload} />
        </>
      )}
      {savingAsTemplate && config && <SaveAsTemplateDialog device={config} onClose={() => setSavingAsTemplate(false)} />}

      {deleting && config && (
        <DeleteDeviceDialog
          device={config}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            location.hash = '#/devices';
          }}
        />
      )}
    </div>
  );
}

/** Moves the focus to the first field marked invalid, once the marks are on screen. */
function focusFirstError(form: HTMLFormElement | null) {
  requestAnimationFrame(() => {
    const el = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (!el) return;
    const details = el.closest('details');
    if (details && !details.open) details.open = true;
    el.focus();
  });
}

/** "Test connection": connects with the form's settings (not saved), reads the first group once, and says how it went. */
function TestConnection({ device }: { device: () => DeviceConfig }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult>();
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setBusy(true);
    setResult(undefined);
    setError(undefined);
    try {
      const d = device();
      setResult(await api<ConnectionTestResult>('POST', paths.testConnection, { ...d, name: d.name || 'connection-test' }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="dv-test">
      <button type="button" class="btn" onClick={run} disabled={busy}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      <div class="dv-test-result" aria-live="polite">
        {busy && <span class="muted">Connecting with these settings (up to 10 s)…</span>}
        {error !== undefined && <ErrorBanner error={error} title="The test could not run" />}
        {result && (
          <div class={`dv-test-box ${result.ok ? 'dv-test-ok' : 'dv-test-bad'}`} role="status">
            <p>
              <StatusBadge tone={result.ok ? 'good' : 'bad'}>{result.ok ? 'Connection OK' : 'Connection failed'}</StatusBadge>{' '}
              <span class="dv-test-message">{result.message}</span> <span class="muted">· {formatMs(result.latencyMs)}</span>
            </p>
            {result.values && result.values.length > 0 && (
              <Table caption="Values read by the test" class="table-compact dv-test-values" columns={['Tag', 'Value', 'Quality']}>
                {result.values.slice(0, 20).map((v) => (
                  <tr key={v.tag}>
                    <td>{v.tag}</td>
                    <td class="value-cell">{formatValue(v.value)}</td>
                    <td>
                      <QualityBadge quality={v.quality} title={v.reason} />
                      {v.reason && <span class="cell-sub">{v.reason}</span>}
                    </td>
                  </tr>
                ))}
              </Table>
            )}
            {result.values && result.values.length > 20 && <p class="muted small">and {result.values.length - 20} more</p>}
          </div>
        )}
      </div>
    </div>
  );
}
