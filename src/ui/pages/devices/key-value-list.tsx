/**
 * Names to values (metadata, template parameters, connection patterns) as an
 * editable list: one row a name and its value, names suggested where the
 * usual ones are known (location, make, model…). Values keep their type:
 * 42 and true are sent as a number and a boolean, "0042" stays text.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatRecordValue, parseRecordValue } from './schema-fields.ts';

/** The metadata people usually give a device or a tag. */
export const PROPERTY_NAMES = ['location', 'make', 'model', 'serialNumber', 'assetId'] as const;

interface Row {
  id: number;
  name: string;
  value: string;
}

let nextId = 1;
const rowsOf = (value: unknown): Row[] =>
  value && typeof value === 'object'
    ? Object.entries(value as Record<string, unknown>).map(([name, v]) => ({ id: nextId++, name, value: formatRecordValue(v) }))
    : [];

/** The record the rows stand for: blank rows left out; a row with a value but no name is kept under "" so that the check names it. */
function recordOf(rows: readonly Row[]): Record<string, unknown> | undefined {
  const entries = rows.filter((r) => r.name.trim() || r.value.trim()).map((r) => [r.name.trim(), parseRecordValue(r.value.trim())] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export interface KeyValueListProps {
  /** Id of the fieldset (error and hint ids derive from it). */
  id: string;
  label: string;
  value: unknown;
  onChange: (v: Record<string, unknown> | undefined) => void;
  /** Names offered while typing, and as one-click buttons while unused. */
  suggestions?: readonly string[];
  /** What a value may look like ("SN-{n}"), shown in empty value inputs. */
  valuePlaceholder?: string;
  error?: string;
  hint?: preact.ComponentChildren;
  optional?: boolean;
  disabled?: boolean;
}

export function KeyValueList({ id, label, value, onChange, suggestions = [], valuePlaceholder, error, hint, optional, disabled }: KeyValueListProps) {
  const [rows, setRows] = useState<Row[]>(() => rowsOf(value));
  /** The row (and its input: 0 name, 1 value) to focus after the next render. */
  const focusRow = useRef<[number, number] | undefined>(undefined);
  const listRef = useRef<HTMLDivElement>(null);
  // A change from outside (a reload, a discard) replaces the rows; the user's own edits come back equal and keep them.
  useEffect(() => {
    if (JSON.stringify(recordOf(rows)) !== JSON.stringify(value ?? undefined)) setRows(rowsOf(value));
  }, [value]);
  useEffect(() => {
    if (focusRow.current === undefined) return;
    const [row, input] = focusRow.current;
    listRef.current?.querySelectorAll<HTMLInputElement>(`[data-row="${row}"] input`)[input]?.focus();
    focusRow.current = undefined;
  });

  const set = (next: Row[]) => {
    setRows(next);
    onChange(recordOf(next));
  };
  const add = (name = '') => {
    const row = { id: nextId++, name, value: '' };
    set([...rows, row]);
    focusRow.current = [row.id, name ? 1 : 0];
  };
  const used = new Set(rows.map((r) => r.name.trim()));
  const counts = new Map<string, number>();
  for (const r of rows) if (r.name.trim()) counts.set(r.name.trim(), (counts.get(r.name.trim()) ?? 0) + 1);
  const unused = suggestions.filter((s) => !used.has(s));
  /** A few suggestions are one-click buttons; a long list (a protocol's settings) is offered while typing only. */
  const quick = unused.length <= 6 ? unused : [];
  const listId = `${id}-names`;

  return (
    <fieldset
      id={id}
      class={`dv-wide dv-fieldset dv-kv${error ? ' dv-fieldset-invalid' : ''}`}
      disabled={disabled}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend>
        {label}
        {optional && <span class="muted dv-optional"> (optional)</span>}
      </legend>
      {hint && (
        <p class="field-hint dv-legend-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      <div class="dv-kv-rows" ref={listRef}>
        {rows.length === 0 && <p class="muted small">None.</p>}
        {rows.map((r, i) => {
          const name = r.name.trim();
          const problem = !name && r.value.trim() ? 'needs a name' : (counts.get(name) ?? 0) > 1 ? `"${name}" is in the list twice` : undefined;
          return (
            <div key={r.id} class="dv-kv-row" data-row={r.id}>
              <input
                type="text"
                class="dv-kv-name"
                aria-label={`${label}: name ${i + 1}`}
                aria-invalid={problem ? 'true' : undefined}
                list={suggestions.length > 0 ? listId : undefined}
                value={r.name}
                placeholder="name"
                autoComplete="off"
                spellcheck={false}
                onInput={(e) => set(rows.map((x) => (x.id === r.id ? { ...x, name: e.currentTarget.value } : x)))}
              />
              <span aria-hidden="true">=</span>
              <input
                type="text"
                class="dv-kv-value"
                aria-label={name ? `${label}: ${name}` : `${label}: value ${i + 1}`}
                value={r.value}
                placeholder={valuePlaceholder ?? 'value'}
                autoComplete="off"
                spellcheck={false}
                onInput={(e) => set(rows.map((x) => (x.id === r.id ? { ...x, value: e.currentTarget.value } : x)))}
              />
              <button
                type="button"
                class="btn btn-small btn-ghost"
                aria-label={`Remove ${name || `row ${i + 1}`} from ${label.toLowerCase()}`}
                onClick={() => set(rows.filter((x) => x.id !== r.id))}
              >
                ✕
              </button>
              {problem && <p class="field-error dv-kv-error">{problem}</p>}
            </div>
          );
        })}
      </div>
      <div class="page-actions dv-kv-actions">
        <button type="button" class="btn btn-small" onClick={() => add()}>
          Add
        </button>
        {quick.map((s) => (
          <button key={s} type="button" class="btn btn-small btn-ghost" aria-label={`Add ${s} to ${label.toLowerCase()}`} onClick={() => add(s)}>
            + {s}
          </button>
        ))}
      </div>
      {suggestions.length > 0 && (
        <datalist id={listId}>
          {unused.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
    </fieldset>
  );
}
