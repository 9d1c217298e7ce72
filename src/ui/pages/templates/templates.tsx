/**
 * #/templates: device templates (groups and tags defined once for many
 * devices), the devices made from each, and the ready-made library;
 * #/templates/new and #/templates/:name: a template's settings, and its
 * groups and tags in the same editors as a device's (kept in the page's
 * draft), saved after a preview of the devices and tags the change touches;
 * devices made from it in one step.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, can, type User } from '../../api.ts';
import { actionsColumn, DataTable, Table } from '../../components/data-table.tsx';
import { Banner, ErrorBanner } from '../../components/error-banner.tsx';
import { FormField } from '../../components/form-field.tsx';
import type { TemplateConfig } from '../../components/gateway-types.ts';
import { ConfirmDialog, Modal } from '../../components/modal.tsx';
import { EmptyState, Loading, PageHeader } from '../../components/page-header.tsx';
import { href, navigate } from '../../components/route.ts';
import { useApi } from '../../components/use-api.ts';
import { type ConfigSchema, paths, type TagConfig, tagCount, useConfigSchema } from '../devices/config-api.ts';
import { detailsOf, placeDetails, unplacedError } from '../devices/error-paths.ts';
import { GroupsSection } from '../devices/groups.tsx';
import { templateOwner } from '../devices/groups-owner.ts';
import { ProblemBanner } from '../devices/problem-list.tsx';
import { protocolLabel } from '../devices/protocol-hints.ts';
import { allPaths, fieldsOf } from '../devices/schema-fields.ts';
import { SchemaFields } from '../devices/schema-form.tsx';
import { cleanTag } from '../devices/tag-checks.ts';
import { useWarnUnsaved } from '../devices/use-unsaved.ts';
import { CreateDevicesDialog } from './create-devices-dialog.tsx';
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

const blankTemplate = (protocol: string): TemplateConfig => ({
  name: '',
  protocol,
  connection: {},
  groups: [{ name: 'main', intervalMs: 1000, mode: 'poll', tags: [] }],
});
const withoutUsage = ({ usedBy: _u, ...t }: Listed): TemplateConfig => t;
/** The template as sent: its tags trimmed, empty optional columns left out (as the device tag table saves them). */
const cleaned = (t: TemplateConfig): TemplateConfig => ({
  ...t,
  name: t.name.trim(),
  groups: t.groups.map((g) => ({ ...g, tags: g.tags.map((x) => cleanTag(x) as TagConfig) })),
});

function TemplateEditor({ user, schema, stored, reload }: { user: User; schema: ConfigSchema; stored?: Listed; reload: () => Promise<void> }) {
  const admin = can(user, 'admin');
  const protocols = Object.keys(schema.protocols);
  const [blank] = useState(() => blankTemplate(protocols[0] ?? 'modbus'));
  const [draft, setDraft] = useState<TemplateConfig>(() => (stored ? withoutUsage(structuredClone(stored)) : blank));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<Affected[]>();
  const [notice, setNotice] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const settingFields = useMemo(() => {
    const connectionKeys = Object.keys(schema.protocols[draft.protocol]?.connection.properties ?? {});
    // The connection defaults offer the protocol's settings by name.
    return fieldsOf(schema.template, '', ['name', 'protocol', 'description', 'groups', 'oee']).map((f) =>
      f.key === 'connection' ? { ...f, suggest: connectionKeys } : f,
    );
  }, [schema, draft.protocol]);
  const details = detailsOf(error);
  const placed = placeDetails(
    details.filter((d) => !d.path.startsWith('groups[')),
    ['name', 'protocol', 'description', ...allPaths(settingFields)],
  );
  const errors = placed.byPath;
  const groupProblems = details.filter((d) => d.path.startsWith('groups[')).length;
  const dirty = JSON.stringify(draft) !== JSON.stringify(stored ? withoutUsage(stored) : blank);
  useWarnUnsaved(dirty && admin);
  const usedBy = stored?.usedBy ?? [];
  // After a save the stored template comes back with the gateway's defaults filled in: edit that.
  useEffect(() => {
    if (stored) setDraft(withoutUsage(structuredClone(stored)));
  }, [stored]);
  const owner = templateOwner({ draft, update: setDraft, stored: stored?.name });

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      if (!stored) {
        const made = await api<Listed>('POST', paths.templates, cleaned(draft));
        navigate(`/templates/${encodeURIComponent(made.name)}`);
        return;
      }
      const dry = await api<{ affected: Affected[] }>('PUT', paths.template(stored.name, true), cleaned(draft));
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
    const body = cleaned(draft);
    const result = await api<{ affected: Affected[] }>('PUT', paths.template(stored.name, false), body);
    setPreview(undefined);
    if (body.name !== stored.name) {
      navigate(`/templates/${encodeURIComponent(body.name)}`);
      return;
    }
    await reload();
    const touched = result.affected.filter((a) => a.added.length + a.removed.length + a.changed.length > 0);
    setNotice(touched.length === 0 ? 'Saved.' : `Saved. ${touched.map((a) => a.device).join(', ')} restarted with the new tags (each with a new DBIRTH).`);
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
          <button
            type="button"
            class="btn"
            onClick={() => setCreating(true)}
            disabled={dirty}
            title={dirty ? 'Save or discard the changes first: devices are made from the saved template.' : undefined}
          >
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
      </form>

      <GroupsSection owner={owner} schema={schema} user={user} onChanged={async () => {}} problems={details} />

      <ProblemBanner title="Also wrong:" details={placed.other} device={draft} />
      <ErrorBanner error={unplacedError(error)} title="The template was not saved" />
      {details.length > 0 && (
        <p class="field-error" role="alert">
          The template was not saved: {details.length} problem{details.length === 1 ? '' : 's'}
          {groupProblems > 0 ? `, ${groupProblems} of them in the groups and tags (marked there)` : ''}.
        </p>
      )}
      {admin && (
        <div class="form-actions dv-template-actions">
          {dirty && stored && <span class="muted dv-unsaved">Unsaved changes</span>}
          {dirty && stored && (
            <button
              type="button"
              class="btn"
              onClick={() => {
                setDraft(withoutUsage(structuredClone(stored)));
                setError(undefined);
              }}
            >
              Discard changes
            </button>
          )}
          <button type="button" class="btn btn-primary" disabled={busy || (!!stored && !dirty)} onClick={save}>
            {busy ? 'Checking…' : stored ? 'Save template' : 'Create template'}
          </button>
        </div>
      )}

      {preview && stored && (
        <ConfirmDialog
          title={`Apply the change to ${preview.length} device${preview.length === 1 ? '' : 's'}?`}
          confirmLabel="Apply and restart them"
          onConfirm={apply}
          onClose={() => setPreview(undefined)}
        >
          <p>
            Each device below restarts with the template's new tags, with a DDEATH and a new DBIRTH. Tags a device overrides keep its settings for what it
            overrides.
          </p>
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
      {creating && stored && <CreateDevicesDialog template={stored} schema={schema} onClose={() => setCreating(false)} />}
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
          <p>
            {usedBy.length > 0
              ? `It is used by ${usedBy.join(', ')}: the gateway refuses to delete it until they are detached (on each device's page) or deleted.`
              : 'No device uses it. Its groups and tags are gone with it.'}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
