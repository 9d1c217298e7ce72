/**
 * JSON has no bigint. 64-bit tag values travel as a number while they are safe
 * integers (|v| ≤ 2^53 − 1) and as a decimal string beyond, so no digit is lost.
 */

/** A bigint as JSON can carry it exactly; anything else unchanged. */
export function bigintToJson(v: bigint): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

/** A `JSON.stringify` replacer: `JSON.stringify(x, jsonReplacer)` never throws on a bigint. */
export function jsonReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? bigintToJson(v) : v;
}

/**
 * A copy of `v` with every bigint converted, for serializers that cannot take a
 * replacer (Fastify's preSerialization hook). Only arrays and plain objects are
 * walked: a Date or a Buffer keeps its own toJSON.
 */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return bigintToJson(v);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  }
  return v;
}
