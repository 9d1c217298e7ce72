/**
 * Form controls generated from schema fields (schema-fields.ts): a labelled
 * input per setting with its unit, help, allowed range and error; nested
 * objects as fieldsets; a union as a select of its shapes and the chosen
 * shape's settings. Numbers are typed as text so that a half-typed value
 * stays on screen and the check can say what is wrong with it.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { KeyValueList, PROPERTY_NAMES } from './key-value-list.tsx';
import { defaultsOf, type Field, formatInput, itemField, parseInput, rangeHint, secretStored, variantDefaults, variantOf } from './schema-fields.ts';

/** An id fit for `for`/`aria-describedby` from Preact's useId. */
export const useDomId = (prefix = 'dv') => `${prefix}${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;

export interface FieldShellProps {
  id: string;
  label: string;
  unit?: string;
  hint?: preact.ComponentChildren;
  error?: string;
  optional?: boolean;
  wide?: boolean;
  children: preact.ComponentChildren;
}

/** Label, control, unit, error and help: the error first, so that it is read right after the label. */
export function FieldShell({ id, label, unit, hint, error, optional, wide, children }: FieldShellProps) {
  return (
    <div class={`field dv-field${error ? ' field-invalid' : ''}${wide ? ' dv-wide' : ''}`}>
      <label for={id}>
        {label}
        {unit && <span class="visually-hidden"> in {unit}</span>}
        {optional && <span class="muted dv-optional"> (optional)</span>}
      </label>
      {unit ? (
        <div class="dv-with-unit">
          {children}
          <span class="dv-unit" aria-hidden="true">
            {unit}
          </span>
        </div>
      ) : (
        children
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** aria attributes that tie a control to its error and help. */
export const described = (id: string, error?: string, hint?: unknown) => ({
  id,
  'aria-invalid': error ? ('true' as const) : undefined,
  'aria-describedby': [error && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(' ') || undefined,
});

export interface SchemaFieldsProps {
  fields: Field[];
  /** The object these fields are properties of. */
  value: Record<string, unknown>;
  onChange: (next: Record<string, unknown>) => void;
  /** Errors by field path. */
  errors: Record<string, string>;
  disabled?: boolean;
  /** Leaves fields out (settings that do not apply). */
  visible?: (f: Field, parent: Record<string, unknown>) => boolean;
}

/** The fields of one object. */
export function SchemaFields({ fields, value, onChange, errors, disabled, visible }: SchemaFieldsProps) {
  const set = (key: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined) delete next[key];
    else next[key] = v;
    onChange(next);
  };
  return (
    <>
      {fields
        .filter((f) => !visible || visible(f, value) || errors[f.path])
        .map((f) => (
          <SchemaField
            key={f.path}
            field={f}
            parent={value}
            value={value[f.key]}
            onChange={(v) => set(f.key, v)}
            errors={errors}
            disabled={disabled}
            visible={visible}
          />
        ))}
    </>
  );
}

interface SchemaFieldProps {
  field: Field;
  parent: Record<string, unknown>;
  value: unknown;
  onChange: (v: unknown) => void;
  errors: Record<string, string>;
  disabled?: boolean;
  visible?: SchemaFieldsProps['visible'];
}

export function SchemaField({ field: f, parent, value, onChange, errors, disabled, visible }: SchemaFieldProps) {
  const id = useDomId('sf');
  const error = errors[f.path];
  const range = rangeHint(f);
  const hint = f.help || range ? [f.help, range].filter(Boolean).join(' — ') : undefined;
  const optional = !f.required && f.default === undefined;

  switch (f.kind) {
    case 'boolean':
      return (
        <div class={`field dv-field dv-check-field${error ? ' field-invalid' : ''}`}>
          <label class="check">
            <input
              type="checkbox"
              {...described(id, error, f.help)}
              checked={value === undefined ? f.default === true : value === true}
              disabled={disabled}
              onChange={(e) => onChange(e.currentTarget.checked)}
            />
            {f.label}
          </label>
          {error && (
            <p class="field-error" id={`${id}-error`}>
              {error}
            </p>
          )}
          {f.help && (
            <p class="field-hint" id={`${id}-hint`}>
              {f.help}
            </p>
          )}
        </div>
      );
    case 'enum': {
      const current = value === undefined ? (f.default ?? '') : value;
      const known = f.options?.some((o) => o.value === current);
      return (
        <FieldShell id={id} label={f.label} hint={f.help} error={error} optional={optional}>
          <select
            {...described(id, error, f.help)}
            value={String(current)}
            disabled={disabled}
            onChange={(e) => onChange(parseInput(f, e.currentTarget.value))}
          >
            {(optional || (!known && current === '')) && <option value="">— not set —</option>}
            {!known && current !== '' && <option value={String(current)}>{String(current)} (unknown)</option>}
            {f.options?.map((o) => (
              <option key={String(o.value)} value={String(o.value)}>
                {o.label}
                {o.value === f.default ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </FieldShell>
      );
    }
    case 'object': {
      const present = value !== undefined && value !== null && typeof value === 'object';
      const obj = (present ? value : {}) as Record<string, unknown>;
      return (
        <fieldset class={`dv-wide dv-fieldset${error ? ' dv-fieldset-invalid' : ''}`} disabled={disabled}>
          <legend>{f.label}</legend>
          {f.help && <p class="field-hint dv-legend-hint">{f.help}</p>}
          {error && <p class="field-error">{error}</p>}
          {!f.required && (
            <label class="check dv-object-toggle">
              <input type="checkbox" checked={present} onChange={(e) => onChange(e.currentTarget.checked ? defaultsOf(f.fields ?? []) : undefined)} />
              Set {f.label.toLowerCase()}
            </label>
          )}
          {(present || f.required) && (
            <div class="dv-form-grid">
              <SchemaFields fields={f.fields ?? []} value={obj} onChange={onChange} errors={errors} disabled={disabled} visible={visible} />
            </div>
          )}
        </fieldset>
      );
    }
    case 'union': {
      const variant = variantOf(f, value);
      const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
      return (
        <fieldset class={`dv-wide dv-fieldset${error ? ' dv-fieldset-invalid' : ''}`} disabled={disabled}>
          <legend>{f.label}</legend>
          <div class="dv-form-grid">
            <FieldShell id={id} label="Kind" hint={f.help} error={error}>
              <select
                {...described(id, error, f.help)}
                value={variant?.value ?? ''}
                onChange={(e) => onChange(e.currentTarget.value ? variantDefaults(f, e.currentTarget.value) : undefined)}
              >
                {!variant && <option value="">— choose —</option>}
                {f.variants?.map((v) => (
                  <option key={v.value} value={v.value}>
                    {v.label}
                  </option>
                ))}
              </select>
            </FieldShell>
            {variant && <SchemaFields fields={variant.fields} value={obj} onChange={onChange} errors={errors} disabled={disabled} visible={visible} />}
          </div>
        </fieldset>
      );
    }
    case 'list':
      return (
        <FieldShell id={id} label={f.label} hint={[f.help, 'One value a line.'].filter(Boolean).join(' ')} error={error} optional={optional} wide>
          <TextInput field={f} value={value} onChange={onChange} disabled={disabled} multiline {...described(id, error, true)} />
        </FieldShell>
      );
    case 'record':
      return (
        <KeyValueList
          id={id}
          label={f.label}
          value={value}
          onChange={onChange}
          suggestions={f.suggest ?? (f.key === 'properties' ? PROPERTY_NAMES : undefined)}
          hint={f.help}
          error={error}
          optional={optional}
          disabled={disabled}
        />
      );
    case 'items':
      return <ItemsField field={f} value={value} onChange={onChange} errors={errors} disabled={disabled} visible={visible} />;
    case 'unsupported':
      return (
        <FieldShell id={id} label={f.label} hint={[f.help, 'Edit this setting in the YAML configuration.'].filter(Boolean).join(' ')} wide>
          <textarea id={id} readOnly rows={3} class="mono" value={value === undefined ? '' : JSON.stringify(value, null, 2)} />
        </FieldShell>
      );
    default: {
      const stored = f.kind === 'password' && secretStored(parent, f.key);
      return (
        <FieldShell id={id} label={f.label} unit={f.unit} hint={hint} error={error} optional={optional && !stored}>
          <TextInput
            field={f}
            value={value}
            onChange={onChange}
            disabled={disabled}
            placeholder={stored ? 'stored — leave empty to keep it' : f.default !== undefined ? String(f.default) : undefined}
            {...described(id, error, hint)}
          />
        </FieldShell>
      );
    }
  }
}

/** An array of objects or shapes: one block per item, each with Remove, and Add at the end. */
function ItemsField({ field: f, value, onChange, errors, disabled, visible }: Omit<SchemaFieldProps, 'parent'>) {
  const items = Array.isArray(value) ? (value as unknown[]) : [];
  const error = errors[f.path];
  const fresh = () => {
    const item = itemField(f, items.length);
    return item.kind === 'union' ? variantDefaults(item, item.variants?.[0]?.value ?? '') : defaultsOf(item.fields ?? []);
  };
  const set = (next: unknown[]) => onChange(next.length > 0 || f.default !== undefined ? next : undefined);
  return (
    <fieldset class={`dv-wide dv-fieldset${error ? ' dv-fieldset-invalid' : ''}`} disabled={disabled}>
      <legend>{f.label}</legend>
      {f.help && <p class="field-hint dv-legend-hint">{f.help}</p>}
      {error && <p class="field-error">{error}</p>}
      {items.length === 0 && <p class="muted small">None.</p>}
      {items.map((item, i) => {
        const itemF = itemField(f, i);
        return (
          <div key={i} class="dv-item">
            <SchemaField
              field={itemF}
              parent={items as unknown as Record<string, unknown>}
              value={item}
              onChange={(v) => set(items.map((x, j) => (j === i ? v : x)))}
              errors={errors}
              disabled={disabled}
              visible={visible}
            />
            <button type="button" class="btn btn-small btn-ghost dv-danger-text" onClick={() => set(items.filter((_, j) => j !== i))}>
              Remove {itemF.label.toLowerCase()}
            </button>
          </div>
        );
      })}
      <p>
        <button type="button" class="btn btn-small" onClick={() => set([...items, fresh()])}>
          Add {humanItem(f.label)}
        </button>
      </p>
    </fieldset>
  );
}

/** "Steps" → "step", "Shifts" → "shift": the label of one item. */
const humanItem = (label: string) => label.toLowerCase().replace(/s$/, '');

interface TextInputProps {
  field: Field;
  value: unknown;
  onChange: (v: unknown) => void;
  disabled?: boolean;
  multiline?: boolean;
  placeholder?: string;
  id: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

/** Keeps what the user typed while it does not parse, and follows the value when it changes from outside. */
function TextInput({ field, value, onChange, multiline, ...rest }: TextInputProps) {
  const [raw, setRaw] = useState(() => formatInput(field, value));
  useEffect(() => {
    if (JSON.stringify(parseInput(field, raw)) !== JSON.stringify(value)) setRaw(formatInput(field, value));
    // Only an outside change of the value resets the text.
  }, [value, field]);
  const onInput = (text: string) => {
    setRaw(text);
    onChange(parseInput(field, text));
  };
  if (multiline) return <textarea rows={3} value={raw} onInput={(e) => onInput(e.currentTarget.value)} {...rest} />;
  if (field.kind === 'password')
    return <input type="password" autoComplete="new-password" value={raw} onInput={(e) => onInput(e.currentTarget.value)} {...rest} />;
  const numeric = field.kind === 'integer' || field.kind === 'number';
  return (
    <input
      type="text"
      inputMode={field.kind === 'integer' ? 'numeric' : field.kind === 'number' ? 'decimal' : undefined}
      autoComplete="off"
      spellcheck={false}
      class={numeric ? 'dv-num' : undefined}
      value={raw}
      onInput={(e) => onInput(e.currentTarget.value)}
      {...rest}
    />
  );
}
