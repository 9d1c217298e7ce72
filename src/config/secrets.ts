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

/** A device's secrets are matched by device name, a broker's by its position. */
export function keepSecrets(next: Record<string, Json>, prev: Readonly<Config>): Record<string, Json> {
  const devices = Array.isArray(next.devices)
    ? next.devices.map((d: { name?: string }) =>
        restore(
          d,
          prev.devices.find((p) => p.name === d?.name),
        ),
      )
    : next.devices;
  return { ...(restore({ ...next, devices: undefined }, { ...prev, devices: undefined }) as Record<string, Json>), devices };
}

/** Restores one device's secrets from the device it replaces. */
export const keepDeviceSecrets = <T>(next: T, prev: unknown): T => restore(next, prev) as T;
