/**
 * Dialogs on the native <dialog> element: it keeps focus inside, closes on
 * Escape and puts the rest of the page out of reach, with no extra code.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ErrorBanner } from './error-banner.tsx';

export interface ModalProps {
  title: string;
  onClose: () => void;
  children: preact.ComponentChildren;
  /** Buttons at the bottom (the dialog has a Close button in its header). */
  footer?: preact.ComponentChildren;
  wide?: boolean;
}

export function Modal({ title, onClose, children, footer, wide }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = `dlg${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    // The first field, or else the first footer button (Cancel, the safe choice), not the Close cross.
    const first = dialog.querySelector<HTMLElement>(
      '.modal-body input:not([type=hidden]):not([disabled]), .modal-body select:not([disabled]), .modal-body textarea:not([disabled]), .modal-footer button',
    );
    first?.focus();
    const cancel = (e: Event) => {
      e.preventDefault();
      closeRef.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      // Back to where the user was, for keyboard users.
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class={`modal${wide ? ' modal-wide' : ''}`} aria-labelledby={titleId}>
      <header class="modal-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="btn btn-ghost btn-small" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </header>
      <div class="modal-body">{children}</div>
      {footer && <footer class="modal-footer">{footer}</footer>}
    </dialog>
  );
}

export interface ConfirmDialogProps {
  title: string;
  children: preact.ComponentChildren;
  /** The button that does it ("Delete user alice"). */
  confirmLabel: string;
  danger?: boolean;
  /** Runs the action; a rejection is shown in the dialog, which stays open. */
  onConfirm: () => Promise<unknown> | unknown;
  onClose: () => void;
}

export function ConfirmDialog({ title, children, confirmLabel, danger, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" class={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} onClick={confirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      <div class="confirm-text">{children}</div>
      <ErrorBanner error={error} />
    </Modal>
  );
}
