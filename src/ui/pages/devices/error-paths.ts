/**
 * The gateway names every problem by a path in the request body
 * (`connection.port`, `groups[0].name`, `tags[3].address`). These put each
 * one next to its field, or on its row and column. Pure.
 */
import { ApiError, type ErrorDetail } from '../../api.ts';
import type { RowError } from './tag-checks.ts';

/** The gateway's details of a failed request (none for any other error). */
export const detailsOf = (err: unknown): ErrorDetail[] => (err instanceof ApiError ? err.details : []);

/** The error to show as a banner: none when its details are shown where they belong (at fields, on rows). */
export const unplacedError = (err: unknown): unknown => (detailsOf(err).length > 0 ? undefined : err);

/** `groups[0].tags[2].type` → ['groups', 0, 'tags', 2, 'type']. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

/**
 * Attaches each detail to the nearest known field path (itself, or the closest
 * ancestor: `connection.identity.kind` goes to `connection.identity` when
 * that is the field); the rest are `other`, for a list above the form.
 */
export function placeDetails(details: readonly ErrorDetail[], known: Iterable<string>): { byPath: Record<string, string>; other: ErrorDetail[] } {
  const paths = new Set(known);
  const byPath: Record<string, string> = {};
  const other: ErrorDetail[] = [];
  for (const d of details) {
    let p = d.path;
    let extra = '';
    while (p && !paths.has(p)) {
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      extra = p.slice(cut).replace(/^\./, '') + (extra ? `.${extra}` : '');
      p = cut > 0 ? p.slice(0, cut) : '';
    }
    if (!p) {
      other.push(d);
      continue;
    }
    const message = extra ? `${extra}: ${d.message}` : d.message;
    byPath[p] = byPath[p] ? `${byPath[p]}; ${message}` : message;
  }
  return { byPath, other };
}

/**
 * Row errors from `tags[i].field` details: row i (plus `offset`), column
 * `field`; a deeper path (`tags[2].steps[0].factor`) is kept in the message.
 */
export function rowDetails(details: readonly ErrorDetail[], list = 'tags', offset = 0): { rows: RowError[]; other: ErrorDetail[] } {
  const rows: RowError[] = [];
  const other: ErrorDetail[] = [];
  const re = new RegExp(`^${list}\\[(\\d+)\\](?:\\.([A-Za-z_$][\\w$]*)(.*))?$`);
  for (const d of details) {
    const m = re.exec(d.path);
    if (!m) {
      other.push(d);
      continue;
    }
    const [, index, column, rest] = m;
    rows.push({ row: Number(index) + offset, column, message: rest ? `${rest.replace(/^\./, '')}: ${d.message}` : d.message });
  }
  return { rows, other };
}

/** Row errors merged, the UI's first; the gateway's repeats of a column the UI already faulted are dropped. */
export function mergeRowErrors(local: readonly RowError[], server: readonly RowError[]): RowError[] {
  const seen = new Set(local.map((e) => `${e.row}\0${e.column ?? ''}`));
  return [...local, ...server.filter((e) => !seen.has(`${e.row}\0${e.column ?? ''}`))];
}

/** Row errors by row, then by column ('' for the row as a whole). */
export function errorsByRow(errors: readonly RowError[]): Map<number, Map<string, string[]>> {
  const out = new Map<number, Map<string, string[]>>();
  for (const e of errors) {
    const row = out.get(e.row) ?? new Map<string, string[]>();
    out.set(e.row, row);
    const key = e.column ?? '';
    row.set(key, [...(row.get(key) ?? []), e.message]);
  }
  return out;
}

/** The device a path is in, to name its groups and tags. */
export interface Named {
  name: string;
  groups?: readonly { name: string; tags?: readonly { name: string }[] }[];
}

/** A path people read: `groups[0].tags[2].address` → `group "fast", tag "T3", address`. */
export function describePath(path: string, device?: Named): string {
  const parts = parsePath(path);
  // A path of the whole document (a clash with another group's tag) names the device first: this page is about it.
  if (parts[0] === 'devices' && typeof parts[1] === 'number') parts.splice(0, 2);
  const words: string[] = [];
  let group: { name: string; tags?: readonly { name: string }[] } | undefined;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const index = parts[i + 1];
    if (p === 'groups' && typeof index === 'number') {
      group = device?.groups?.[index];
      words.push(group ? `group "${group.name}"` : `group ${index + 1}`);
      i++;
    } else if (p === 'tags' && typeof index === 'number') {
      const tag = group?.tags?.[index];
      words.push(tag ? `tag "${tag.name}"` : `tag ${index + 1}`);
      i++;
    } else if (typeof p === 'number') words.push(`item ${p + 1}`);
    else words.push(String(p));
  }
  return words.join(', ');
}
