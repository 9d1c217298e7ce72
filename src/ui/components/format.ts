/** How numbers, sizes, durations, times and tag values are shown everywhere in the UI. */
import { useEffect, useState } from 'preact/hooks';
import type { JsonValue } from './gateway-types.ts';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local date and time, to the second: 2026-05-04 13:07:21 (to the millisecond with `ms`). */
export function formatTime(ts: number | undefined, ms = false): string {
  if (ts === undefined || !Number.isFinite(ts)) return '—';
  const d = new Date(ts);
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return ms ? `${s}.${pad(d.getMilliseconds(), 3)}` : s;
}

/** A duration for people: 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(a)} ms`;
  if (a < 10_000) return `${(a / 1000).toFixed(1)} s`;
  const s = Math.round(a / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "12 s ago", "in 4 s", "just now". */
export function formatAge(ts: number | undefined, now = Date.now()): string {
  if (ts === undefined || !Number.isFinite(ts)) return '—';
  const diff = now - ts;
  if (Math.abs(diff) < 1000) return 'just now';
  return diff > 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

/** Whole numbers with thousands separators. */
export function formatCount(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US');
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A tag value as text: numbers without float noise, booleans as true/false, null as a dash. */
export function formatValue(v: JsonValue | undefined, type?: string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (type === 'datetime') return formatTime(v, true);
    if (Number.isInteger(v)) return String(v);
    return String(Number(v.toPrecision(7)));
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v === '' ? '""' : v;
}

/** The current time, refreshed every `everyMs`, so that ages ("3 s ago") keep counting. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
