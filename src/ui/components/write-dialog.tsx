/**
 * Writing one tag: enter the value (an input that fits the tag's type), Check
 * (a dry run: the raw value that would go to the device, or the refusal), then
 * Write after a confirmation, and see the read-back and the latency.
 */
import { useState } from 'preact/hooks';
import { api, seg } from '../api.ts';
import { Banner, ErrorBanner } from './error-banner.tsx';
import { FormActions, FormField } from './form-field.tsx';
import { formatMs, formatValue } from './format.ts';
import type { JsonValue, TagConfig, TagValue, WriteAnswer } from './gateway-types.ts';
import { Modal } from './modal.tsx';
import { QualityBadge, StatusBadge } from './status-badge.tsx';

type InputKind = 'bool' | 'integer' | 'bigint' | 'float' | 'datetime' | 'bytes' | 'text';

const BIG = new Set(['int64', 'uint64']);

/** Which input fits the tag. A tag with steps (scale, formula) takes an engineering value: any number. */
function inputKind(tag: TagConfig): InputKind {
  const transformed = Array.isArray(tag.steps) && tag.steps.length > 0;
  if (tag.type === 'bool' && !transformed) return 'bool';
  if (tag.type === 'string') return 'text';
  if (tag.type === 'bytes') return 'bytes';
  if (tag.type === 'datetime') return 'datetime';
  if (transformed || tag.type.startsWith('float')) return 'float';
  return BIG.has(tag.type) ? 'bigint' : 'integer';
}

/** The text a value starts as in the input. */
function initialText(kind: InputKind, v: JsonValue | undefined): string {
  if (v === null || v === undefined) return kind === 'bool' ? 'false' : '';
  if (kind === 'bool') return v === true || v === 1 || v === 'true' ? 'true' : 'false';
  if (kind === 'datetime' && typeof v === 'number') {
    const d = new Date(v - new Date(v).getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 19);
  }
  return String(v);
}

/** The JSON value to send, or a message saying what is wrong with the text. */
function parse(kind: InputKind, text: string): { value: JsonValue } | { error: string } {
  const t = text.trim();
  switch (kind) {
    case 'bool':
      return { value: t === 'true' };
    case 'text':
    case 'bytes':
      return { value: text };
    case 'datetime': {
      const ms = Date.parse(t);
      return Number.isFinite(ms) ? { value: new Date(ms).toISOString() } : { error: 'enter a date and time' };
    }
    case 'bigint':
      // Sent as a decimal string: JSON numbers lose precision beyond 2^53.
      return /^-?\d+$/.test(t) ? { value: t } : { error: 'enter a whole number' };
    case 'integer': {
      if (t === '') return { error: 'enter a number' };
      const n = Number(t);
      return Number.isInteger(n) ? { value: n } : { error: 'enter a whole number' };
    }
    default: {
      if (t === '') return { error: 'enter a number' };
      const n = Number(t);
      return Number.isFinite(n) ? { value: n } : { error: 'enter a number' };
    }
  }
}

export interface WriteDialogProps {
  device: string;
  tag: TagConfig;
  current?: TagValue;
  onClose: () => void;
}

type Step = { kind: 'edit' } | { kind: 'confirm'; value: JsonValue } | { kind: 'done'; answer: WriteAnswer; value: JsonValue };

