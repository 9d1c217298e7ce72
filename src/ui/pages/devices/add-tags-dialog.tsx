/** What the dialogs that add tags to a group share (range, CSV import, browse): their props and their footer. */
import type { ConfigSchema, GroupConfig } from './config-api.ts';
import type { GroupsOwner } from './groups-owner.ts';

export interface AddTagsDialogProps {
  /** The device or template the group is in. */
  owner: GroupsOwner;
  group: GroupConfig;
  schema: ConfigSchema;
  onClose: () => void;
  /** The tags are added (saved, or in the template's draft): says what was added. */
  onAdded: (message: string) => Promise<void>;
}

/** muted while waiting, field-error for problems, dv-ok-text when the gateway accepts the tags. */
export type StatusTone = 'muted' | 'field-error' | 'dv-ok-text';

export interface AddTagsFooterProps {
  status: string;
  tone?: StatusTone;
  onCancel: () => void;
  onAdd: () => void;
  disabled: boolean;
  label: string;
  /** More buttons, before Cancel. */
  children?: preact.ComponentChildren;
}

/** How things stand, Cancel, and the button that adds the tags. */
export function AddTagsFooter({ status, tone = 'muted', onCancel, onAdd, disabled, label, children }: AddTagsFooterProps) {
  return (
    <>
      <span class={`dv-footer-status ${tone}`} role="status">
        {status}
      </span>
      {children}
      <button type="button" class="btn" onClick={onCancel}>
        Cancel
      </button>
      <button type="button" class="btn btn-primary" onClick={onAdd} disabled={disabled}>
        {label}
      </button>
    </>
  );
}
