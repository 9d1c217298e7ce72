/**
 * The tags of one group in an editable table: edit in place, add, delete,
 * then save the whole list at once (a device's: PUT …/tags); every problem
 * sits on its row and column. Ranges, CSV imports and the OPC UA browser add
 * tags directly after a dry run. A tag's other settings (metadata, steps,
 * deadband…) are edited in its settings dialog. The group may be a
 * template's, kept in the page's draft: then every edit goes straight into
 * it and the template's own Save applies it. Viewers and operators see a
 * plain table.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { can, type ErrorDetail, type User } from '../../api.ts';
import { actionsColumn, DataTable, shownColumns } from '../../components/data-table.tsx';
import { Banner, ErrorBanner } from '../../components/error-banner.tsx';
import { formatValue } from '../../components/format.ts';
import type { DeviceStatus, TagValue } from '../../components/gateway-types.ts';
import { EmptyState } from '../../components/page-header.tsx';
import { QualityBadge } from '../../components/status-badge.tsx';
import { useApi } from '../../components/use-api.ts';
import { BrowseDialog } from './browse-dialog.tsx';
import type { ConfigSchema, GroupConfig } from './config-api.ts';
import { paths } from './config-api.ts';
import { tagsToCsv } from './csv.ts';
import { CsvImportDialog } from './csv-dialog.tsx';
import { detailsOf, errorsByRow, rowDetails, unplacedError } from './error-paths.ts';
import type { GroupsOwner } from './groups-owner.ts';
import { ProblemBanner } from './problem-list.tsx';
import { PROTOCOL_HINTS } from './protocol-hints.ts';
import { RangeDialog } from './range-dialog.tsx';
import { ACCESS_VALUES, checkTags, cleanTag, namesOutside, type RowError, type TagDraft } from './tag-checks.ts';
import { TagSettingsDialog } from './tag-settings-dialog.tsx';
import { useWarnUnsaved } from './use-unsaved.ts';

interface Row {
  id: number;
  tag: TagDraft;
}

let nextId = 1;
const rowsOf = (tags: readonly TagDraft[]): Row[] => tags.map((t) => ({ id: nextId++, tag: structuredClone(t) }));
const PAGE = 100;

interface TagTableProps {
  owner: GroupsOwner;
  group: GroupConfig;
  schema: ConfigSchema;
  user: User;
  status?: DeviceStatus;
  onSaved: () => Promise<void>;
  /** Told when the table gets or loses unsaved edits (so that switching groups can ask first). */
  onDirty?: (dirty: boolean) => void;
  /** The gateway's problems with these tags from a save made elsewhere (the whole template): `tags[i].field`. */
  problems?: readonly ErrorDetail[];
}

