/**
 * A labelled form control with its hint and its error. The single child (an
 * input, select or textarea) gets the id, aria-invalid and aria-describedby,
 * so that the label and the error are announced with it.
 */
import { cloneElement, type VNode } from 'preact';
import { useId } from 'preact/hooks';

export interface FormFieldProps {
  label: string;
  error?: string;
  hint?: preact.ComponentChildren;
  /** Shows "(optional)" after the label. */
  optional?: boolean;
  class?: string;
  children: VNode<Record<string, unknown>>;
}

export function FormField({ label, error, hint, optional, class: cls, children }: FormFieldProps) {
  const generated = useId();
  const id = (children.props.id as string | undefined) ?? `f${generated.replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const control = cloneElement(children, {
    id,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': [errorId, hintId].filter(Boolean).join(' ') || undefined,
  });
  return (
    <div class={`field${error ? ' field-invalid' : ''}${cls ? ` ${cls}` : ''}`}>
      <label for={id}>
        {label}
        {optional && <span class="muted"> (optional)</span>}
      </label>
      {control}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
      {hint && (
        <p class="field-hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** Cancel and submit, at the end of a form in a dialog; the submit button says what is going on while `busy`. */
export function FormActions({
  onCancel,
  busy,
  label,
  busyLabel = label,
  children,
}: {
  onCancel: () => void;
  busy: boolean;
  label: string;
  busyLabel?: string;
  /** More buttons, between the two. */
  children?: preact.ComponentChildren;
}) {
  return (
    <div class="form-actions">
      <button type="button" class="btn" onClick={onCancel}>
        Cancel
      </button>
      {children}
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}
