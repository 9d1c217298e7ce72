/**
 * A device and its template: "Save as template", and for a device made from
 * one, its parameters, the template's tags as the device runs them (with
 * per-tag overrides), and "Detach from template".
 */
import { useMemo, useState } from 'preact/hooks';
import { api, can, type User } from '../../api.ts';
import { actionsColumn, Table } from '../../components/data-table.tsx';
import { ErrorBanner, fieldErrors } from '../../components/error-banner.tsx';
import { FormActions, FormField } from '../../components/form-field.tsx';
import type { TemplateConfig } from '../../components/gateway-types.ts';
import { ConfirmDialog, Modal } from '../../components/modal.tsx';
import { Loading } from '../../components/page-header.tsx';
import { href, navigate } from '../../components/route.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useApi } from '../../components/use-api.ts';
import { useSubmit } from '../../components/use-submit.ts';
import { type ConfigSchema, type DeviceConfig, paths, type TagConfig } from './config-api.ts';
import { checkAll, type Field, fieldsOf } from './schema-fields.ts';
import { described, FieldShell, SchemaFields, useDomId } from './schema-form.tsx';

type Overrides = NonNullable<NonNullable<DeviceConfig['template']>['overrides']>;

/** The tag settings a device may override, in this order; the rest stay the template's. */
const OVERRIDABLE = ['address', 'unit', 'description', 'steps', 'deadband', 'validRange', 'minIntervalMs', 'properties'];

/** The override form: the tag schema's fields with no defaults and nothing required, so that an empty field is "as the template". */
const overrideFieldsOf = (schema: ConfigSchema): Field[] =>
  fieldsOf(schema.tag)
    .filter((f) => OVERRIDABLE.includes(f.key))
    .sort((a, b) => OVERRIDABLE.indexOf(a.key) - OVERRIDABLE.indexOf(b.key))
    .map((f) => ({ ...f, default: undefined, required: false }));

/** "Save as template": a template from this device's groups and tags as they run; optionally the device then uses it. */
export function SaveAsTemplateDialog({ device, onClose }: { device: DeviceConfig; onClose: () => void }) {
  const [name, setName] = useState(`${device.name}-template`);
  const [description, setDescription] = useState('');
  const [attach, setAttach] = useState(true);
  const { busy, error, submit } = useSubmit(async () => {
    await api('POST', paths.templateFromDevice, { device: device.name, name, description: description || undefined, attach });
    onClose();
    navigate(`/templates/${encodeURIComponent(name)}`);
  });
  return (
    <Modal title={`Save ${device.name} as a template`} onClose={onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <p class="muted">
          The template gets this device's groups and tags as they run, and its connection settings except its address (host, unit, port, serial port, rack and
          slot). Its metadata stays with the device.
        </p>
        <FormField label="Template name" error={fieldErrors(error).name}>
          <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </FormField>
        <FormField label="Description" optional>
          <input type="text" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </FormField>
        <label class="check">
          <input type="checkbox" checked={attach} onChange={(e) => setAttach(e.currentTarget.checked)} />
          Make {device.name} use the new template (it keeps running the same tags)
        </label>
        <ErrorBanner error={error} title="The template was not made" />
        <FormActions onCancel={onClose} busy={busy} label="Save as template" busyLabel="Saving…" />
      </form>
    </Modal>
  );
}

