/**
 * The UI's tables: a caption for screen readers, one header row made from the
 * columns, and the body rows the page draws. `DataTable` puts the table in
 * the bordered box that scrolls sideways, with an optional footer under it.
 */
import type { ComponentChildren, Ref } from 'preact';

export interface Column {
  /** The header text; the key of the column, too. */
  label: string;
  /** Right-aligned, for numbers. */
  num?: boolean;
  /** More classes of the header cell (`hide-narrow`). */
  class?: string;
  /** The header is for screen readers only (a column of buttons). */
  hidden?: boolean;
  /** Shown after the label, e.g. a help mark. */
  after?: ComponentChildren;
}

/** A column of buttons, its header said by screen readers only. */
export const actionsColumn = (label = 'Actions'): Column => ({ label, hidden: true });

/** A string is a plain column; `false` leaves one out (a column only admins see). */
export type Columns = readonly (Column | string | false | undefined)[];

/** The columns that are shown, as objects. */
export const shownColumns = (columns: Columns): Column[] => columns.flatMap((c) => (typeof c === 'string' ? [{ label: c }] : c ? [c] : []));

export interface TableProps {
  caption: string;
  columns: Columns;
  /** Classes besides `table`. */
  class?: string;
  tableRef?: Ref<HTMLTableElement>;
  children: ComponentChildren;
}

export function Table({ caption, columns, class: cls, tableRef, children }: TableProps) {
  return (
    <table class={cls ? `table ${cls}` : 'table'} ref={tableRef}>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {shownColumns(columns).map((c) => (
            <th key={c.label} scope="col" class={[c.num && 'num', c.class].filter(Boolean).join(' ') || undefined}>
              {c.hidden ? <span class="visually-hidden">{c.label}</span> : c.label}
              {c.after}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

export interface DataTableProps extends TableProps {
  /** Classes besides `table-wrap` (a height limit, say). */
  wrapClass?: string;
  /** Under the table, inside its box: counts, "nothing matches the filter". */
  footer?: ComponentChildren;
}

export function DataTable({ wrapClass, footer, ...table }: DataTableProps) {
  return (
    <div class={wrapClass ? `table-wrap ${wrapClass}` : 'table-wrap'}>
      <Table {...table} />
      {footer}
    </div>
  );
}
