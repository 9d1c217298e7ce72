/**
 * A tag's settings besides the table's columns, as a form made from the tag
 * schema: metadata (published in the births), pipeline steps, deadband,
 * valid range, bad-read handling, aggregates. The edit goes back into the
 * table's row; the table's (or the template's) save applies it.
 */
import { useMemo, useState } from 'preact/hooks';
import { FormActions } from '../../components/form-field.tsx';
import { Modal } from '../../components/modal.tsx';
import type { ConfigSchema } from './config-api.ts';
import { checkAll, fieldsOf } from './schema-fields.ts';
import { SchemaFields } from './schema-form.tsx';
import { TAG_COLUMNS, type TagDraft } from './tag-checks.ts';

export interface TagSettingsDialogProps {
  tag: TagDraft;
  schema: ConfigSchema;
  /** False for viewers: the form is shown disabled. */
  editable: boolean;
  /** What applies the change ("Save the tags to apply them."). */
  then: string;
  onClose: () => void;
  onDone: (tag: TagDraft) => void;
}

export function TagSettingsDialog({ tag, schema, editable, then, onClose, onDone }: TagSettingsDialogProps) {
  const fields = useMemo(() => fieldsOf(schema.tag, '', [...TAG_COLUMNS]), [schema]);
  const [draft, setDraft] = useState<Record<string, unknown>>(() => structuredClone(tag));
  const [tried, setTried] = useState(false);
  const errors = tried ? checkAll(fields, draft) : {};
  const submit = (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(checkAll(fields, draft)).length > 0) return;
    onDone(draft as TagDraft);
  };
  return (
    <Modal title={`Settings of tag ${tag.name || '(new)'}`} onClose={onClose} wide>
      <form class="form" onSubmit={submit} noValidate aria-label="Tag settings">
        <p class="muted">Address, type, access, unit and description are edited in the table. {editable ? then : 'Changing them needs an administrator.'}</p>
        <fieldset class="dv-form-grid" disabled={!editable}>
          <SchemaFields fields={fields} value={draft} onChange={setDraft} errors={errors} />
        </fieldset>
        {tried && Object.keys(errors).length > 0 && (
          <p class="field-error" role="alert">
            Check the {Object.keys(errors).length === 1 ? 'field' : `${Object.keys(errors).length} fields`} marked in red.
          </p>
        )}
        {editable && <FormActions onCancel={onClose} busy={false} label="Done" busyLabel="Done" />}
      </form>
    </Modal>
  );
}
