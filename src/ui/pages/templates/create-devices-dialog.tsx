/**
 * "Create devices": N devices from a template in one step, named and
 * addressed from patterns ({n} is each device's number, {n+10} adds 10):
 * the protocol's connection settings the template leaves to each device
 * (host, unit id…), the template's parameters and the devices' metadata.
 * A preview (dry run) lists the devices before they are made.
 */
import { useMemo, useState } from 'preact/hooks';
import { api, type ErrorDetail } from '../../api.ts';
import { Table } from '../../components/data-table.tsx';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { Modal } from '../../components/modal.tsx';
import { navigate } from '../../components/route.ts';
import { useSubmit } from '../../components/use-submit.ts';
import { type ConfigSchema, type DeviceConfig, paths, type TemplateConfig } from '../devices/config-api.ts';
import { detailsOf, placeDetails } from '../devices/error-paths.ts';
import { KeyValueList, PROPERTY_NAMES } from '../devices/key-value-list.tsx';
import { ProblemList } from '../devices/problem-list.tsx';
import { isAdvanced, settingVisible, withConditionalRequired } from '../devices/protocol-hints.ts';
import { type Field, fieldsOf } from '../devices/schema-fields.ts';
import { described, FieldShell, SchemaField, useDomId } from '../devices/schema-form.tsx';

/** A first pattern for the setting that tells devices apart, per protocol. */
const ADDRESS_PATTERN: Record<string, Record<string, string>> = {
  modbus: { host: '192.168.1.{n}' },
  opcua: { endpointUrl: 'opc.tcp://192.168.1.{n}:4840' },
  s7: { host: '192.168.1.{n}' },
};

/** Fields typed as text, where a pattern may stand for the value. */
const PATTERN_KINDS = new Set<Field['kind']>(['text', 'integer', 'number', 'textOrNumber']);

