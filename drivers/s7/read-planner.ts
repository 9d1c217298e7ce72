/**
 * Plans a group's reads for a negotiated PDU size. Tags whose bytes overlap
 * (bits of one byte, a WORD and its BYTEs) form a span that is always read
 * within one item, so a value is never torn between two requests. Spans of one
 * area or DB less than `maxGap` bytes apart share an item; items are packed
 * into as few requests as the PDU allows:
 *
 *  - request: 10-byte header, 2 parameter bytes, 12 bytes per item: 12 + 12·n ≤ PDU;
 *  - response: 12-byte header, 2 parameter bytes, per item 4 header bytes and its data
 *    (padded to even): 14 + Σ(4 + even(length)) ≤ PDU;
 *  - at most 20 items per request (what S7-300/400 CPUs and snap7 accept);
 *  - one item at most 4·⌊(PDU − 18) / 4⌋ bytes (nodes7 splits longer ones itself).
 *
 * A span found to fail (a missing DB, a range past the end of a DB) is isolated:
 * it gets an item of its own, so it cannot take its neighbours down with it.
 */
import type { DriverTag } from '../contract.ts';
import { type S7Address, type S7Area, tagAddress } from './address.ts';

export interface PlannedTag {
  tag: DriverTag;
  addr: S7Address;
}

/** Tags whose bytes overlap: always read in one item (unless longer than an item can be). */
export interface Span {
  key: string;
  area: S7Area;
  db: number;
  start: number;
  /** Exclusive. */
  end: number;
  tags: PlannedTag[];
}

/** One S7 read item: a byte range of an area or DB. */
export interface ReadItem {
  area: S7Area;
  db: number;
  start: number;
  length: number;
  spans: Span[];
}

export interface ReadRequest {
  items: ReadItem[];
}

export interface PlanOptions {
  pduSize: number;
  /** Most items per request (default 20). */
  maxItems?: number;
  /** Largest run of unread bytes to read across (default 16). */
  maxGap?: number;
  /** Keys of spans read alone. */
  isolated?: ReadonlySet<string>;
}

export const MAX_ITEMS = 20;
const AREA_ORDER: Record<S7Area, number> = { I: 0, Q: 1, M: 2, DB: 3 };
const even = (n: number) => n + (n % 2);

/** What one request can carry at this PDU size. */
export function pduLimits(pduSize: number, maxItems = MAX_ITEMS) {
  return {
    /** Bytes of response data (with the 4 header bytes of each item). */
    payload: pduSize - 14,
    itemsPerRequest: Math.max(1, Math.min(maxItems, Math.floor((pduSize - 12) / 12))),
    itemBytes: 4 * Math.floor((pduSize - 18) / 4),
  };
}

export const spanKey = (area: S7Area, db: number, start: number) => `${area === 'DB' ? `DB${db}` : area}:${start}`;

/** Groups tags whose bytes overlap, sorted by area, DB and offset. */
export function spansOf(tags: readonly DriverTag[]): Span[] {
  const planned = tags.map((tag) => ({ tag, addr: tagAddress(tag) }));
  planned.sort(
    (a, b) => AREA_ORDER[a.addr.area] - AREA_ORDER[b.addr.area] || a.addr.db - b.addr.db || a.addr.offset - b.addr.offset || b.addr.size - a.addr.size,
  );
  const spans: Span[] = [];
  let current: Span | undefined;
  for (const p of planned) {
    const { area, db, offset, size } = p.addr;
    if (current && current.area === area && current.db === db && offset < current.end) {
      current.end = Math.max(current.end, offset + size);
      current.tags.push(p);
      continue;
    }
    current = { key: spanKey(area, db, offset), area, db, start: offset, end: offset + size, tags: [p] };
    spans.push(current);
  }
  return spans;
}

export function planReads(spans: readonly Span[], opts: PlanOptions): ReadRequest[] {
  const limits = pduLimits(opts.pduSize, opts.maxItems);
  const maxGap = opts.maxGap ?? 16;
  const isolated = opts.isolated ?? new Set<string>();
  const requests: ReadRequest[] = [];
  let request: ReadRequest | undefined;
  let used = 0;
  let item: ReadItem | undefined;

  const newItem = (span: Span, start: number, length: number) => {
    const need = 4 + even(length);
    if (!request || request.items.length >= limits.itemsPerRequest || used + need > limits.payload) {
      request = { items: [] };
      requests.push(request);
      used = 0;
    }
    item = { area: span.area, db: span.db, start, length, spans: [span] };
    request.items.push(item);
    used += need;
  };

  for (const span of spans) {
    const size = span.end - span.start;
    if (size > limits.itemBytes) {
      // Longer than one item can be (a long STRING at a small PDU): read in parts.
      for (let at = span.start; at < span.end; at += limits.itemBytes) newItem(span, at, Math.min(limits.itemBytes, span.end - at));
      item = undefined;
      continue;
    }
    const last = item?.spans[item.spans.length - 1];
    if (item && last && item.area === span.area && item.db === span.db && !isolated.has(span.key) && !isolated.has(last.key)) {
      const gap = span.start - (item.start + item.length);
      const length = span.end - item.start;
      const extra = even(length) - even(item.length);
      if (gap <= maxGap && length <= limits.itemBytes && used + extra <= limits.payload) {
        item.length = length;
        item.spans.push(span);
        used += extra;
        continue;
      }
    }
    newItem(span, span.start, size);
  }
  return requests;
}
