/**
 * The no-loss audit: a simulator register that counts once per read
 * (generator `counter` with `perRead`), read by the gateway as the metric
 * `Count`; every value the host received is collected from births and data, and
 * a value missing between the first and the last seen is a lost value.
 */
import type { HostMessage, SparkplugHost } from './sparkplug-host.ts';
import { waitFor } from './wait.ts';

export interface Seen {
  value: number;
  historical: boolean;
  ts: number;
}

/** Every value of the Count metric the host received, from births and data (aliases from the births). */
export function counterValues(messages: HostMessage[], metric = 'Count'): Seen[] {
  let alias: number | undefined;
  const seen: Seen[] = [];
  for (const m of messages) {
    if (m.type === 'DBIRTH') {
      const found = m.metrics.find((x) => x.name === metric);
      if (!found) continue;
      alias = found.alias;
      if (found.value !== null && found.value !== undefined) seen.push({ value: found.value as number, historical: false, ts: found.timestamp ?? 0 });
    } else if (m.type === 'DDATA') {
      for (const x of m.metrics) {
        if (x.alias === alias && typeof x.value === 'number') seen.push({ value: x.value, historical: x.isHistorical === true, ts: x.timestamp ?? 0 });
      }
    }
  }
  return seen;
}

/** Values missing between the first and the last seen; duplicates that are not historical. */
export function audit(seen: Seen[]) {
  const values = new Set(seen.map((s) => s.value));
  const max = Math.max(...values);
  const min = Math.min(...values);
  const missing: number[] = [];
  for (let v = min; v <= max; v++) if (!values.has(v)) missing.push(v);
  const live = new Map<number, number>();
  for (const s of seen) if (!s.historical) live.set(s.value, (live.get(s.value) ?? 0) + 1);
  const liveDuplicates = [...live.entries()].filter(([, n]) => n > 1).map(([v]) => v);
  const duplicates = seen.length - values.size;
  return { min, max, missing, liveDuplicates, duplicates };
}

/**
 * Waits until the host has every value up to a few live ones read after `since`, then audits; the error says what is missing.
 * `fromValue`: audit from this value on (the values a gateway read before it was stopped may end with one whose answer
 * was on the wire at the stop: counted by the simulator, never read by the gateway).
 */
export async function everyCounterValue(host: SparkplugHost, since: number, timeoutMs = 60_000, fromValue = Number.NEGATIVE_INFINITY) {
  const values = () => counterValues(host.messages).filter((s) => s.value >= fromValue);
  return waitFor(
    () => {
      const seen = values();
      const fresh = seen.filter((s) => !s.historical && s.ts > since);
      if (fresh.length < 3) return undefined;
      const result = audit(seen);
      return result.missing.length === 0 ? { seen, ...result } : undefined;
    },
    'every counter value, with fresh live ones after the outage',
    timeoutMs,
  ).catch((err) => {
    const result = audit(values());
    throw new Error(
      `${err.message}; missing ${result.missing.length} values (first ${result.missing.slice(0, 10).join(', ')}), range ${result.min}..${result.max}`,
    );
  });
}
