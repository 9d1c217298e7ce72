/**
 * "Add range": many tags from one pattern (50 float32 temperatures T1…T50
 * from 40001, step 2), previewed, checked by the gateway (dry run) as you
 * type, and added in one request.
 */
import { useMemo, useState } from 'preact/hooks';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { Modal } from '../../components/modal.tsx';
import { type AddTagsDialogProps, AddTagsFooter, type StatusTone } from './add-tags-dialog.tsx';
import { detailsOf, mergeRowErrors, rowDetails, unplacedError } from './error-paths.ts';
import { ProblemList } from './problem-list.tsx';
import { PROTOCOL_HINTS } from './protocol-hints.ts';
import { described, FieldShell, useDomId } from './schema-form.tsx';
import { checkTags, namesOutside } from './tag-checks.ts';
import { TagPreview } from './tag-preview.tsx';
import { defaultStep, generateRange, hasCounter, MAX_RANGE, type RangeSpec, stepUnit } from './tag-range.ts';
import { dryRunKey, useDryRun } from './use-dry-run.ts';

export function RangeDialog({ owner, group, schema, onClose, onAdded }: AddTagsDialogProps) {
  const protocol = owner.protocol;
  const hints = PROTOCOL_HINTS[protocol];
  const initialType = schema.dataTypes.includes('float32') ? 'float32' : (schema.dataTypes[0] ?? 'int16');
  const initialStart = hints?.rangeStart(initialType) ?? '';
  const [form, setForm] = useState({
    namePattern: 'T{n}',
    first: '1',
    count: '10',
    type: initialType,
    startAddress: initialStart,
    step: String(defaultStep(protocol, initialType, initialStart)),
    access: 'read' as 'read' | 'readwrite',
    unit: '',
    description: '',
  });
  /** The address and step follow the type until the user types their own. */
  const [touched, setTouched] = useState({ startAddress: false, step: false });
  const [busy, setBusy] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>();

  const set = (patch: Partial<typeof form>) => {
    const next = { ...form, ...patch };
    if (patch.type !== undefined && !touched.startAddress && hints) next.startAddress = hints.rangeStart(patch.type);
    if ((patch.type !== undefined || patch.startAddress !== undefined) && !touched.step)
      next.step = String(defaultStep(protocol, next.type, next.startAddress));
    setForm(next);
    setSubmitError(undefined);
  };

  const spec: RangeSpec = {
    protocol,
    namePattern: form.namePattern,
    first: Number(form.first),
    count: Number(form.count),
    startAddress: form.startAddress,
    step: Number(form.step),
    type: form.type,
    access: form.access,
    unit: form.unit,
    description: form.description,
  };
  const range = useMemo(() => generateRange(spec), [JSON.stringify(form), protocol]);
  const specErrors = Object.fromEntries(range.errors.map((e) => [e.field, e.message]));
  const taken = useMemo(() => namesOutside(owner.groups), [owner.groups]);
  const local = useMemo(() => checkTags(range.tags, { dataTypes: schema.dataTypes, taken }), [range.tags, schema.dataTypes, taken]);
  const check = useDryRun(owner, group.name, range.tags.length > 0 && local.length === 0 ? range.tags : undefined, 'append');
  const submitted = rowDetails(detailsOf(submitError), 'tags');
  const rowErrors = mergeRowErrors(local, [...check.rows, ...submitted.rows]);
  const other = [...check.other, ...submitted.other];
  const current = range.tags.length > 0 && check.checked === dryRunKey(range.tags, 'append');
  const ready = current && check.state === 'ok' && local.length === 0 && !busy;

  const add = async () => {
    setBusy(true);
    setSubmitError(undefined);
    try {
      await owner.putTags(group.name, range.tags, 'append', false);
      const first = range.tags[0];
      const last = range.tags[range.tags.length - 1];
      await onAdded(`Added ${range.tags.length} tags to ${group.name}: ${first?.name} (${first?.address}) to ${last?.name} (${last?.address}).`);
    } catch (err) {
      setSubmitError(err);
      setBusy(false);
    }
  };

  const ids = {
    namePattern: useDomId('rg'),
    first: useDomId('rg'),
    count: useDomId('rg'),
    type: useDomId('rg'),
    startAddress: useDomId('rg'),
    step: useDomId('rg'),
    access: useDomId('rg'),
    unit: useDomId('rg'),
    description: useDomId('rg'),
  };
  const text = (key: keyof typeof ids, label: string, hint?: string, extra: Record<string, unknown> = {}, unit?: string) => (
    <FieldShell id={ids[key]} label={label} hint={hint} error={specErrors[key]} unit={unit}>
      <input
        {...described(ids[key], specErrors[key], hint)}
        value={form[key as keyof typeof form]}
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => {
          if (key === 'startAddress' || key === 'step') setTouched({ ...touched, [key]: true });
          set({ [key]: e.currentTarget.value });
        }}
        {...extra}
      />
    </FieldShell>
  );
  const counterAddress = hasCounter(form.startAddress);

  return (
    <Modal
      title={`Add a range of tags to ${group.name}`}
      onClose={onClose}
      wide
      footer={
        <AddTagsFooter
          {...rangeStatus(range.tags.length, check.state, rowErrors.length + other.length, current)}
          onCancel={onClose}
          onAdd={add}
          disabled={!ready}
          label={busy ? 'Adding…' : range.tags.length > 0 ? `Add ${range.tags.length} tag${range.tags.length === 1 ? '' : 's'}` : 'Add tags'}
        />
      }
    >
      <div class="dv-dialog">
        <form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (ready) void add();
          }}
          aria-label="Range of tags"
        >
          <div class="dv-form-grid">
            {text('namePattern', 'Name pattern', '{n} is the counter; {n:3} pads it to three digits (T001).')}
            {text('first', 'First number', 'The counter of the first tag.', { inputMode: 'numeric' })}
            {text('count', 'Number of tags', `1 to ${MAX_RANGE}.`, { inputMode: 'numeric' })}
            <FieldShell id={ids.type} label="Type">
              <select id={ids.type} value={form.type} onChange={(e) => set({ type: e.currentTarget.value })}>
                {schema.dataTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </FieldShell>
            {text('startAddress', 'First address', hints ? `e.g. ${hints.rangeStart(form.type)}; {n} puts the counter in the address.` : undefined, {
              class: 'mono',
            })}
            {text(
              'step',
              'Address step',
              counterAddress ? 'The address has {n}: the counter fills it.' : 'Between consecutive tags; follows the type until you change it.',
              { inputMode: 'numeric', disabled: counterAddress },
              counterAddress ? undefined : stepUnit(protocol, form.type, form.startAddress),
            )}
            <FieldShell id={ids.access} label="Access">
              <select id={ids.access} value={form.access} onChange={(e) => set({ access: e.currentTarget.value as 'read' | 'readwrite' })}>
                <option value="read">read</option>
                <option value="readwrite">read/write</option>
              </select>
            </FieldShell>
            {text('unit', 'Unit', 'Optional, e.g. °C or bar.')}
            {text('description', 'Description', 'Optional; {n} works here too.')}
          </div>
        </form>
        <h3 class="dv-preview-title">Preview</h3>
        {range.tags.length > 0 ? (
          <TagPreview
            caption="Tags the range adds"
            rows={range.tags.map((t, i) => ({ label: String(i + 1), cells: { ...t, access: t.access === 'readwrite' ? 'read/write' : 'read' } }))}
            errors={rowErrors}
          />
        ) : (
          <p class="muted">Fix the settings above to see the tags.</p>
        )}
        <ProblemList details={other} device={owner} />
        {check.state === 'failed' && <ErrorBanner error={check.error} title="The gateway could not check the tags" />}
        <ErrorBanner error={unplacedError(submitError)} title="The tags were not added" />
      </div>
    </Modal>
  );
}

/** What the footer says of the range. */
function rangeStatus(count: number, state: string, problems: number, current: boolean): { status: string; tone: StatusTone } {
  if (count === 0) return { status: '', tone: 'muted' };
  if (problems > 0) return { status: `${problems} problem${problems === 1 ? '' : 's'} — nothing is added until they are fixed`, tone: 'field-error' };
  if (state === 'checking' || !current) return { status: 'Checking with the gateway…', tone: 'muted' };
  if (state === 'ok') return { status: `The gateway accepts these ${count} tags`, tone: 'dv-ok-text' };
  return { status: '', tone: 'muted' };
}