export function WriteDialog({ device, tag, current, onClose }: WriteDialogProps) {
  const kind = inputKind(tag);
  const [text, setText] = useState(() => initialText(kind, current?.value));
  const [step, setStep] = useState<Step>({ kind: 'edit' });
  const [check, setCheck] = useState<{ answer?: WriteAnswer; error?: unknown; value: JsonValue }>();
  const [error, setError] = useState<unknown>();
  const [inputError, setInputError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const path = `/api/v1/devices/${seg(device)}/tags/${seg(tag.name)}/write`;
  const unit = tag.unit ? ` ${tag.unit}` : '';

  const parsed = (): JsonValue | undefined => {
    const p = parse(kind, text);
    if ('error' in p) {
      setInputError(p.error);
      return undefined;
    }
    setInputError(undefined);
    return p.value;
  };

  const runCheck = async () => {
    const value = parsed();
    if (value === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      setCheck({ answer: await api<WriteAnswer>('POST', path, { value, dryRun: true }), value });
    } catch (err) {
      setCheck({ error: err, value });
    } finally {
      setBusy(false);
    }
  };

  const toConfirm = (e: Event) => {
    e.preventDefault();
    const value = parsed();
    if (value !== undefined) setStep({ kind: 'confirm', value });
  };

  const write = async (value: JsonValue) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api<WriteAnswer>('POST', path, { value });
      setStep({ kind: 'done', answer, value });
    } catch (err) {
      setError(err);
      setStep({ kind: 'edit' });
    } finally {
      setBusy(false);
    }
  };

  const title = `Write ${tag.name}`;
  const facts = (
    <dl class="kv">
      <dt>Device</dt>
      <dd>{device}</dd>
      <dt>Tag</dt>
      <dd>
        {tag.name} <span class="muted">({tag.type}</span>
        {tag.address && <span class="muted">, {tag.address}</span>}
        <span class="muted">)</span>
      </dd>
      <dt>Current value</dt>
      <dd>
        {current ? (
          <>
            <span class="mono">
              {formatValue(current.value, tag.type)}
              {unit}
            </span>{' '}
            <QualityBadge quality={current.quality} />
          </>
        ) : (
          <span class="muted">not read yet</span>
        )}
      </dd>
    </dl>
  );

  if (step.kind === 'done') {
    const { answer } = step;
    const differs = answer.readBack !== undefined && answer.readBack !== null && String(answer.readBack) !== String(step.value);
    return (
      <Modal
        title={title}
        onClose={onClose}
        footer={
          <>
            <button
              type="button"
              class="btn"
              onClick={() => {
                setCheck(undefined);
                setStep({ kind: 'edit' });
              }}
            >
              Write another value
            </button>
            <button type="button" class="btn btn-primary" onClick={onClose}>
              Close
            </button>
          </>
        }
      >
        <Banner tone="good" role="status">
          <p>
            <strong>Written.</strong> {formatValue(step.value, tag.type)}
            {unit} went to {device} / {tag.name} in {formatMs(answer.latencyMs)}.
          </p>
        </Banner>
        <dl class="kv">
          {answer.raw !== undefined && (
            <>
              <dt>Raw value written</dt>
              <dd class="mono">{formatValue(answer.raw)}</dd>
            </>
          )}
          <dt>Read back</dt>
          <dd class="mono">
            {answer.readBack === undefined ? (
              <span class="muted">not read back</span>
            ) : (
              <>
                {formatValue(answer.readBack, tag.type)}
                {unit}
              </>
            )}
          </dd>
          <dt>Latency</dt>
          <dd>{formatMs(answer.latencyMs)}</dd>
        </dl>
        {differs && (
          <div class="banner banner-warn">
            <div class="banner-body">The device reports a different value than the one written: it may limit or round it, or something else wrote it.</div>
          </div>
        )}
      </Modal>
    );
  }

  if (step.kind === 'confirm') {
    return (
      <Modal
        title={title}
        onClose={onClose}
        footer={
          <>
            <button type="button" class="btn" onClick={() => setStep({ kind: 'edit' })} disabled={busy}>
              Back
            </button>
            <button type="button" class="btn btn-danger" onClick={() => write(step.value)} disabled={busy}>
              {busy ? 'Writing…' : 'Confirm write'}
            </button>
          </>
        }
      >
        {facts}
        <p class="confirm-question">
          Write <strong class="mono">{formatValue(step.value, tag.type)}</strong>
          {unit} to <strong>{device}</strong> / <strong>{tag.name}</strong>? The device acts on it at once.
        </p>
      </Modal>
    );
  }

  return (
    <Modal title={title} onClose={onClose}>
      <form class="form" onSubmit={toConfirm}>
        {facts}
        <ValueInput
          kind={kind}
          text={text}
          setText={(t) => {
            // A check is about the value it checked: a new value needs a new check.
            setText(t);
            setCheck(undefined);
          }}
          error={inputError}
          unit={tag.unit}
        />
        {check?.answer && (
          <Banner tone="good" role="status">
            <p>
              <strong>Check passed:</strong> the gateway would write raw value <span class="mono">{formatValue(check.answer.raw ?? check.value)}</span>
              {tag.address ? ` to ${tag.address}` : ''}. Nothing was written.
            </p>
          </Banner>
        )}
        {check?.error !== undefined && <ErrorBanner error={check.error} title="The write would be refused" />}
        <ErrorBanner error={error} title="The write failed" />
        <FormActions onCancel={onClose} busy={busy} label="Write">
          <button type="button" class="btn" onClick={runCheck} disabled={busy}>
            {busy ? 'Checking…' : 'Check'}
          </button>
        </FormActions>
      </form>
    </Modal>
  );
}

function ValueInput({ kind, text, setText, error, unit }: { kind: InputKind; text: string; setText: (s: string) => void; error?: string; unit?: string }) {
  const hint = unit ? `In ${unit}.` : undefined;
  switch (kind) {
    case 'bool':
      return (
        <FormField label="New value" error={error}>
          <select value={text} onChange={(e) => setText(e.currentTarget.value)}>
            <option value="true">true (1, on)</option>
            <option value="false">false (0, off)</option>
          </select>
        </FormField>
      );
    case 'bytes':
      return (
        <FormField label="New value" error={error} hint="Base64 text.">
          <textarea rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} spellcheck={false} />
        </FormField>
      );
    case 'datetime':
      return (
        <FormField label="New value" error={error} hint="Local time of this browser.">
          <input type="datetime-local" step={1} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </FormField>
      );
    case 'text':
      return (
        <FormField label="New value" error={error}>
          <input type="text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </FormField>
      );
    case 'bigint':
      return (
        <FormField label="New value" error={error} hint={`A whole number (64-bit).${hint ? ` ${hint}` : ''}`}>
          <input type="text" inputMode="numeric" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </FormField>
      );
    default:
      return (
        <FormField label="New value" error={error} hint={hint}>
          <input type="number" step={kind === 'integer' ? 1 : 'any'} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </FormField>
      );
  }
}

/** "ok", "dry-run" or a refusal code, as a badge. */
export function WriteResultBadge({ result }: { result: string }) {
  if (result === 'ok') return <StatusBadge tone="good">ok</StatusBadge>;
  if (result === 'dry-run') return <StatusBadge tone="info">dry run</StatusBadge>;
  return (
    <StatusBadge tone="bad">
      {result
        .replace(/^PLX_WRITE_/, '')
        .toLowerCase()
        .replace(/_/g, ' ')}
    </StatusBadge>
  );
}
