/** Password inputs, and the length the gateway asks of a new password. */
import { FormField } from './form-field.tsx';

/** The gateway refuses shorter passwords (400, detail path `password`); the forms say so before sending. */
export const MIN_PASSWORD_LENGTH = 10;

/** What is wrong with a new password before the gateway says it. */
export const tooShort = (password: string) => (password.length < MIN_PASSWORD_LENGTH ? `must have at least ${MIN_PASSWORD_LENGTH} characters` : undefined);

export interface PasswordFieldProps {
  /** `current` fills in the saved password; `new` says how long it must be; `repeat` is the new one again. */
  kind: 'current' | 'new' | 'repeat';
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
}

export function PasswordField({ kind, label, value, onInput, error }: PasswordFieldProps) {
  return (
    <FormField label={label} error={error} hint={kind === 'new' ? `At least ${MIN_PASSWORD_LENGTH} characters.` : undefined}>
      <input
        type="password"
        autocomplete={kind === 'current' ? 'current-password' : 'new-password'}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        required
      />
    </FormField>
  );
}
