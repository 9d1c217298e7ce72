/**
 * A device's or a template's groups: one tab per group with its interval,
 * mode and tags; admins add, edit and delete groups (subscribe mode only
 * where the protocol has subscriptions, with its queue size and deadband).
 */
import { useCallback, useMemo, useRef, useState } from 'preact/hooks';
import { can, type ErrorDetail, type User } from '../../api.ts';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { FormActions } from '../../components/form-field.tsx';
import { formatCount, formatMs } from '../../components/format.ts';
import type { DeviceStatus } from '../../components/gateway-types.ts';
import { ConfirmDialog, Modal } from '../../components/modal.tsx';
import { EmptyState } from '../../components/page-header.tsx';
import { tabAfterKey } from '../../components/tab-keys.ts';
import type { ConfigSchema, GroupConfig } from './config-api.ts';
import { detailsOf, placeDetails, unplacedError } from './error-paths.ts';
import { type GroupsOwner, tagDetails } from './groups-owner.ts';
import { ProblemList } from './problem-list.tsx';
import { allPaths, checkAll, defaultsOf, type Field, fieldsOf } from './schema-fields.ts';
import { SchemaFields } from './schema-form.tsx';
import { TagTable } from './tag-table.tsx';

interface GroupsProps {
  owner: GroupsOwner;
  schema: ConfigSchema;
  user: User;
  status?: DeviceStatus;
  onChanged: () => Promise<void>;
  /** The gateway's problems with these groups from a save made elsewhere (the whole template): `groups[i]…`. */
  problems?: readonly ErrorDetail[];
}

/** The group named in the page's query (#/devices/D?group=fast), so that a reload keeps it. */
const groupInHash = () => new URLSearchParams(location.hash.split('?')[1] ?? '').get('group') ?? undefined;

