/**
 * Secrets in the configuration (broker and OPC UA passwords, key passphrases)
 * never leave the gateway: the API and exports leave them out, and a document
 * sent back without them keeps the stored ones. Send "" to clear a secret.
 */
import type { Config } from './schema.ts';

const SECRET = /^(password|passphrase)$|(Password|Passphrase|Secret)$/;

type Json = unknown;

/** A deep copy without secret fields; an object that had one gets `has<Key>: true` (e.g. hasPassword). */
export function withoutSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutSecrets) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET.test(k)) {
      if (v !== '' && v !== undefined) out[`has${k[0]?.toUpperCase()}${k.slice(1)}`] = true;
    } else out[k] = withoutSecrets(v);
  }
  return out as T;
}

/** Removes the `hasPassword` markers withoutSecrets adds, and copies secrets missing from `next` from `prev` (same path). */
function restore(next: Json, prev: Json): Json {
  if (Array.isArray(next)) return next.map((v, i) => restore(v, Array.isArray(prev) ? prev[i] : undefined));
  if (!next || typeof next !== 'object') return next;
  const before = prev && typeof prev === 'object' && !Array.isArray(prev) ? (prev as Record<string, Json>) : {};
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(next)) {
    const marker = /^has([A-Z]\w*)$/.exec(k);
    if (marker && SECRET.test(`${marker[1]?.[0]?.toLowerCase()}${marker[1]?.slice(1)}`)) continue;
    if (SECRET.test(k) && v === '') continue; // "" clears it
    out[k] = restore(v, before[k]);
  }
  for (const [k, v] of Object.entries(before)) if (SECRET.test(k) && !(k in next) && typeof v === 'string') out[k] = v;
  return out;
}

/** A device's secrets are matched by device name, a broker's by its URL. */
export function keepSecrets(next: Record<string, Json>, prev: Readonly<Config>): Record<string, Json> {
  const out = { ...next };
  if (Array.isArray(next.devices))
    out.devices = next.devices.map((d: { name?: string }) =>
      restore(
        d,
        prev.devices.find((p) => p.name === d?.name),
      ),
    );
  const nb = next.northbound as { brokers?: unknown } | undefined;
  if (nb && typeof nb === 'object') {
    const brokers = Array.isArray(nb.brokers)
      ? nb.brokers.map((b: { url?: string }) =>
          restore(
            b,
            prev.northbound.brokers.find((p) => p.url === b?.url),
          ),
        )
      : nb.brokers;
    out.northbound = { ...(restore({ ...nb, brokers: [] }, prev.northbound) as object), brokers };
  }
  return out;
}

/** Restores one device's secrets from the device it replaces. */
export const keepDeviceSecrets = <T>(next: T, prev: unknown): T => restore(next, prev) as T;
