/**
 * CSV for tag lists (RFC 4180): quoted fields with "" for a quote, commas and
 * line breaks inside quotes, CRLF or LF line ends. Files from spreadsheets in
 * countries with a decimal comma use semicolons, and a paste from a
 * spreadsheet is tab-separated: the header line tells which. Pure.
 */
import { normalizeAccess, type RowError, TAG_COLUMNS, type TagColumn, type TagDraft } from './tag-checks.ts';

export interface CsvRecord {
  /** The (1-based) line the record starts on, for messages. */
  line: number;
  cells: string[];
}

export interface CsvParse {
  records: CsvRecord[];
  errors: { line: number; message: string }[];
  delimiter: string;
}

/** The delimiter of a file: the one of comma, semicolon and tab its first line has most of, outside quotes. */
export function detectDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch] = (counts[ch] ?? 0) + 1;
  }
  return Object.entries(counts).reduce((best, cur) => (cur[1] > best[1] ? cur : best), [',', 0] as [string, number])[0];
}

/** Splits CSV text into records of cells. Blank lines are skipped; an unterminated quote is an error. */
export function parseCsv(input: string, delimiter = detectDelimiter(input)): CsvParse {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const errors: CsvParse['errors'] = [];
  let line = 1;
  let recordLine = 1;
  let cells: string[] = [];
  let cell = '';
  let i = 0;
  /** True when the current cell was quoted (a quoted empty cell still counts). */
  let wasQuoted = false;
  /** True when a cell of the current record was quoted: `""` alone is a record with one empty cell, not a blank line. */
  let wasQuotedRecord = false;
  const endCell = () => {
    cells.push(cell);
    cell = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endCell();
    if (!(cells.length === 1 && cells[0] === '' && !wasQuotedRecord)) records.push({ line: recordLine, cells });
    cells = [];
    wasQuotedRecord = false;
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' && cell === '' && !wasQuoted) {
      // A quoted field: up to the closing quote; "" is a quote.
      const start = line;
      wasQuoted = true;
      wasQuotedRecord = true;
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        if (c === '\n') line++;
        else if (c === '\r' && text[i + 1] !== '\n') line++;
        cell += c;
        i++;
      }
      if (!closed) {
        errors.push({ line: start, message: `a quoted field starting on line ${start} has no closing quote` });
        endRecord();
        return { records, errors, delimiter };
      }
      // After the closing quote comes a delimiter or a line end; anything else is kept but reported.
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        errors.push({ line, message: 'text after a closing quote: put the whole field in quotes, and write a quote inside as ""' });
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') cell += text[i++];
      }
      continue;
    }
    if (ch === delimiter) {
      endCell();
      i++;
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      cell += ch;
      i++;
    }
  }
  if (cell !== '' || cells.length > 0 || wasQuoted) endRecord();
  return { records, errors, delimiter };
}

