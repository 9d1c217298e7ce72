/** Small schema builders shared by the configuration, driver and simulator schemas. */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** An enum as one JSON-schema `enum` (one clear error instead of one per literal). */
export const Enum = <T extends (string | number)[]>(values: [...T], options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ enum: values, ...options });

/** A union chosen by `kind`: one clear error, and defaults applied inside (ajv discriminator). */
export function KindUnion<T extends TSchema[]>(variants: [...T], description: string) {
  return Type.Unsafe<Static<T[number]>>({ type: 'object', discriminator: { propertyName: 'kind' }, required: ['kind'], oneOf: variants, description });
}
