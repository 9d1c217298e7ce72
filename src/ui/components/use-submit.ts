/** A form's submit: busy while its action runs, and the action's error kept for display (the form stays as it was). */
import { useState } from 'preact/hooks';

export function useSubmit(action: () => Promise<unknown>): { busy: boolean; error: unknown; submit: (e?: Event) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
