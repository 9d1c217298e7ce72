/**
 * "Import CSV": tags from a file or a paste (a header row, then
 * name,address,type,access,unit,description), shown row by row with every
 * problem — the file's own and the gateway's dry-run verdict — and saved
 * only when there is none: a bad import changes nothing.
 */
import { useMemo, useState } from 'preact/hooks';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { Modal } from '../../components/modal.tsx';
import { type AddTagsDialogProps, AddTagsFooter, type StatusTone } from './add-tags-dialog.tsx';
import { tagsFromCsv } from './csv.ts';
import { detailsOf, mergeRowErrors, rowDetails, unplacedError } from './error-paths.ts';
import { ProblemList } from './problem-list.tsx';
import { described, useDomId } from './schema-form.tsx';
import { checkTags, namesOutside, TAG_COLUMNS, type TagDraft } from './tag-checks.ts';
import { TagPreview } from './tag-preview.tsx';
import { dryRunKey, useDryRun } from './use-dry-run.ts';

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };
const EXAMPLE = 'name,address,type,access,unit,description\nInletTemp,40001,float32,read,°C,Inlet temperature\nSetpoint,40003,float32,readwrite,°C,';

export function CsvImportDialog({ owner, group, schema, onClose, onAdded }: AddTagsDialogProps) {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string>();
  const [fileError, setFileError] = useState<string>();
  const [mode, setMode] = useState<'append' | 'replace'>('append');
  const [busy, setBusy] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>();
  const fileId = useDomId('csv');
  const textId = useDomId('csv');

  const parsed = useMemo(() => (text.trim() ? tagsFromCsv(text) : undefined), [text]);
  /** In replace mode a tag keeps what the file does not say (steps, deadband, columns the file leaves out). */
  const tags = useMemo<TagDraft[]>(() => {
    if (!parsed) return [];
    const existing = new Map(group.tags.map((t): [string, TagDraft] => [t.name, t]));
    return parsed.rows.map((r) => {
      const old = mode === 'replace' ? existing.get(r.tag.name) : undefined;
      if (!old) return r.tag;
      const kept: TagDraft = { ...old };
      for (const c of TAG_COLUMNS) if (c in r.cells) delete kept[c];
      return { ...kept, ...r.tag };
    });
  }, [parsed, mode, group.tags]);
  const taken = useMemo(() => namesOutside(owner.groups, mode === 'replace' ? group.name : undefined), [owner.groups, group.name, mode]);
  const local = useMemo(() => {
    if (!parsed) return [];
    return mergeRowErrors(parsed.rowErrors, checkTags(tags, { dataTypes: schema.dataTypes, taken }));
  }, [parsed, tags, schema.dataTypes, taken]);
  const checkable = parsed && parsed.fileErrors.length === 0 && tags.length > 0 && tags.length <= 10_000;
  const check = useDryRun(owner, group.name, checkable ? tags : undefined, mode);
  const submitted = rowDetails(detailsOf(submitError), 'tags');
  const current = checkable && check.checked === dryRunKey(tags, mode);
  const rowErrors = mergeRowErrors(local, [...(current ? check.rows : []), ...submitted.rows]);
  const other = [...(current ? check.other : []), ...submitted.other];
  const fileErrors = [...(fileError ? [fileError] : []), ...(parsed?.fileErrors ?? [])];
  if (tags.length > 10_000) fileErrors.push(`the file has ${tags.length} tags; at most 10000 go in one import`);
  const problemRows = new Set(rowErrors.map((e) => e.row)).size;
  const ready = !!current && check.state === 'ok' && rowErrors.length === 0 && other.length === 0 && fileErrors.length === 0 && !busy;

  const readFile = async (file: File | undefined) => {
    setFileError(undefined);
    setSubmitError(undefined);
    if (!file) return;
    if (file.size > 5_000_000) {
      setFileError(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; a tag list is far smaller — is it the right file?`);
      return;
    }
    const bytes = await file.arrayBuffer();
    // Excel on Windows saves "CSV" in the ANSI code page: text that is not UTF-8 is read as Windows-1252 (°C stays °C).
    let decoded: string;
    let encoding = 'UTF-8';
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      decoded = new TextDecoder('windows-1252').decode(bytes);
      encoding = 'Windows-1252';
    }
    setFileName(`${file.name}${encoding === 'UTF-8' ? '' : ` (${encoding})`}`);
    setText(decoded);
  };

  const save = async () => {
    setBusy(true);
    setSubmitError(undefined);
    try {
      await owner.putTags(group.name, tags, mode, false);
      await onAdded(
        mode === 'append'
          ? `Imported ${tags.length} tag${tags.length === 1 ? '' : 's'} into ${group.name}${fileName ? ` from ${fileName}` : ''}.`
          : `Replaced the tags of ${group.name} with the ${tags.length} of ${fileName ?? 'the CSV'}.`,
      );
    } catch (err) {
      setSubmitError(err);
      setBusy(false);
    }
  };

  let status = '';
  let statusClass: StatusTone = 'muted';
  if (parsed && fileErrors.length === 0) {
    if (rowErrors.length > 0 || other.length > 0) {
      status = `${problemRows + (other.length > 0 ? 1 : 0)} row${problemRows === 1 ? '' : 's'} with problems — nothing is imported until they are fixed`;
      statusClass = 'field-error';
    } else if (!current || check.state === 'checking') status = 'Checking with the gateway…';
    else if (check.state === 'ok') {
      status = `Ready: ${tags.length} tag${tags.length === 1 ? '' : 's'}, checked by the gateway`;
      statusClass = 'dv-ok-text';
    }
  } else if (fileErrors.length > 0) {
    status = 'The file cannot be read as a tag list';
    statusClass = 'field-error';
  }

  return (
    <Modal
      title={`Import tags into ${group.name} from CSV`}
      onClose={onClose}
      wide
      footer={
        <AddTagsFooter
          status={status}
          tone={statusClass}
          onCancel={onClose}
          onAdd={save}
          disabled={!ready}
          label={busy ? 'Importing…' : tags.length > 0 ? `Import ${tags.length} tag${tags.length === 1 ? '' : 's'}` : 'Import'}
        />
      }
    >
      <div class="dv-dialog">
        <div class="form">
          <p class="muted small">
            A header row, then one tag a line: <code>name,address,type,access,unit,description</code> (name, address and type are required; access is read or
            readwrite). Commas, semicolons and tabs (a paste from a spreadsheet) all work; quote a value that has one in it.
          </p>
          <div class="dv-form-grid">
            <div class="field dv-field">
              <label for={fileId}>CSV file</label>
              <input id={fileId} type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void readFile(e.currentTarget.files?.[0])} />
              {fileName && <p class="field-hint">Read {fileName}; you can correct it below.</p>}
            </div>
            <fieldset class="dv-fieldset dv-mode">
              <legend>The rows are</legend>
              <label class="check">
                <input type="radio" name="csv-mode" checked={mode === 'append'} onChange={() => setMode('append')} />
                added to the {group.tags.length} tag{group.tags.length === 1 ? '' : 's'} of {group.name}
              </label>
              <label class="check">
                <input type="radio" name="csv-mode" checked={mode === 'replace'} onChange={() => setMode('replace')} />
                the new tag list of {group.name} (tags not in the file are deleted)
              </label>
            </fieldset>
          </div>
          <div class={`field dv-field${fileErrors.length > 0 ? ' field-invalid' : ''}`}>
            <label for={textId}>CSV text</label>
            <textarea
              {...described(textId, fileErrors[0], true)}
              class="mono dv-csv-text"
              rows={6}
              spellcheck={false}
              placeholder={EXAMPLE}
              value={text}
              onInput={(e) => {
                setText(e.currentTarget.value);
                setSubmitError(undefined);
              }}
            />
            {fileErrors.length > 0 && (
              <div class="field-error" id={`${textId}-error`}>
                {fileErrors.map((m) => (
                  <p key={m}>{m}</p>
                ))}
              </div>
            )}
            <p class="field-hint" id={`${textId}-hint`}>
              Paste here, or choose a file above.{' '}
              {parsed && fileErrors.length === 0 && (
                <>
                  {parsed.rows.length} row{parsed.rows.length === 1 ? '' : 's'}, {DELIMITER_NAMES[parsed.delimiter] ?? parsed.delimiter}-separated.
                </>
              )}{' '}
              {parsed?.notes.join('; ')}
            </p>
          </div>
        </div>
        {parsed && parsed.rows.length > 0 && (
          <>
            <h3 class="dv-preview-title">
              Preview{' '}
              {problemRows > 0 && (
                <span class="field-error">
                  · {problemRows} row{problemRows === 1 ? '' : 's'} with problems
                </span>
              )}
            </h3>
            <TagPreview
              caption="Tags in the CSV"
              labelHeader="Line"
              rows={parsed.rows.map((r) => ({ label: String(r.line), cells: r.cells }))}
              errors={rowErrors}
            />
          </>
        )}
        <ProblemList details={other} device={owner} />
        {current && check.state === 'failed' && <ErrorBanner error={check.error} title="The gateway could not check the tags" />}
        <ErrorBanner error={unplacedError(submitError)} title="Nothing was imported" />
      </div>
    </Modal>
  );
}