export function GroupsSection({ owner, schema, user, status, onChanged, problems = [] }: GroupsProps) {
  const admin = can(user, 'admin');
  const [selected, setSelected] = useState<string | undefined>(groupInHash);
  const [editing, setEditing] = useState<GroupConfig | 'new'>();
  const [deleting, setDeleting] = useState<GroupConfig>();
  const tabs = useRef<HTMLDivElement>(null);
  const groups = owner.groups;
  const group = groups.find((g) => g.name === selected) ?? groups[0];
  const groupIndex = group ? groups.indexOf(group) : -1;
  const subscribes = schema.protocols[owner.protocol]?.subscribes ?? false;
  const templated = !!owner.device?.template;
  /** Groups with a problem from the last save elsewhere, and the shown group's own (not its tags'). */
  const faulted = new Set(problems.flatMap((d) => /^groups\[(\d+)\]/.exec(d.path)?.[1] ?? []).map(Number));
  const groupProblems = problems.filter((d) => d.path.startsWith(`groups[${groupIndex}].`) && !d.path.startsWith(`groups[${groupIndex}].tags[`));

  /** True while the shown group's tag table has unsaved edits. */
  const tagsDirty = useRef(false);
  const onDirty = useCallback((dirty: boolean) => {
    tagsDirty.current = dirty;
  }, []);

  const select = (name: string) => {
    if (name !== group?.name && tagsDirty.current && !window.confirm(`The tags of ${group?.name} have unsaved changes. Leave them unsaved?`)) return;
    setSelected(name);
    const [path] = location.hash.split('?');
    history.replaceState(null, '', `${path}?group=${encodeURIComponent(name)}`);
  };

  const onTabKey = (e: KeyboardEvent, index: number) => {
    const to = tabAfterKey(e.key, index, groups.length);
    if (to === undefined) return;
    e.preventDefault();
    const g = groups[to];
    if (!g) return;
    select(g.name);
    tabs.current?.querySelectorAll<HTMLElement>('[role="tab"]')[to]?.focus();
  };

  const stats = (name: string) => status?.groups.find((g) => g.name === name);

  return (
    <section class="card dv-card dv-groups" aria-labelledby="dv-groups-title">
      <div class="dv-section-head">
        <h2 id="dv-groups-title">{templated ? 'Its own groups and tags' : 'Groups and tags'}</h2>
        {admin && (
          <button type="button" class="btn" onClick={() => setEditing('new')}>
            Add group
          </button>
        )}
      </div>
      {groups.length === 0 ? (
        <EmptyState title={templated ? 'No groups of its own: its tags come from the template' : 'No groups yet'}>
          <p>
            A group is a set of tags the gateway reads together, at one interval (say 1000 ms for process values, 100 ms for fast signals).
            {admin ? ' Add a group, then its tags: one by one, as a numbered range, or from a CSV file.' : ' An administrator adds them.'}
          </p>
          {admin && (
            <p>
              <button type="button" class="btn btn-primary" onClick={() => setEditing('new')}>
                Add group
              </button>
            </p>
          )}
        </EmptyState>
      ) : (
        <>
          <div class="dv-tabs" role="tablist" aria-label="Groups" ref={tabs}>
            {groups.map((g, i) => {
              const active = g === group;
              return (
                <button
                  key={g.name}
                  type="button"
                  role="tab"
                  id={`dv-tab-${i}`}
                  aria-selected={active}
                  aria-controls="dv-group-panel"
                  tabIndex={active ? 0 : -1}
                  class={`dv-tab${active ? ' dv-tab-active' : ''}`}
                  onClick={() => select(g.name)}
                  onKeyDown={(e) => onTabKey(e, i)}
                >
                  <span class="dv-tab-name">
                    {g.name}
                    {faulted.has(i) && <span class="field-error"> · problems</span>}
                  </span>
                  <span class="dv-tab-meta">
                    {formatCount(g.tags.length)} tag{g.tags.length === 1 ? '' : 's'} · {formatMs(g.intervalMs)}
                  </span>
                </button>
              );
            })}
          </div>
          {group && (
            <div role="tabpanel" id="dv-group-panel" aria-labelledby={`dv-tab-${groupIndex}`} class="dv-group-panel">
              <div class="dv-group-summary">
                <p>
                  <strong>{group.mode === 'subscribe' ? 'Subscribed' : 'Polled'}</strong>{' '}
                  {group.mode === 'subscribe'
                    ? `(sampling every ${formatMs(group.intervalMs)}, queue ${String((group.subscription as { queueSize?: number })?.queueSize ?? 10)})`
                    : `every ${formatMs(group.intervalMs)}`}
                  {stats(group.name) && (
                    <span class="muted">
                      {' '}
                      · {formatCount(stats(group.name)?.cycles)} cycles
                      {(stats(group.name)?.overruns ?? 0) > 0 && (
                        <span class="text-warn">, {formatCount(stats(group.name)?.overruns)} overruns (the interval is shorter than a read)</span>
                      )}
                      {stats(group.name)?.lastCycleMs !== undefined && <>, last read {formatMs(stats(group.name)?.lastCycleMs)}</>}
                    </span>
                  )}
                </p>
                {admin && (
                  <div class="page-actions">
                    <button type="button" class="btn btn-small" onClick={() => setEditing(group)} aria-label={`Edit group ${group.name}`}>
                      Edit group
                    </button>
                    <button
                      type="button"
                      class="btn btn-small btn-ghost dv-danger-text"
                      onClick={() => setDeleting(group)}
                      aria-label={`Delete group ${group.name}`}
                    >
                      Delete group
                    </button>
                  </div>
                )}
              </div>
              <ProblemList details={groupProblems} device={owner} />
              <TagTable
                key={group.name}
                owner={owner}
                group={group}
                schema={schema}
                user={user}
                status={status}
                onSaved={onChanged}
                onDirty={onDirty}
                problems={owner.inMemory ? tagDetails(problems, groupIndex) : undefined}
              />
            </div>
          )}
        </>
      )}
      {editing && (
        <GroupDialog
          owner={owner}
          schema={schema}
          group={editing === 'new' ? undefined : editing}
          subscribes={subscribes}
          onClose={() => setEditing(undefined)}
          onSaved={async (g) => {
            setEditing(undefined);
            await onChanged();
            select(g.name);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete group ${deleting.name}?`}
          confirmLabel={`Delete group ${deleting.name}`}
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await owner.deleteGroup(deleting.name);
            setSelected(undefined);
            await onChanged();
          }}
        >
          <p>
            {owner.device ? 'The gateway stops reading group' : 'The template loses group'} <strong>{deleting.name}</strong>
            {owner.device ? ` of ${owner.name}` : ''}, and its {deleting.tags.length} tag
            {deleting.tags.length === 1 ? '' : 's'} are deleted with it.{owner.inMemory ? ' Save the template to apply it.' : ''}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface GroupDialogProps {
  owner: GroupsOwner;
  schema: ConfigSchema;
  group?: GroupConfig;
  subscribes: boolean;
  onClose: () => void;
  onSaved: (g: GroupConfig) => Promise<void>;
}

function GroupDialog({ owner, schema, group, subscribes, onClose, onSaved }: GroupDialogProps) {
  const fields = useMemo(() => fieldsOf(schema.group, '', ['tags']), [schema]);
  const [draft, setDraft] = useState<Record<string, unknown>>(() => {
    if (group) {
      const { tags: _tags, ...rest } = group;
      return structuredClone(rest);
    }
    const defaults = defaultsOf(fields);
    return { ...defaults, name: owner.groups.length === 0 ? 'main' : '' };
  });
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  /** A name another group of the template has (a device's gateway says so itself). */
  const [nameTaken, setNameTaken] = useState<string>();

  const visible = (f: Field, parent: Record<string, unknown>) => {
    if (f.path === 'mode') return subscribes;
    if (f.path === 'subscription') return parent.mode === 'subscribe';
    return true;
  };
  const change = (next: Record<string, unknown>) => {
    // Subscribe mode needs its subscription settings; back to polling drops them.
    if (next.mode === 'subscribe' && next.subscription === undefined) {
      const sub = fields.find((f) => f.key === 'subscription');
      next = { ...next, subscription: defaultsOf(sub?.fields ?? []) };
    }
    if (next.mode !== 'subscribe' && next.subscription !== undefined) {
      const { subscription: _s, ...rest } = next;
      next = rest;
    }
    setDraft(next);
  };

  const local = tried ? checkAll(fields, draft, visible) : {};
  if (tried && !String(draft.name ?? '').trim()) local.name = 'is required';
  else if (nameTaken && String(draft.name ?? '').trim() === nameTaken) local.name = `there is a group "${nameTaken}" already`;
  const placed = placeDetails(detailsOf(error), allPaths(fields));
  const errors = { ...placed.byPath, ...local };

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    const problems = checkAll(fields, draft, visible);
    if (!String(draft.name ?? '').trim()) problems.name = 'is required';
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(undefined);
    const body = { ...draft, name: String(draft.name).trim(), tags: group?.tags ?? [] } as GroupConfig;
    const name = body.name;
    if (owner.groups.some((g) => g.name === name && g !== group)) {
      setError(undefined);
      setTried(true);
      setBusy(false);
      setNameTaken(name);
      return;
    }
    try {
      await onSaved(await owner.putGroup(group?.name, body));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={group ? `Edit group ${group.name}` : `Add a group to ${owner.name}`} onClose={onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <div class="dv-form-grid">
          <SchemaFields fields={fields} value={draft} onChange={change} errors={errors} visible={visible} />
        </div>
        {!subscribes && <p class="note small">{owner.protocol} devices are polled: the gateway reads the group's tags every interval.</p>}
        <ProblemList details={placed.other} />
        <ErrorBanner error={unplacedError(error)} title="The group was not saved" />
        <FormActions onCancel={onClose} busy={busy} label={group ? 'Save group' : 'Add group'} busyLabel="Saving…" />
      </form>
    </Modal>
  );
}