/** One field, quoted when it must be (delimiter, quote, line break, or spaces at an end that a reader might trim). */
function csvField(value: string, delimiter = ','): string {
  if (value.includes(delimiter) || /["\r\n]/.test(value) || /^\s|\s$/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** Rows as CSV text with CRLF line ends (RFC 4180), ending with a line break. */
export function formatCsv(rows: readonly (readonly string[])[], delimiter = ','): string {
  return rows.map((r) => r.map((c) => csvField(c, delimiter)).join(delimiter)).join('\r\n') + (rows.length > 0 ? '\r\n' : '');
}

/** A group's tags as CSV: the columns people edit, one tag a line. */
export function tagsToCsv(tags: readonly TagDraft[]): string {
  return formatCsv([[...TAG_COLUMNS], ...tags.map((t) => TAG_COLUMNS.map((c) => (t[c] === undefined || t[c] === null ? '' : String(t[c]))))]);
}

export interface CsvTagRow {
  /** The line of the file the row starts on. */
  line: number;
  /** The cells by column, as written. */
  cells: Partial<Record<TagColumn, string>>;
  tag: TagDraft;
}

export interface CsvTags {
  rows: CsvTagRow[];
  /** Problems of single rows (row = index in `rows`). */
  rowErrors: RowError[];
  /** Problems of the whole file (no header, a missing column, a broken quote). */
  fileErrors: string[];
  /** Things worth knowing that are no error (an ignored column). */
  notes: string[];
  delimiter: string;
}

const COLUMN_ALIASES: Record<string, TagColumn> = { tag: 'name', tagname: 'name', datatype: 'type', units: 'unit', comment: 'description' };
const REQUIRED: TagColumn[] = ['name', 'address', 'type'];

/**
 * Tags from CSV text with a header row (name,address,type,access,unit,description
 * in any order; name, address and type required). Every parse problem is reported,
 * on its row when it has one.
 */
export function tagsFromCsv(text: string): CsvTags {
  const parsed = parseCsv(text);
  const out: CsvTags = { rows: [], rowErrors: [], fileErrors: [], notes: [], delimiter: parsed.delimiter };
  const [header, ...records] = parsed.records;
  if (!header) {
    out.fileErrors.push('there is nothing to import: the first line must be a header such as name,address,type,access,unit,description');
    return out;
  }
  const columns: (TagColumn | undefined)[] = header.cells.map((h) => {
    const key = h
      .trim()
      .toLowerCase()
      .replace(/[\s_-]/g, '');
    return (TAG_COLUMNS as readonly string[]).includes(key) ? (key as TagColumn) : COLUMN_ALIASES[key];
  });
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    out.fileErrors.push(
      `the header line ("${header.cells.join(parsed.delimiter)}") has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}: the first line must name the columns, e.g. name,address,type,access,unit,description`,
    );
    return out;
  }
  const ignored = header.cells.filter((_, i) => columns[i] === undefined);
  if (ignored.length > 0) out.notes.push(`ignored column${ignored.length > 1 ? 's' : ''}: ${ignored.map((c) => `"${c}"`).join(', ')}`);
  const twice = TAG_COLUMNS.filter((c) => columns.filter((x) => x === c).length > 1);
  if (twice.length > 0) out.fileErrors.push(`the header names ${twice.join(', ')} more than once`);

  for (const e of parsed.errors) {
    const row = records.findIndex((r, i) => r.line <= e.line && (records[i + 1]?.line ?? Number.POSITIVE_INFINITY) > e.line);
    if (row >= 0) out.rowErrors.push({ row, message: `line ${e.line}: ${e.message}` });
    else out.fileErrors.push(`line ${e.line}: ${e.message}`);
  }
  records.forEach((r, row) => {
    const cells: CsvTagRow['cells'] = {};
    columns.forEach((c, i) => {
      if (c && r.cells[i] !== undefined) cells[c] = r.cells[i];
    });
    if (r.cells.length > header.cells.length && r.cells.slice(header.cells.length).some((c) => c.trim() !== ''))
      out.rowErrors.push({
        row,
        message: `has ${r.cells.length} cells, the header ${header.cells.length}: a value with a ${parsed.delimiter === '\t' ? 'tab' : `"${parsed.delimiter}"`} in it needs quotes`,
      });
    const tag: TagDraft = { name: (cells.name ?? '').trim(), type: (cells.type ?? '').trim().toLowerCase() };
    const address = cells.address?.trim();
    if (address) tag.address = address;
    const access = normalizeAccess(cells.access ?? '');
    if (access !== undefined) tag.access = access;
    if (cells.unit?.trim()) tag.unit = cells.unit.trim();
    if (cells.description?.trim()) tag.description = cells.description;
    out.rows.push({ line: r.line, cells, tag });
  });
  if (out.rows.length === 0 && out.fileErrors.length === 0) out.fileErrors.push('the file has a header but no tags');
  return out;
}
