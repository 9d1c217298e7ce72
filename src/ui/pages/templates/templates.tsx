/**
 * #/templates: device templates (groups and tags defined once for many
 * devices), the devices made from each, and the ready-made library;
 * #/templates/new and #/templates/:name: a template's settings, groups and
 * tags (edited in place or as CSV), saved after a preview of the devices and
 * tags the change touches; devices made from it in one step.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, can, type User } from '../../api.ts';
import { actionsColumn, DataTable, Table } from '../../components/data-table.tsx';
import { Banner, ErrorBanner, fieldErrors } from '../../components/error-banner.tsx';
import { FormField } from '../../components/form-field.tsx';
import type { TemplateConfig } from '../../components/gateway-types.ts';
import { ConfirmDialog, Modal } from '../../components/modal.tsx';
import { EmptyState, Loading, PageHeader } from '../../components/page-header.tsx';
import { href, navigate } from '../../components/route.ts';
import { useApi } from '../../components/use-api.ts';
import { type ConfigSchema, type GroupConfig, paths, type TagConfig, tagCount, useConfigSchema } from '../devices/config-api.ts';
import { tagsFromCsv, tagsToCsv } from '../devices/csv.ts';
import { protocolLabel } from '../devices/protocol-hints.ts';
import { fieldsOf } from '../devices/schema-fields.ts';
import { SchemaFields } from '../devices/schema-form.tsx';
import '../devices/devices.css';

type Listed = TemplateConfig & { usedBy: string[] };
interface Affected {
  device: string;
  added: string[];
  removed: string[];
  changed: string[];
}
interface LibraryEntry {
  file: string;
  template?: TemplateConfig;
  error?: string;
}

const usedByLinks = (names: string[]) =>
  names.length === 0 ? (
    <span class="muted">no device</span>
  ) : (
    names.map((d, i) => (
      <span key={d}>
        {i > 0 && ', '}
        <a href={href('devices', d)}>{d}</a>
      </span>
    ))
  );

export function TemplatesPage({ user }: { user: User }) {
  const admin = can(user, 'admin');
  const list = useApi<Listed[]>(paths.templates);
  const [library, setLibrary] = useState(false);
  return (
    <div class="page dv-page">
      <PageHeader
        title="Templates"
        subtitle="Device models: groups and tags defined once, for many identical devices. A change reaches every device made from it."
      >
        {admin && (
          <button type="button" class="btn" onClick={() => setLibrary(true)}>
            Add from library
          </button>
        )}
        {admin && (
          <a class="btn btn-primary" href="#/templates/new">
            New template
          </a>
        )}
      </PageHeader>
      <ErrorBanner error={list.error} title="The templates could not be loaded" />
      {list.loading && !list.data ? (
        <Loading what="Loading the templates" />
      ) : list.data?.length === 0 ? (
        <EmptyState title="No templates yet">
          <p>
            Make one from a device that is set up already (its page has "Save as template"), start from the library (a three-phase power meter and the demo's
            machines), or write one from scratch.
          </p>
        </EmptyState>
      ) : (
        list.data && (
          <DataTable caption="Templates" columns={['Template', 'Protocol', 'Tags', 'Used by', 'Description']}>
            {list.data.map((t) => (
              <tr key={t.name}>
                <td>
                  <a href={href('templates', t.name)}>{t.name}</a>
                </td>
                <td>{protocolLabel(t.protocol)}</td>
                <td class="num">{tagCount(t)}</td>
                <td>{usedByLinks(t.usedBy)}</td>
                <td class="muted">{t.description}</td>
              </tr>
            ))}
          </DataTable>
        )
      )}
      {library && <LibraryDialog taken={new Set(list.data?.map((t) => t.name))} onClose={() => setLibrary(false)} />}
    </div>
  );
}

function LibraryDialog({ taken, onClose }: { taken: Set<string>; onClose: () => void }) {
  const library = useApi<LibraryEntry[]>(paths.templateLibrary);
  const [error, setError] = useState<unknown>();
  const add = async (t: TemplateConfig) => {
    setError(undefined);
    try {
      await api('POST', paths.templates, t);
      onClose();
      navigate(`/templates/${encodeURIComponent(t.name)}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title="Template library" onClose={onClose} wide>
      <p class="muted">Ready-made templates shipped with Plexus. Adding one copies it into this gateway's configuration, where you can change it.</p>
      <ErrorBanner error={library.error ?? error} title="The template was not added" />
      {library.loading && <Loading what="Reading the library" />}
      {library.data && (
        <Table caption="Library templates" columns={['Template', 'Protocol', 'Tags', 'Description', actionsColumn()]}>
          {library.data.map((e) => (
            <tr key={e.file}>
              {e.template ? (
                <>
                  <td>{e.template.name}</td>
                  <td>{protocolLabel(e.template.protocol)}</td>
                  <td class="num">{tagCount(e.template)}</td>
                  <td class="muted">{e.template.description}</td>
                  <td>
                    {taken.has(e.template.name) ? (
                      <span class="muted">added</span>
                    ) : (
                      <button type="button" class="btn btn-small" onClick={() => add(e.template as TemplateConfig)}>
                        Add {e.template.name}
                      </button>
                    )}
                  </td>
                </>
              ) : (
                <td colSpan={5} class="field-error">
                  {e.file}: {e.error}
                </td>
              )}
            </tr>
          ))}
        </Table>
      )}
    </Modal>
  );
}

export function TemplateEditPage({ user, name }: { user: User; name?: string }) {
  const { schema, error: schemaError } = useConfigSchema();
  const stored = useApi<Listed>(name === undefined ? undefined : paths.template(name));
  const title = name ?? 'New template';
  if (stored.error instanceof ApiError && stored.error.status === 404)
    return (
      <div class="page dv-page">
        <PageHeader title={title} />
        <EmptyState title={`There is no template "${name}"`}>
          <p>
            Go back to the <a href="#/templates">templates</a>.
          </p>
        </EmptyState>
      </div>
    );
  if (schemaError || stored.error)
    return (
      <div class="page dv-page">
        <PageHeader title={title} />
        <ErrorBanner error={schemaError ?? stored.error} title="The template could not be loaded" />
      </div>
    );
  if (!schema || (name !== undefined && !stored.data))
    return (
      <div class="page dv-page">
        <PageHeader title={title} />
        <Loading what="Loading the template" />
      </div>
    );
  return <TemplateEditor key={name ?? '(new)'} user={user} schema={schema} stored={stored.data} reload={stored.reload} />;
}

const blankTemplate = (protocol: string): TemplateConfig => ({ name: '', protocol, connection: {}, groups: [{ name: 'main', intervalMs: 1000, tags: [] }] });
const withoutUsage = ({ usedBy: _u, ...t }: Listed): TemplateConfig => t;

function TemplateEditor({ user, schema, stored, reload }: { user: User; schema: ConfigSchema; stored?: Listed; reload: () => Promise<void> }) {
  const admin = can(user, 'admin');
  const protocols = Object.keys(schema.protocols);
  const [draft, setDraft] = useState<TemplateConfig>(() => (stored ? withoutUsage(structuredClone(stored)) : blankTemplate(protocols[0] ?? 'modbus')));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<Affected[]>();
  const [notice, setNotice] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const settingFields = useMemo(() => fieldsOf(schema.template, '', ['name', 'protocol', 'description', 'groups', 'oee']), [schema]);
  const errors = fieldErrors(error);
  const dirty = !stored || JSON.stringify(draft) !== JSON.stringify(withoutUsage(stored));
  const usedBy = stored?.usedBy ?? [];
  // After a save the stored template comes back with the gateway's defaults filled in: edit that.
  useEffect(() => {
    if (stored) setDraft(withoutUsage(structuredClone(stored)));
  }, [stored]);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      if (!stored) {
        await api('POST', paths.templates, draft);
        navigate(`/templates/${encodeURIComponent(draft.name)}`);
        return;
      }
      const dry = await api<{ affected: Affected[] }>('PUT', paths.template(stored.name, true), draft);
      if (dry.affected.length === 0) await apply();
      else setPreview(dry.affected);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    if (!stored) return;
    const result = await api<{ affected: Affected[] }>('PUT', paths.template(stored.name, false), draft);
    setPreview(undefined);
    if (draft.name !== stored.name) {
      navigate(`/templates/${encodeURIComponent(draft.name)}`);
      return;
    }
    await reload();
    setNotice(
      result.affected.length === 0
        ? 'Saved.'
        : `Saved. ${result.affected.map((a) => a.device).join(', ')} restarted with the new tags (each with a new DBIRTH).`,
    );
  };

  const setGroup = (i: number, g: GroupConfig | undefined) => {
    const groups = [...draft.groups];
    if (g) groups[i] = g;
    else groups.splice(i, 1);
    setDraft({ ...draft, groups });
  };

  return (
    <div class="page dv-page">
      <PageHeader
        title={stored ? stored.name : 'New template'}
        subtitle={
          <span>
            <a href="#/templates">Templates</a>
            {stored && (
              <>
                {' '}
                · {protocolLabel(stored.protocol)} · used by {usedByLinks(usedBy)}
              </>
            )}
          </span>
        }
      >
        {stored && admin && (
          <button type="button" class="btn" onClick={() => setCreating(true)} disabled={dirty}>
            Create devices…
          </button>
        )}
        {stored && admin && (
          <button type="button" class="btn dv-danger-text" onClick={() => setDeleting(true)}>
            Delete template
          </button>
        )}
      </PageHeader>
      {!admin && <Banner>You can look at this template; changing it needs an administrator.</Banner>}
      {notice && <Banner tone="good">{notice}</Banner>}
      <form class="form" onSubmit={save} noValidate aria-label="Template">
        <fieldset class="card dv-card" disabled={!admin}>
          <legend class="dv-card-title">Template</legend>
          <div class="dv-form-grid">
            <FormField label="Name" error={errors.name}>
              <input type="text" value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
            </FormField>
            <FormField label="Protocol" error={errors.protocol} hint={usedBy.length > 0 ? 'Fixed while devices use the template.' : undefined}>
              <select value={draft.protocol} disabled={usedBy.length > 0} onChange={(e) => setDraft({ ...draft, protocol: e.currentTarget.value })}>
                {protocols.map((p) => (
                  <option key={p} value={p}>
                    {protocolLabel(p)}
                  </option>
                ))}
              </select>
            </FormField>
            <FormField label="Description" error={errors.description} optional class="dv-wide">
              <input type="text" value={draft.description ?? ''} onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value || undefined })} />
            </FormField>
            <SchemaFields
              fields={settingFields}
              value={draft as unknown as Record<string, unknown>}
              onChange={(next) => setDraft(next as unknown as TemplateConfig)}
              errors={errors}
            />
          </div>
          <p class="note small">
            Addresses may use the parameters: <code>{'HR{base+2}'}</code> is register base + 2 for each device's <code>base</code>. Connection settings here are
            defaults: a device's own win.
          </p>
        </fieldset>

        {draft.groups.map((g, i) => (
          <GroupCard
            key={i}
            group={g}
            index={i}
            schema={schema}
            protocol={draft.protocol}
            admin={admin}
            errors={errors}
            onChange={(next) => setGroup(i, next)}
          />
        ))}
        {admin && (
          <p>
            <button
              type="button"
              class="btn"
              onClick={() => setDraft({ ...draft, groups: [...draft.groups, { name: `group${draft.groups.length + 1}`, intervalMs: 1000, tags: [] }] })}
            >
              Add group
            </button>
          </p>
        )}
        <ErrorBanner error={error} title="The template was not saved" />
        {admin && (
          <div class="form-actions">
            {dirty && stored && <span class="muted dv-unsaved">Unsaved changes</span>}
            <button type="submit" class="btn btn-primary" disabled={busy || !dirty}>
              {busy ? 'Checking…' : stored ? 'Save template' : 'Create template'}
            </button>
          </div>
        )}
      </form>

      {preview && stored && (
        <ConfirmDialog
          title={`Apply the change to ${preview.length} device(s)?`}
          confirmLabel="Apply and restart them"
          onConfirm={apply}
          onClose={() => setPreview(undefined)}
        >
          <p>Each device below restarts with the template's new tags, with a DDEATH and a new DBIRTH. Tags a device overrides keep its settings.</p>
          <Table caption="Devices the change touches" columns={['Device', 'Tags added', 'Tags removed', 'Tags changed']}>
            {preview.map((a) => (
              <tr key={a.device}>
                <td>{a.device}</td>
                <td>{a.added.join(', ') || '—'}</td>
                <td>{a.removed.join(', ') || '—'}</td>
                <td>{a.changed.join(', ') || '—'}</td>
              </tr>
            ))}
          </Table>
        </ConfirmDialog>
      )}
      {creating && stored && <CreateDevicesDialog template={stored} onClose={() => setCreating(false)} />}
      {deleting && stored && (
        <ConfirmDialog
          title={`Delete template ${stored.name}?`}
          confirmLabel="Delete template"
          danger
          onConfirm={async () => {
            await api('DELETE', paths.template(stored.name));
            navigate('/templates');
          }}
          onClose={() => setDeleting(false)}
        >
          <p>{usedBy.length > 0 ? `It is used by ${usedBy.join(', ')}: detach or delete those devices first.` : 'No device uses it.'}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function GroupCard({
  group,
  index,
  schema,
  protocol,
  admin,
  errors,
  onChange,
}: {
  group: GroupConfig;
  index: number;
  schema: ConfigSchema;
  protocol: string;
  admin: boolean;
  errors: Record<string, string>;
  onChange: (g: GroupConfig | undefined) => void;
}) {
  const [importing, setImporting] = useState(false);
  const at = `groups[${index}]`;
  const setTag = (t: number, tag: TagConfig | undefined) => {
    const tags = [...group.tags];
    if (tag) tags[t] = tag;
    else tags.splice(t, 1);
    onChange({ ...group, tags });
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([tagsToCsv(group.tags)], { type: 'text/csv' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `${group.name}.csv` });
    a.click();
    URL.revokeObjectURL(url);
  };
  const types = schema.dataTypes;
  return (
    <fieldset class="card dv-card" disabled={!admin}>
      <legend class="dv-card-title">Group {group.name}</legend>
      <div class="dv-form-grid">
        <FormField label="Group name" error={errors[`${at}.name`]}>
          <input type="text" value={group.name} onInput={(e) => onChange({ ...group, name: e.currentTarget.value })} />
        </FormField>
        <FormField label="Interval (ms)" error={errors[`${at}.intervalMs`]}>
          <input
            type="text"
            inputMode="numeric"
            value={String(group.intervalMs)}
            onInput={(e) => onChange({ ...group, intervalMs: Number(e.currentTarget.value) })}
          />
        </FormField>
        {schema.protocols[protocol]?.subscribes && (
          <FormField label="Mode">
            <select value={group.mode ?? 'poll'} onChange={(e) => onChange({ ...group, mode: e.currentTarget.value as GroupConfig['mode'] })}>
              <option value="poll">poll</option>
              <option value="subscribe">subscribe</option>
            </select>
          </FormField>
        )}
      </div>
      <Table
        caption={`Tags of group ${group.name}`}
        class="table-compact"
        columns={['Name', 'Address', 'Type', 'Access', 'Unit', 'Description', actionsColumn()]}
      >
        {group.tags.map((tag, t) => {
          const cell = (key: 'name' | 'address' | 'unit' | 'description', label: string) => (
            <td>
              <input
                type="text"
                aria-label={`${label} of tag ${t + 1}`}
                value={(tag[key] as string | undefined) ?? ''}
                aria-invalid={errors[`${at}.tags[${t}].${key}`] ? 'true' : undefined}
                title={errors[`${at}.tags[${t}].${key}`]}
                onInput={(e) => setTag(t, { ...tag, [key]: e.currentTarget.value || undefined })}
              />
            </td>
          );
          return (
            <tr key={t}>
              {cell('name', 'Name')}
              {cell('address', 'Address')}
              <td>
                <select aria-label={`Type of tag ${t + 1}`} value={tag.type} onChange={(e) => setTag(t, { ...tag, type: e.currentTarget.value })}>
                  {types.map((x) => (
                    <option key={x}>{x}</option>
                  ))}
                </select>
              </td>
              <td>
                <select
                  aria-label={`Access of tag ${t + 1}`}
                  value={tag.access ?? 'read'}
                  onChange={(e) => setTag(t, { ...tag, access: e.currentTarget.value as TagConfig['access'] })}
                >
                  <option value="read">read</option>
                  <option value="readwrite">readwrite</option>
                </select>
              </td>
              {cell('unit', 'Unit')}
              {cell('description', 'Description')}
              <td>
                <button type="button" class="btn btn-small btn-ghost" aria-label={`Remove tag ${tag.name || t + 1}`} onClick={() => setTag(t, undefined)}>
                  ✕
                </button>
              </td>
            </tr>
          );
        })}
      </Table>
      {admin && (
        <div class="page-actions">
          <button type="button" class="btn btn-small" onClick={() => setTag(group.tags.length, { name: '', address: '', type: 'uint16', access: 'read' })}>
            Add tag
          </button>
          <button type="button" class="btn btn-small" onClick={() => setImporting(true)}>
            Import CSV…
          </button>
          <button type="button" class="btn btn-small" onClick={download} disabled={group.tags.length === 0}>
            Export CSV
          </button>
          <button type="button" class="btn btn-small dv-danger-text" onClick={() => onChange(undefined)}>
            Remove group
          </button>
        </div>
      )}
      {importing && <CsvReplaceDialog group={group} onClose={() => setImporting(false)} onDone={(tags) => onChange({ ...group, tags })} />}
    </fieldset>
  );
}

/** The group's tags from CSV (name,address,type,access,unit,description): a tag of the same name keeps its other settings (steps, deadband…). */
function CsvReplaceDialog({ group, onClose, onDone }: { group: GroupConfig; onClose: () => void; onDone: (tags: TagConfig[]) => void }) {
  const [text, setText] = useState('');
  const parsed = useMemo(() => (text.trim() ? tagsFromCsv(text) : undefined), [text]);
  const problems = parsed ? [...parsed.fileErrors, ...parsed.rowErrors.map((e) => `line ${parsed.rows[e.row]?.line ?? '?'}: ${e.message}`)] : [];
  const use = () => {
    if (!parsed) return;
    const old = new Map(group.tags.map((t) => [t.name, t]));
    onDone(parsed.rows.map((r) => ({ ...old.get(r.tag.name), ...r.tag }) as TagConfig));
    onClose();
  };
  return (
    <Modal
      title={`Tags of ${group.name} from CSV`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="btn btn-primary" disabled={!parsed || problems.length > 0 || parsed.rows.length === 0} onClick={use}>
            Use {parsed?.rows.length ?? 0} tags
          </button>
        </>
      }
    >
      <FormField
        label="CSV text or a paste from a spreadsheet"
        hint="A header row, then name,address,type,access,unit,description. It replaces the group's tags; save the template to apply."
      >
        <textarea rows={10} class="mono" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </FormField>
      {problems.length > 0 && (
        <ul class="field-error" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

/** Patterns a new device's connection starts from, per protocol. */
const CONNECTION_PATTERN: Record<string, string> = {
  modbus: 'host = 192.168.1.{n}\nunitId = 1',
  opcua: 'endpointUrl = opc.tcp://192.168.1.{n}:4840',
  s7: 'host = 192.168.1.{n}',
};

const recordFields = fieldsOf({
  type: 'object',
  properties: {
    connection: { type: 'object', patternProperties: { '^.+$': {} }, description: 'The address settings of each device. {n} is its number; {n+10} adds 10.' },
    parameters: { type: 'object', patternProperties: { '^.+$': {} }, description: "Values for the template's parameters; patterns allowed." },
    properties: { type: 'object', patternProperties: { '^.+$': {} }, description: 'Metadata of each device (serialNumber = SN-{n}, location…).' },
  },
});

function CreateDevicesDialog({ template, onClose }: { template: TemplateConfig; onClose: () => void }) {
  const [form, setForm] = useState({ count: 3, start: 1, name: `${template.name}-{n}` });
  const [records, setRecords] = useState<Record<string, unknown>>(() => {
    const connection = Object.fromEntries(
      (CONNECTION_PATTERN[template.protocol] ?? '')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' = ') as [string, string]),
    );
    return { connection, ...(template.parameters ? { parameters: template.parameters } : {}) };
  });
  const [preview, setPreview] = useState<{ name: string; connection: Record<string, unknown> }[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const body = () => ({ ...form, ...records });
  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await api<{ devices: { name: string; connection: Record<string, unknown> }[] }>(
        'POST',
        paths.templateDevices(template.name, dryRun),
        body(),
      );
      if (dryRun) setPreview(result.devices);
      else {
        onClose();
        navigate('/devices');
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const errors = fieldErrors(error);
  return (
    <Modal
      title={`Create devices from ${template.name}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="btn" onClick={() => run(true)} disabled={busy}>
            Preview
          </button>
          <button type="button" class="btn btn-primary" onClick={() => run(false)} disabled={busy || !preview}>
            Create {preview?.length ?? ''} devices
          </button>
        </>
      }
    >
      <div class="dv-form-grid">
        <FormField label="How many" error={errors.count}>
          <input type="text" inputMode="numeric" value={String(form.count)} onInput={(e) => setForm({ ...form, count: Number(e.currentTarget.value) })} />
        </FormField>
        <FormField label="First number (n)" error={errors.start}>
          <input type="text" inputMode="numeric" value={String(form.start)} onInput={(e) => setForm({ ...form, start: Number(e.currentTarget.value) })} />
        </FormField>
        <FormField label="Name pattern" error={errors.name} hint="{n} is the device's number, {n+10} adds 10.">
          <input type="text" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </FormField>
        <SchemaFields
          fields={recordFields}
          value={records}
          onChange={(next) => {
            setRecords(next);
            setPreview(undefined);
          }}
          errors={errors}
        />
      </div>
      <ErrorBanner error={error} title="The devices were not made" />
      {preview && (
        <Table caption="Devices to be made" class="table-compact" columns={['Device', 'Connection']}>
          {preview.map((d) => (
            <tr key={d.name}>
              <td>{d.name}</td>
              <td class="mono">
                {Object.entries(d.connection)
                  .map(([k, v]) => `${k}=${String(v)}`)
                  .join(' ')}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Modal>
  );
}
