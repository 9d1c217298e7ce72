/** A read-only preview of tags to be added, with every problem on its row and column (ranges, CSV imports). */
import { useState } from 'preact/hooks';
import { DataTable } from '../../components/data-table.tsx';
import { errorsByRow } from './error-paths.ts';
import { type RowError, TAG_COLUMNS } from './tag-checks.ts';

export interface PreviewRow {
  /** What the first column shows: "1", or "line 3" for a file. */
  label: string;
  cells: Partial<Record<string, string | undefined>>;
}

const LIMIT = 500;

export function TagPreview({ rows, errors, caption, labelHeader = '#' }: { rows: PreviewRow[]; errors: RowError[]; caption: string; labelHeader?: string }) {
  const [all, setAll] = useState(false);
  const byRow = errorsByRow(errors);
  // Every row with a problem is shown; of the others, the first LIMIT (all on request).
  const shown = rows.map((r, i) => ({ r, i })).filter(({ i }) => all || i < LIMIT || byRow.has(i));
  return (
    <DataTable
      caption={caption}
      class="table-compact dv-preview-table"
      wrapClass="dv-preview"
      columns={[labelHeader, ...TAG_COLUMNS]}
      footer={
        shown.length < rows.length && (
          <p class="table-footer">
            {rows.length - shown.length} more rows without problems are not shown.{' '}
            <button type="button" class="btn-link" onClick={() => setAll(true)}>
              Show all {rows.length}
            </button>
          </p>
        )
      }
    >
      {shown.map(({ r, i }) => {
        const errs = byRow.get(i);
        const rowLevel = errs?.get('');
        return (
          <tr key={i} class={errs ? 'dv-row-invalid' : undefined} aria-invalid={errs ? 'true' : undefined}>
            <th scope="row" class="dv-preview-label">
              {r.label}
              {errs && <span class="visually-hidden"> (has problems)</span>}
            </th>
            {TAG_COLUMNS.map((c, ci) => {
              const messages = errs?.get(c);
              return (
                <td key={c} class={messages ? 'dv-cell-bad' : undefined}>
                  <span class={c === 'address' ? 'mono' : undefined}>{r.cells[c] ?? ''}</span>
                  {messages && <span class="field-error dv-cell-error">{messages.join('; ')}</span>}
                  {ci === 0 && rowLevel && <span class="field-error dv-cell-error">{rowLevel.join('; ')}</span>}
                </td>
              );
            })}
          </tr>
        );
      })}
    </DataTable>
  );
}
