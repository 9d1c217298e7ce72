/** Request validation for the API. */
import type { TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { schemaErrors } from '../config/schema-errors.ts';
import { PlexusError } from '../errors.ts';

/**
 * One validator for every request part: no coercion (a value arrives as the JSON type it was sent as),
 * unknown fields refused, every error as {path, message} in the configuration's path style.
 */
export const requestValidator: FastifySchemaCompiler<TSchema> =
  ({ schema }) =>
  (data) => {
    const details = schemaErrors(schema, data);
    if (details.length === 0) return { value: data };
    return { error: new PlexusError('PLX_BAD_REQUEST', `invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, 400, details) };
  };