/** For a device made from a template: the link, its parameters, the template's tags with overrides, and detach. */
export function TemplateSection({
  device,
  schema,
  user,
  onChanged,
}: {
  device: DeviceConfig;
  schema: ConfigSchema;
  user: User;
  onChanged: () => Promise<void>;
}) {
  const admin = can(user, 'admin');
  const link = device.template as NonNullable<DeviceConfig['template']>;
  /** The device as it runs; loaded again after each change made here. */
  const resolved = useApi<DeviceConfig>(paths.resolved(device.name));
  const template = useApi<TemplateConfig>(paths.template(link.name));
  const [parameters, setParameters] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(link.parameters ?? {}).map(([k, v]) => [k, String(v)])),
  );
  const [overriding, setOverriding] = useState<TagConfig>();
  const [detaching, setDetaching] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const overrides: Overrides = link.overrides ?? {};

  const templateGroups = useMemo(() => new Set(template.data?.groups.map((g) => g.name)), [template.data]);
  const rows = (resolved.data?.groups ?? []).filter((g) => templateGroups.has(g.name)).flatMap((g) => g.tags.map((t) => ({ group: g.name, tag: t })));

  const saveLink = async (next: NonNullable<DeviceConfig['template']>) => {
    setBusy(true);
    setError(undefined);
    try {
      await api('PUT', paths.device(device.name), { ...device, template: next });
      await onChanged();
      await resolved.reload();
    } catch (err) {
      setError(err);
      throw err;
    } finally {
      setBusy(false);
    }
  };
  const setOverride = (tag: string, value: Partial<TagConfig> | undefined) => {
    const next = { ...overrides };
    if (value && Object.keys(value).length > 0) next[tag] = value;
    else delete next[tag];
    return saveLink({ ...link, overrides: Object.keys(next).length > 0 ? next : undefined });
  };
  const declared = template.data?.parameters ?? {};
  /** The parameters as sent: empty ones left to the template's default; digits a number where the default is one. */
  const typedParameters = (): Record<string, string | number> | undefined => {
    const entries = Object.entries(parameters).flatMap(([k, v]) => {
      const t = v.trim();
      if (t === '') return [];
      return [[k, typeof declared[k] === 'number' && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t] as const];
    });
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  };
  const paramsChanged = JSON.stringify(typedParameters() ?? {}) !== JSON.stringify(link.parameters ?? {});
  const parameterErrors = fieldErrors(error, 'template.parameters');

  return (
    <section class="card dv-card" aria-labelledby="dv-template-title">
      <div class="dv-section-head">
        <h2 id="dv-template-title">
          Made from template <a href={href('templates', link.name)}>{link.name}</a>
        </h2>
        {admin && (
          <button type="button" class="btn" onClick={() => setDetaching(true)}>
            Detach from template
          </button>
        )}
      </div>
      <p class="muted">
        These tags come from the template: a change to it reaches this device. Override a tag to give this device its own address, unit, description or
        metadata. The device's own groups follow below.
      </p>
      {Object.keys(declared).length > 0 && (
        <fieldset class="dv-fieldset" disabled={!admin || busy}>
          <legend>Parameters</legend>
          <p class="field-hint dv-legend-hint">They fill the template's addresses for this device; an empty one takes the template's default (shown grey).</p>
          <div class="dv-form-grid">
            {Object.entries(declared).map(([name, fallback]) => (
              <ParameterField
                key={name}
                name={name}
                fallback={fallback}
                value={parameters[name] ?? ''}
                error={parameterErrors[name]}
                onChange={(v) => setParameters({ ...parameters, [name]: v })}
              />
            ))}
          </div>
          {admin && paramsChanged && (
            <p class="page-actions">
              <button type="button" class="btn btn-primary" onClick={() => saveLink({ ...link, parameters: typedParameters() }).catch(() => {})}>
                Save parameters
              </button>
              <button
                type="button"
                class="btn"
                onClick={() => setParameters(Object.fromEntries(Object.entries(link.parameters ?? {}).map(([k, v]) => [k, String(v)])))}
              >
                Discard
              </button>
            </p>
          )}
        </fieldset>
      )}
      {resolved.data?.properties && (
        <p class="muted small">
          Metadata in its DBIRTH:{' '}
          {Object.entries(resolved.data.properties)
            .map(([k, v]) => `${k} = ${String(v)}`)
            .join(', ')}
          . The template's metadata applies unless the device sets its own (under Settings above).
        </p>
      )}
      <ErrorBanner error={error ?? resolved.error ?? template.error} title="The device was not changed" />
      {resolved.loading && !resolved.data ? (
        <Loading what="Loading the template's tags" />
      ) : (
        <Table
          caption={`Tags from template ${link.name}`}
          class="table-compact"
          columns={['Group', 'Tag', 'Address', 'Type', 'Unit', 'Description', actionsColumn()]}
        >
          {rows.map(({ group, tag }) => (
            <tr key={tag.name}>
              <td>{group}</td>
              <td>
                {tag.name} {overrides[tag.name] && <StatusBadge tone="warn">overridden</StatusBadge>}
              </td>
              <td class="mono">{tag.address}</td>
              <td>{tag.type}</td>
              <td>{tag.unit}</td>
              <td class="muted">{tag.description}</td>
              <td>
                {admin && (
                  <span class="page-actions">
                    <button type="button" class="btn btn-small" onClick={() => setOverriding(tag)} aria-label={`Override ${tag.name}`}>
                      Override…
                    </button>
                    {overrides[tag.name] && (
                      <button
                        type="button"
                        class="btn btn-small"
                        onClick={() => setOverride(tag.name, undefined).catch(() => {})}
                        aria-label={`Remove the override of ${tag.name}`}
                      >
                        Remove override
                      </button>
                    )}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      {overriding && (
        <OverrideDialog
          schema={schema}
          tag={overriding}
          original={template.data?.groups.flatMap((g) => g.tags).find((t) => t.name === overriding.name)}
          current={overrides[overriding.name]}
          onClose={() => setOverriding(undefined)}
          onSave={(v) => setOverride(overriding.name, v)}
        />
      )}
      {detaching && (
        <ConfirmDialog
          title={`Detach ${device.name} from ${link.name}?`}
          confirmLabel="Detach"
          onConfirm={async () => {
            await api('POST', paths.detach(device.name));
            await onChanged();
          }}
          onClose={() => setDetaching(false)}
        >
          <p>The device keeps every tag, address and setting it runs now, as its own; it is not restarted. Later changes to {link.name} no longer reach it.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ParameterField({
  name,
  fallback,
  value,
  error,
  onChange,
}: {
  name: string;
  fallback: string | number;
  value: string;
  error?: string;
  onChange: (v: string) => void;
}) {
  const id = useDomId('tp');
  return (
    <FieldShell id={id} label={name} error={error}>
      <input
        {...described(id, error)}
        type="text"
        class="mono"
        value={value}
        placeholder={String(fallback)}
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
    </FieldShell>
  );
}

function OverrideDialog({
  schema,
  tag,
  original,
  current,
  onClose,
  onSave,
}: {
  schema: ConfigSchema;
  tag: TagConfig;
  /** The tag as the template has it. */
  original?: TagConfig;
  current?: Partial<TagConfig>;
  onClose: () => void;
  onSave: (v: Partial<TagConfig>) => Promise<void>;
}) {
  const fields = useMemo(() => overrideFieldsOf(schema), [schema]);
  const [value, setValue] = useState<Record<string, unknown>>(() => ({ ...current }));
  const [tried, setTried] = useState(false);
  const local = tried ? checkAll(fields, value) : {};
  const { busy, error, submit } = useSubmit(async () => {
    setTried(true);
    if (Object.keys(checkAll(fields, value)).length > 0) return;
    // Cleared fields are "as the template": they leave the override.
    const set = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)));
    await onSave(set as Partial<TagConfig>);
    onClose();
  });
  return (
    <Modal title={`Override ${tag.name} on this device`} onClose={onClose} wide>
      <form class="form" onSubmit={submit} noValidate>
        <p class="muted">
          Only what you fill in replaces the template's setting; empty fields stay as the template has them
          {original && (
            <>
              {' '}
              (address <code>{original.address ?? '—'}</code>, unit {original.unit || '—'}
              {original.steps && original.steps.length > 0 ? `, ${original.steps.length} pipeline step(s)` : ''})
            </>
          )}
          . The override stays when the template changes.
        </p>
        <div class="dv-form-grid">
          <SchemaFields fields={fields} value={value} onChange={setValue} errors={{ ...fieldErrors(error, `template.overrides.${tag.name}`), ...local }} />
        </div>
        {tried && Object.keys(local).length > 0 && (
          <p class="field-error" role="alert">
            Check the fields marked in red.
          </p>
        )}
        <ErrorBanner error={error} title="The override was not saved" />
        <FormActions onCancel={onClose} busy={busy} label="Save override" busyLabel="Saving…" />
      </form>
    </Modal>
  );
}