export function TagTable({ owner, group, schema, user, status, onSaved, onDirty, problems }: TagTableProps) {
  const admin = can(user, 'admin');
  const device = owner.device;
  const saved: TagDraft[] = group.tags;
  const [rows, setRows] = useState<Row[]>(() => rowsOf(saved));
  const [base, setBase] = useState(saved);
  const [filter, setFilter] = useState('');
  const [onlyProblems, setOnlyProblems] = useState(false);
  const [limit, setLimit] = useState(PAGE);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  /** The gateway's answer to the last save, by row id. */
  const [server, setServer] = useState<{ rows: (RowError & { id: number })[]; other: ErrorDetail[]; error?: unknown }>({ rows: [], other: [] });
  const [notice, setNotice] = useState<string>();
  const [dialog, setDialog] = useState<'range' | 'csv' | 'browse'>();
  /** The row whose other settings are open in the dialog. */
  const [settingsOf, setSettingsOf] = useState<number>();
  const tableRef = useRef<HTMLTableElement>(null);
  const focusRow = useRef<number | undefined>(undefined);

  // In memory the table is the owner's list: nothing of its own to save.
  const dirty = !owner.inMemory && JSON.stringify(rows.map((r) => r.tag)) !== JSON.stringify(base);
  useWarnUnsaved(dirty);
  useEffect(() => {
    onDirty?.(dirty);
    return () => onDirty?.(false);
  }, [dirty, onDirty]);
  // A reload after a save (or another page's change) brings new tags: take them unless the user is editing.
  useEffect(() => {
    if (owner.inMemory) {
      // Only a change from outside (a CSV import, a range) differs from the rows: the table's own edits come back equal.
      if (JSON.stringify(saved) !== JSON.stringify(rows.map((r) => r.tag))) setRows(rowsOf(saved));
      return;
    }
    if (JSON.stringify(saved) === JSON.stringify(base)) return;
    if (!dirty) {
      setRows(rowsOf(saved));
      setBase(saved);
    }
  }, [saved]);

  useEffect(() => {
    if (focusRow.current === undefined) return;
    tableRef.current?.querySelector<HTMLInputElement>(`[data-row="${focusRow.current}"] input`)?.focus();
    focusRow.current = undefined;
  });

  const values = useApi<TagValue[]>(device?.enabled ? paths.values(device.name) : undefined, 2000);
  const liveByTag = useMemo(() => new Map((values.data ?? []).map((v) => [v.tag, v])), [values.data]);
  const hints = PROTOCOL_HINTS[owner.protocol];
  const addressHelp = schema.protocols[owner.protocol]?.addressHelp ?? hints?.addressHelp;

  const taken = useMemo(() => namesOutside(owner.groups, group.name), [owner.groups, group.name]);
  const fromOutside = useMemo(() => rowDetails(problems ?? [], 'tags'), [problems]);
  const localErrors = checkTags(
    rows.map((r) => r.tag),
    { dataTypes: schema.dataTypes, taken },
  ).filter((e) => tried || fromOutside.rows.length > 0 || e.message !== 'is required');
  const idErrors = [
    ...localErrors.map((e) => ({ ...e, id: rows[e.row]?.id ?? -1 })),
    ...server.rows.filter((e) => rows.some((r) => r.id === e.id)),
    ...fromOutside.rows.map((e) => ({ ...e, id: rows[e.row]?.id ?? -1 })),
  ];
  const byId = errorsByRow(idErrors.map((e) => ({ ...e, row: e.id })));
  const problemRows = new Set(idErrors.map((e) => e.id));

  /** The new rows; in memory they go straight into the owner. */
  const change = (next: Row[]) => {
    setRows(next);
    if (owner.inMemory)
      void owner.putTags(
        group.name,
        next.map((r) => r.tag),
        'replace',
        false,
      );
  };
  const update = (id: number, patch: Partial<TagDraft>) => {
    change(rows.map((r) => (r.id === id ? { ...r, tag: { ...r.tag, ...patch } } : r)));
    setNotice(undefined);
  };
  /** A tag's settings replaced as a whole (the settings dialog leaves keys out). */
  const replace = (id: number, tag: TagDraft) => change(rows.map((r) => (r.id === id ? { ...r, tag } : r)));
  const remove = (id: number) => change(rows.filter((r) => r.id !== id));
  const addRow = () => {
    const last = rows[rows.length - 1]?.tag;
    const type = last?.type ?? (schema.dataTypes.includes('float32') ? 'float32' : (schema.dataTypes[0] ?? 'int16'));
    const row = { id: nextId++, tag: { name: '', address: '', type, access: 'read' } };
    change([...rows, row]);
    setFilter('');
    setOnlyProblems(false);
    setLimit(Math.max(limit, rows.length + 1));
    focusRow.current = row.id;
  };
  const discard = () => {
    setRows(rowsOf(saved));
    setBase(saved);
    setServer({ rows: [], other: [] });
    setTried(false);
  };

  const save = async () => {
    setTried(true);
    setNotice(undefined);
    const tags = rows.map((r) => cleanTag(r.tag));
    const problems = checkTags(tags, { dataTypes: schema.dataTypes, taken });
    if (problems.length > 0) {
      setServer({ rows: [], other: [] });
      setOnlyProblems(problems.length > 0 && rows.length > PAGE);
      return;
    }
    setBusy(true);
    const ids = rows.map((r) => r.id);
    try {
      await owner.putTags(group.name, tags, 'replace', false);
      setServer({ rows: [], other: [] });
      setTried(false);
      setBase(tags);
      setRows(rowsOf(tags));
      setNotice(`Saved ${tags.length} tag${tags.length === 1 ? '' : 's'} of group ${group.name}.${owner.afterSave}`);
      await onSaved();
    } catch (err) {
      const mapped = rowDetails(detailsOf(err), 'tags');
      setServer({ rows: mapped.rows.map((e) => ({ ...e, id: ids[e.row] ?? -1 })), other: mapped.other, error: unplacedError(err) });
    } finally {
      setBusy(false);
    }
  };

  const added = async (message: string) => {
    setDialog(undefined);
    setNotice(message);
    await onSaved();
  };

  const exportCsv = () => {
    const blob = new Blob([tagsToCsv(saved)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${owner.name}-${group.name}-tags.csv`.replace(/[^\w.-]+/g, '_');
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const settingsRow = rows.find((r) => r.id === settingsOf);
  const needle = filter.trim().toLowerCase();
  const shown = rows.filter(
    (r) =>
      (!onlyProblems || problemRows.has(r.id)) &&
      (!needle || [r.tag.name, r.tag.address, r.tag.type, r.tag.unit, r.tag.description].some((v) => v?.toLowerCase().includes(needle))),
  );
  const visibleRows = shown.slice(0, limit);
  const browsable = device?.protocol === 'opcua';
  const connected = status?.connection.state === 'connected';
  const editBlocked = dirty ? 'Save or discard your edits in the table first.' : undefined;
  const columns = [
    'Name',
    {
      label: 'Address',
      after: addressHelp && (
        <>
          {' '}
          <span class="dv-help" title={addressHelp}>
            <span aria-hidden="true">?</span>
            <span class="visually-hidden">({addressHelp})</span>
          </span>
        </>
      ),
    },
    'Type',
    'Access',
    'Unit',
    'Description',
    device && 'Value',
    actionsColumn(admin ? 'Settings and delete' : 'Settings'),
  ];

  return (
    <div class="dv-tags">
      <div class="dv-tags-toolbar">
        {rows.length > 0 && (
          <div class="field dv-filter">
            <label for="dv-tag-filter" class="visually-hidden">
              Filter tags
            </label>
            <input
              id="dv-tag-filter"
              type="search"
              placeholder="Filter by name, address, type…"
              value={filter}
              onInput={(e) => setFilter(e.currentTarget.value)}
            />
          </div>
        )}
        <div class="page-actions">
          {admin && (
            <>
              <button type="button" class="btn" onClick={addRow}>
                Add tag
              </button>
              <button type="button" class="btn" onClick={() => setDialog('range')} disabled={!!editBlocked} title={editBlocked}>
                Add range…
              </button>
              <button type="button" class="btn" onClick={() => setDialog('csv')} disabled={!!editBlocked} title={editBlocked}>
                Import CSV…
              </button>
              {browsable && (
                <button
                  type="button"
                  class="btn"
                  onClick={() => setDialog('browse')}
                  disabled={!!editBlocked || !connected}
                  title={editBlocked ?? (connected ? undefined : 'The device must be enabled and connected to browse its server.')}
                >
                  Browse server…
                </button>
              )}
            </>
          )}
          <button type="button" class="btn" onClick={exportCsv} disabled={saved.length === 0}>
            Export CSV
          </button>
        </div>
      </div>
      {admin && browsable && !connected && <p class="note small">To pick tags from the server’s address space, the device must be enabled and connected.</p>}
      {editBlocked && admin && <p class="note small">{editBlocked} Ranges, imports and the browser add tags to the saved list.</p>}
      {notice && <Banner tone="good">{notice}</Banner>}

      {rows.length === 0 ? (
        <EmptyState title={`Group ${group.name} has no tags yet`} class="dv-empty-tags">
          {admin ? (
            <p>
              Add tags one by one with <strong>Add tag</strong>, a numbered series (say 50 temperatures at 40001, 40003, …) with <strong>Add range</strong>, or
              a list from a spreadsheet with <strong>Import CSV</strong>
              {browsable ? (
                <>
                  , or pick them with <strong>Browse server</strong>
                </>
              ) : null}
              .
            </p>
          ) : (
            <p>An administrator adds the tags.</p>
          )}
          {addressHelp && <p class="muted small">Addresses: {addressHelp}</p>}
        </EmptyState>
      ) : (
        <DataTable
          caption={`Tags of group ${group.name}`}
          class="dv-table"
          wrapClass="dv-tags-wrap"
          tableRef={tableRef}
          columns={columns}
          footer={
            <div class="table-footer dv-tags-footer">
              <span>
                {shown.length === rows.length ? `${rows.length} tag${rows.length === 1 ? '' : 's'}` : `${shown.length} of ${rows.length} tags shown`}
                {visibleRows.length < shown.length && (
                  <>
                    {' · '}
                    <button type="button" class="btn-link" onClick={() => setLimit(limit + PAGE * 5)}>
                      Show {Math.min(PAGE * 5, shown.length - visibleRows.length)} more
                    </button>
                  </>
                )}
              </span>
              {problemRows.size > 0 && (
                <label class="check">
                  <input type="checkbox" checked={onlyProblems} onChange={(e) => setOnlyProblems(e.currentTarget.checked)} />
                  Only the {problemRows.size} row{problemRows.size === 1 ? '' : 's'} with problems
                </label>
              )}
            </div>
          }
        >
          {visibleRows.map((r) => {
            const index = rows.indexOf(r) + 1;
            const errs = byId.get(r.id);
            const live = liveByTag.get(r.tag.name);
            return [
              <tr key={r.id} data-row={r.id} class={errs ? 'dv-row-invalid' : undefined}>
                {admin ? (
                  <>
                    <Cell row={index} column="name" errors={errs} value={r.tag.name} onInput={(v) => update(r.id, { name: v })} />
                    <Cell
                      row={index}
                      column="address"
                      errors={errs}
                      value={r.tag.address ?? ''}
                      placeholder={r.tag.compute ? 'computed' : hints?.addressExample}
                      onInput={(v) => update(r.id, { address: v })}
                      mono
                    />
                    <td class="dv-cell">
                      <select
                        class="dv-input"
                        aria-label={`Row ${index}: type`}
                        aria-invalid={errs?.get('type') ? 'true' : undefined}
                        value={r.tag.type}
                        onChange={(e) => update(r.id, { type: e.currentTarget.value })}
                      >
                        {!schema.dataTypes.includes(r.tag.type) && <option value={r.tag.type}>{r.tag.type || '—'}</option>}
                        {schema.dataTypes.map((t) => (
                          <option key={t} value={t}>
                            {t}
                          </option>
                        ))}
                      </select>
                      <CellErrors messages={errs?.get('type')} />
                    </td>
                    <td class="dv-cell">
                      <select
                        class="dv-input"
                        aria-label={`Row ${index}: access`}
                        aria-invalid={errs?.get('access') ? 'true' : undefined}
                        value={r.tag.access ?? 'read'}
                        onChange={(e) => update(r.id, { access: e.currentTarget.value })}
                      >
                        {ACCESS_VALUES.map((a) => (
                          <option key={a} value={a}>
                            {a === 'read' ? 'read' : 'read/write'}
                          </option>
                        ))}
                      </select>
                      <CellErrors messages={errs?.get('access')} />
                    </td>
                    <Cell row={index} column="unit" errors={errs} value={r.tag.unit ?? ''} onInput={(v) => update(r.id, { unit: v })} narrow />
                    <Cell row={index} column="description" errors={errs} value={r.tag.description ?? ''} onInput={(v) => update(r.id, { description: v })} />
                  </>
                ) : (
                  <>
                    <th scope="row" class="dv-name-cell">
                      {r.tag.name}
                    </th>
                    <td class="mono">{r.tag.address ?? (r.tag.compute ? <span class="muted">computed</span> : '—')}</td>
                    <td>{r.tag.type}</td>
                    <td>{r.tag.access === 'readwrite' ? 'read/write' : 'read'}</td>
                    <td>{r.tag.unit ?? ''}</td>
                    <td class="cell-wrap">{r.tag.description ?? ''}</td>
                  </>
                )}
                {device && (
                  <td class="value-cell dv-value">
                    {live ? (
                      <>
                        {formatValue(live.value, r.tag.type)}
                        {r.tag.unit && live.value !== null && <span class="unit">{r.tag.unit}</span>}
                        {live.quality !== 'good' && (
                          <>
                            {' '}
                            <QualityBadge quality={live.quality} title={live.reason} />
                          </>
                        )}
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                )}
                <td class="dv-cell dv-cell-action">
                  <span class="dv-row-actions">
                    <button
                      type="button"
                      class="btn btn-small btn-ghost"
                      onClick={() => setSettingsOf(r.id)}
                      aria-label={`Settings of tag ${r.tag.name || `in row ${index}`}`}
                    >
                      Settings…
                    </button>
                    {admin && (
                      <button
                        type="button"
                        class="btn btn-small btn-ghost dv-danger-text"
                        onClick={() => remove(r.id)}
                        aria-label={`Delete tag ${r.tag.name || `in row ${index}`}`}
                      >
                        Delete
                      </button>
                    )}
                  </span>
                  {extrasOf(r.tag) && <span class="cell-sub">{extrasOf(r.tag)}</span>}
                </td>
              </tr>,
              errs?.get('') && (
                <tr key={`${r.id}-e`} class="dv-row-errors">
                  <td colSpan={shownColumns(columns).length}>
                    <CellErrors messages={errs.get('')} prefix={`Row ${index}: `} />
                  </td>
                </tr>
              ),
            ];
          })}
        </DataTable>
      )}

      <ProblemBanner title="The tags were not saved:" details={[...server.other, ...fromOutside.other]} device={owner} />
      <ErrorBanner error={server.error} title="The tags were not saved" />
      {admin && (dirty || idErrors.length > 0) && (
        <section class="dv-save-bar" aria-label="Unsaved tag changes">
          {idErrors.length > 0 ? (
            <span class="field-error" role="alert">
              {problemRows.size} row{problemRows.size === 1 ? ' has' : 's have'} problems: see the marks in the table.
            </span>
          ) : (
            <span class="muted">Unsaved changes to the tags of {group.name}.</span>
          )}
          <div class="form-actions">
            <button type="button" class="btn" onClick={discard} disabled={busy}>
              Discard changes
            </button>
            <button type="button" class="btn btn-primary" onClick={save} disabled={busy || !dirty}>
              {busy ? 'Saving…' : 'Save tags'}
            </button>
          </div>
        </section>
      )}

      {dialog === 'range' && <RangeDialog owner={owner} group={group} schema={schema} onClose={() => setDialog(undefined)} onAdded={added} />}
      {dialog === 'csv' && <CsvImportDialog owner={owner} group={group} schema={schema} onClose={() => setDialog(undefined)} onAdded={added} />}
      {dialog === 'browse' && device && <BrowseDialog device={device} group={group} onClose={() => setDialog(undefined)} onAdded={added} />}
      {settingsRow && (
        <TagSettingsDialog
          tag={settingsRow.tag}
          schema={schema}
          editable={admin}
          then={owner.inMemory ? 'Save the template to apply them.' : 'Save the tags to apply them.'}
          onClose={() => setSettingsOf(undefined)}
          onDone={(tag) => {
            replace(settingsRow.id, tag);
            setSettingsOf(undefined);
          }}
        />
      )}
    </div>
  );
}

/** "2 pipeline steps · 3 metadata": what a tag has besides its columns. */
function extrasOf(tag: TagDraft): string | undefined {
  const steps = Array.isArray(tag.steps) ? tag.steps.length : 0;
  const properties = tag.properties && typeof tag.properties === 'object' ? Object.keys(tag.properties).length : 0;
  const parts = [
    steps > 0 && `${steps} pipeline step${steps === 1 ? '' : 's'}`,
    tag.deadband !== undefined && 'deadband',
    properties > 0 && `${properties} metadata`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

interface CellProps {
  row: number;
  column: string;
  value: string;
  errors?: Map<string, string[]>;
  onInput: (v: string) => void;
  placeholder?: string;
  mono?: boolean;
  narrow?: boolean;
}

function Cell({ row, column, value, errors, onInput, placeholder, mono, narrow }: CellProps) {
  const messages = errors?.get(column);
  const id = `dv-c${row}-${column}`;
  return (
    <td class={`dv-cell${narrow ? ' dv-cell-narrow' : ''}`}>
      <input
        class={`dv-input${mono ? ' mono' : ''}`}
        aria-label={`Row ${row}: ${column}`}
        aria-invalid={messages ? 'true' : undefined}
        aria-describedby={messages ? `${id}-e` : undefined}
        value={value}
        placeholder={placeholder}
        spellcheck={false}
        autoComplete="off"
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {messages && (
        <p class="field-error dv-cell-error" id={`${id}-e`}>
          {messages.join('; ')}
        </p>
      )}
    </td>
  );
}

function CellErrors({ messages, prefix = '' }: { messages?: string[]; prefix?: string }) {
  if (!messages) return null;
  return (
    <p class="field-error dv-cell-error">
      {prefix}
      {messages.join('; ')}
    </p>
  );
}