/** Typed text as sent: numbers as numbers (a pattern stays text; the gateway makes "{n}" a number when it gives digits). */
function patternValue(f: Pick<Field, 'kind'> | undefined, text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  if (f?.kind !== 'text' && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

const joined = (r: Record<string, unknown> | undefined) =>
  Object.entries(r ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

export function CreateDevicesDialog({ template, schema, onClose }: { template: TemplateConfig; schema: ConfigSchema; onClose: () => void }) {
  const [form, setForm] = useState({ count: '3', start: '1', name: `${template.name}-{n}` });
  const [connection, setConnection] = useState<Record<string, unknown>>(() => ({ ...ADDRESS_PATTERN[template.protocol] }));
  const [parameters, setParameters] = useState<Record<string, string>>({});
  const [properties, setProperties] = useState<Record<string, unknown>>();
  const [enabled, setEnabled] = useState(true);
  const [preview, setPreview] = useState<DeviceConfig[]>();
  const [previewError, setPreviewError] = useState<unknown>();
  const ids = { count: useDomId('cd'), start: useDomId('cd'), name: useDomId('cd') };

  const protocolFields = useMemo(() => {
    const c = schema.protocols[template.protocol]?.connection;
    return c ? fieldsOf(c, 'connection') : [];
  }, [schema, template.protocol]);
  /** The settings each device gives: the protocol's usual ones the template does not set. */
  const merged = { ...template.connection, ...connection };
  const connectionFields = withConditionalRequired(
    template.protocol,
    protocolFields.filter(
      (f) =>
        !(f.key in template.connection) &&
        !isAdvanced(template.protocol, f.key, f.default !== undefined) &&
        settingVisible(template.protocol, f.key, merged) &&
        (PATTERN_KINDS.has(f.kind) || f.kind === 'enum' || f.kind === 'boolean'),
    ),
    merged,
  );
  const parameterNames = Object.keys(template.parameters ?? {});

  const body = () => ({
    count: Number(form.count),
    start: Number(form.start),
    name: form.name,
    connection: Object.fromEntries(
      Object.entries(connection).flatMap(([k, v]) => {
        const f = protocolFields.find((x) => x.key === k);
        const value = typeof v === 'string' ? patternValue(f, v) : v;
        return value === undefined ? [] : [[k, value]];
      }),
    ),
    ...(parameterNames.some((p) => parameters[p]?.trim())
      ? {
          parameters: Object.fromEntries(
            parameterNames.flatMap((p) => {
              const value = patternValue({ kind: typeof template.parameters?.[p] === 'number' ? 'number' : 'text' }, parameters[p] ?? '');
              return value === undefined ? [] : [[p, value]];
            }),
          ),
        }
      : {}),
    ...(properties ? { properties } : {}),
    enabled,
  });

  const check = useSubmit(async () => {
    setPreview(undefined);
    setPreviewError(undefined);
    try {
      const result = await api<{ devices: DeviceConfig[] }>('POST', paths.templateDevices(template.name, true), body());
      setPreview(result.devices);
    } catch (err) {
      setPreviewError(err);
      throw err;
    }
  });
  const create = useSubmit(async () => {
    await api('POST', paths.templateDevices(template.name, false), body());
    onClose();
    navigate('/devices');
  });
  const error = create.error ?? previewError;
  // `devices[2].connection.host` is about the third device: its field is the same for all.
  const details: ErrorDetail[] = detailsOf(error).map((d) => ({ ...d, path: d.path.replace(/^devices\[\d+\]\./, '') }));
  const known = ['count', 'start', 'name', ...connectionFields.map((f) => f.path), ...parameterNames.map((p) => `template.parameters.${p}`), 'properties'];
  const placed = placeDetails(details, known);
  const errors = placed.byPath;
  const changed = () => {
    setPreview(undefined);
    setPreviewError(undefined);
  };

  const text = (key: keyof typeof form, label: string, hint?: string, numeric = false) => (
    <FieldShell id={ids[key]} label={label} hint={hint} error={errors[key]}>
      <input
        {...described(ids[key], errors[key], hint)}
        type="text"
        inputMode={numeric ? 'numeric' : undefined}
        value={form[key]}
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => {
          setForm({ ...form, [key]: e.currentTarget.value });
          changed();
        }}
      />
    </FieldShell>
  );

  return (
    <Modal
      title={`Create devices from ${template.name}`}
      onClose={onClose}
      wide
      footer={
        <>
          <span class="dv-footer-status muted" role="status">
            {check.busy ? 'Checking…' : preview ? `${preview.length} device${preview.length === 1 ? '' : 's'} ready to be made` : 'Preview first'}
          </span>
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="btn" onClick={() => check.submit()} disabled={check.busy || create.busy}>
            Preview
          </button>
          <button type="button" class="btn btn-primary" onClick={() => create.submit()} disabled={create.busy || !preview}>
            {create.busy ? 'Creating…' : `Create ${preview?.length ?? ''} devices`}
          </button>
        </>
      }
    >
      <form
        class="form"
        noValidate
        aria-label="Devices to create"
        onSubmit={(e) => {
          e.preventDefault();
          void check.submit();
        }}
      >
        <p class="muted">
          <code>{'{n}'}</code> is each device's number, <code>{'{n+10}'}</code> adds 10: <code>{'Meter-{n}'}</code>, host <code>{'10.0.0.{n}'}</code>, unit ID{' '}
          <code>{'{n}'}</code>. A pattern that gives only digits is a number.
        </p>
        <div class="dv-form-grid">
          {text('count', 'How many', '1 to 1000.', true)}
          {text('start', 'First number (n)', 'The n of the first device.', true)}
          {text('name', 'Name pattern', 'Each name must be new.')}
        </div>
        <fieldset class="dv-fieldset">
          <legend>Connection of each device</legend>
          <p class="field-hint dv-legend-hint">
            The settings the template leaves to each device; empty ones take the protocol's default.
            {Object.keys(template.connection).length > 0 && <> From the template: {joined(template.connection)}.</>}
          </p>
          <div class="dv-form-grid">
            {connectionFields.map((f) =>
              PATTERN_KINDS.has(f.kind) ? (
                <PatternField
                  key={f.path}
                  field={f}
                  value={connection[f.key]}
                  error={errors[f.path]}
                  onChange={(v) => {
                    setConnection({ ...connection, [f.key]: v });
                    changed();
                  }}
                />
              ) : (
                <SchemaField
                  key={f.path}
                  field={f}
                  parent={connection}
                  value={connection[f.key]}
                  errors={errors}
                  onChange={(v) => {
                    setConnection({ ...connection, [f.key]: v });
                    changed();
                  }}
                />
              ),
            )}
          </div>
        </fieldset>
        {parameterNames.length > 0 && (
          <fieldset class="dv-fieldset">
            <legend>Parameters</legend>
            <p class="field-hint dv-legend-hint">Values for the template's addresses; empty ones take the template's default.</p>
            <div class="dv-form-grid">
              {parameterNames.map((p) => (
                <PatternField
                  key={p}
                  field={{ key: p, label: p, kind: 'text', default: template.parameters?.[p] }}
                  value={parameters[p]}
                  error={errors[`template.parameters.${p}`]}
                  onChange={(v) => {
                    setParameters({ ...parameters, [p]: v });
                    changed();
                  }}
                />
              ))}
            </div>
          </fieldset>
        )}
        <KeyValueList
          id={`${ids.name}-props`}
          label="Metadata"
          value={properties}
          onChange={(v) => {
            setProperties(v);
            changed();
          }}
          suggestions={PROPERTY_NAMES}
          valuePlaceholder="value or pattern, e.g. SN-{n}"
          hint="Published in each device's DBIRTH; the template's metadata applies too."
          error={errors.properties}
          optional
        />
        <label class="check">
          <input
            type="checkbox"
            checked={enabled}
            onChange={(e) => {
              setEnabled(e.currentTarget.checked);
              changed();
            }}
          />
          Start the devices right away (else they are made disabled)
        </label>
        <button type="submit" hidden tabIndex={-1} />
      </form>
      <ProblemList details={placed.other} />
      <ErrorBanner error={detailsOf(error).length > 0 ? undefined : error} title={create.error ? 'The devices were not made' : 'The preview failed'} />
      {preview && (
        <Table caption="Devices to be made" class="table-compact" columns={['Device', 'Connection', 'Parameters', 'Metadata']}>
          {preview.map((d) => (
            <tr key={d.name}>
              <td>{d.name}</td>
              <td class="mono">{joined(d.connection)}</td>
              <td class="mono">{joined(d.template?.parameters)}</td>
              <td>{joined(d.properties)}</td>
            </tr>
          ))}
        </Table>
      )}
    </Modal>
  );
}

/** A setting typed as text where a pattern may stand for the value; the default shows while it is empty. */
function PatternField({
  field,
  value,
  error,
  onChange,
}: {
  field: Pick<Field, 'key' | 'label' | 'kind' | 'default'> & Partial<Field>;
  value: unknown;
  error?: string;
  onChange: (text: string) => void;
}) {
  const id = useDomId('pf');
  const hint = field.help;
  return (
    <FieldShell id={id} label={field.label} unit={field.unit} hint={hint} error={error} optional={!field.required && field.default === undefined}>
      <input
        {...described(id, error, hint)}
        type="text"
        class="mono"
        value={value === undefined ? '' : String(value)}
        placeholder={field.default !== undefined ? String(field.default) : undefined}
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
    </FieldShell>
  );
}
