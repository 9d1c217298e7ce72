/** JSON-schema validation (ajv) with every error as `path: message`. */
import type { TSchema } from '@sinclair/typebox';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ConfigError, type ErrorDetail } from '../errors.ts';

const Ajv = AjvModule.default;
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, discriminator: true });
const compiled = new WeakMap<TSchema, ValidateFunction>();

function compile(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** `/devices/0/groups/1/tags/2/type` → `devices[0].groups[1].tags[2].type` */
export function formatPath(base: string, pointer: string): string {
  let path = base;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path ? `.${key}` : key;
  }
  return path || '(root)';
}

function describe(error: ErrorObject): { sub?: string; message: string } {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { sub: String(p.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { sub: String(p.additionalProperty), message: 'is not a known setting' };
    case 'discriminator':
      return p.error === 'mapping' ? { sub: String(p.tag), message: `must be one of the known kinds` } : { sub: String(p.tag), message: 'is required' };
    case 'enum':
      return { message: `must be one of: ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'type':
      return { message: `must be ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${p.type}` };
    default:
      return { message: error.message ?? 'is invalid' };
  }
}

/** Validates (and fills defaults into) `value` in place; returns every error. */
export function schemaErrors(schema: TSchema, value: unknown, base = ''): ErrorDetail[] {
  const validate = compile(schema);
  if (validate(value)) return [];
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const error of validate.errors ?? []) {
    // anyOf/oneOf add a summary error on top of the branch errors; the branches say more.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const { sub, message } = describe(error);
    const path = formatPath(base, sub ? `${error.instancePath}/${sub}` : error.instancePath);
    const key = `${path}\0${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      details.push({ path, message });
    }
  }
  return details;
}

/** Validates `value` (filling in defaults) or throws a ConfigError with every problem. */
export function assertSchema<T>(schema: TSchema, value: unknown, what: string): T {
  const details = schemaErrors(schema, value);
  if (details.length > 0) throw new ConfigError(`invalid ${what}`, details);
  return value as T;
}
