/**
 * JSON schema → form fields. The gateway's configuration schema is the one
 * source of the forms: every property becomes a field with its label, unit,
 * help (the description), default, range and kind. Pure: no DOM, no Preact.
 */

/** The subset of JSON Schema the configuration uses (TypeBox output). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  writeOnly?: boolean;
  readOnly?: boolean;
  discriminator?: { propertyName: string };
  additionalProperties?: boolean | JsonSchema;
  /** A map of names to values (TypeBox Record). */
  patternProperties?: Record<string, JsonSchema>;
}

export type FieldKind =
  /** A single-line text input. */
  | 'text'
  /** A secret: a password input; the API never returns it (`has<Key>: true` marks a stored one). */
  | 'password'
  | 'integer'
  | 'number'
  | 'boolean'
  /** A select of fixed values (JSON schema `enum`, or `anyOf` of `const`). */
  | 'enum'
  /** A fieldset of the object's own fields. */
  | 'object'
  /** One of several object shapes picked by a discriminator (`kind`): a select, then the chosen shape's fields. */
  | 'union'
  /** An `anyOf` of simple types (e.g. a number or a hex string): a text input, numbers kept as numbers. */
  | 'textOrNumber'
  /** An array of simple values: one per line. */
  | 'list'
  /** An array of objects or shapes (pipeline steps, shifts): one block each, added and removed one by one. */
  | 'items'
  /** Names to simple values (metadata, parameters): one `name = value` per line. */
  | 'record'
  /** Anything else: shown as JSON, read-only. */
  | 'unsupported';

export interface EnumOption {
  value: string | number | boolean;
  label: string;
}

export interface UnionVariant {
  value: string;
  label: string;
  fields: Field[];
}

export interface Field {
  /** The property name. */
  key: string;
  /** Dotted path from the form's root: `connection.identity.username`; matches API error detail paths. */
  path: string;
  kind: FieldKind;
  label: string;
  /** A unit taken from the property name (`timeoutMs` → ms). */
  unit?: string;
  /** The schema's description, shown as help under the field. */
  help?: string;
  required: boolean;
  default?: unknown;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  options?: EnumOption[];
  /** An object's fields. */
  fields?: Field[];
  /** A union's discriminator property and its shapes. */
  discriminator?: string;
  variants?: UnionVariant[];
  /** A list's item field (kind text, integer, number or enum). */
  item?: Field;
  /** Names a record field offers (a template's parameters); metadata fields offer the usual ones without it. */
  suggest?: readonly string[];
  schema: JsonSchema;
}

/** Words written in capitals by people in the field. */
const ACRONYMS: Record<string, string> = {
  id: 'ID',
  url: 'URL',
  tsap: 'TSAP',
  pdu: 'PDU',
  ip: 'IP',
  tls: 'TLS',
  mqtt: 'MQTT',
  rtu: 'RTU',
  tcp: 'TCP',
  opc: 'OPC',
  ua: 'UA',
  db: 'DB',
};
/** Unit suffixes of property names (`timeoutMs`, `keepaliveS`, `maxBytes`). */
const UNIT_SUFFIXES: [string, string][] = [
  ['Ms', 'ms'],
  ['S', 's'],
  ['Bytes', 'bytes'],
  ['Percent', '%'],
];
const KNOWN_UNITS: Record<string, string> = { baudRate: 'bit/s' };

/** `delayBetweenRequestsMs` → label "Delay between requests", unit "ms"; `unitId` → "Unit ID". */
export function humanize(key: string): { label: string; unit?: string } {
  let name = key;
  let unit: string | undefined = KNOWN_UNITS[key];
  for (const [suffix, u] of UNIT_SUFFIXES) {
    // Only a real suffix after a lower-case letter: `maxBytes` yes, `Bytes` alone no.
    if (name.length > suffix.length && name.endsWith(suffix) && /[a-z0-9]/.test(name[name.length - suffix.length - 1] ?? '')) {
      name = name.slice(0, -suffix.length);
      unit = u;
      break;
    }
  }
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w, i) => {
      const lower = w.toLowerCase();
      if (ACRONYMS[lower]) return ACRONYMS[lower];
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
    });
  return { label: words.join(' ') || key, unit };
}

const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

const isSimple = (s: JsonSchema) => ['string', 'integer', 'number', 'boolean'].includes(typeOf(s) ?? '') || s.enum !== undefined || s.const !== undefined;

function enumOptions(s: JsonSchema): EnumOption[] | undefined {
  if (Array.isArray(s.enum)) return s.enum.map((v) => ({ value: v as EnumOption['value'], label: String(v) }));
  const alts = s.anyOf ?? s.oneOf;
  if (alts && alts.length > 0 && alts.every((a) => a.const !== undefined))
    return alts.map((a) => ({ value: a.const as EnumOption['value'], label: a.title ?? String(a.const) }));
  return undefined;
}

function unionVariants(s: JsonSchema, path: string): { discriminator: string; variants: UnionVariant[] } | undefined {
  const alts = s.oneOf ?? s.anyOf;
  if (!alts || alts.length === 0) return undefined;
  const discriminator =
    s.discriminator?.propertyName ??
    Object.keys(alts[0]?.properties ?? {}).find((k) => alts.every((a) => a.properties?.[k]?.const !== undefined || a.properties?.[k]?.enum?.length === 1));
  if (!discriminator) return undefined;
  if (!alts.every((a) => typeOf(a) === 'object' || a.properties)) return undefined;
  return {
    discriminator,
    variants: alts.map((a) => {
      const d = a.properties?.[discriminator] as JsonSchema;
      const value = String(d.const ?? d.enum?.[0]);
      const rest: JsonSchema = { ...a, properties: Object.fromEntries(Object.entries(a.properties ?? {}).filter(([k]) => k !== discriminator)) };
      return { value, label: a.title ?? humanize(value).label, fields: fieldsOf(rest, path) };
    }),
  };
}

/** One property as a field. */
function fieldOf(key: string, schema: JsonSchema, required: boolean, base = ''): Field {
  return fieldAt(key, schema, required, base ? `${base}.${key}` : key);
}

function fieldAt(key: string, schema: JsonSchema, required: boolean, path: string): Field {
  const { label, unit } = humanize(key);
  const field: Field = {
    key,
    path,
    kind: 'unsupported',
    label: schema.title ?? label,
    unit,
    help: schema.description,
    required,
    default: schema.default,
    min: schema.minimum ?? schema.exclusiveMinimum,
    max: schema.maximum ?? schema.exclusiveMaximum,
    minLength: schema.minLength,
    maxLength: schema.maxLength,
    pattern: schema.pattern,
    schema,
  };
  const options = enumOptions(schema);
  const type = typeOf(schema);
  if (options) {
    field.kind = 'enum';
    field.options = options;
  } else if (type === 'boolean') field.kind = 'boolean';
  else if (type === 'integer') field.kind = 'integer';
  else if (type === 'number') field.kind = 'number';
  else if (type === 'string') field.kind = schema.writeOnly ? 'password' : 'text';
  else if (type === 'array' && schema.items && isSimple(schema.items)) {
    field.kind = 'list';
    field.item = fieldAt(key, schema.items, true, path);
  } else if (type === 'array' && schema.items && itemShape(schema.items, path)) {
    field.kind = 'items';
  } else if ((schema.oneOf || schema.anyOf) && unionVariants(schema, path)) {
    const u = unionVariants(schema, path) as NonNullable<ReturnType<typeof unionVariants>>;
    field.kind = 'union';
    field.discriminator = u.discriminator;
    field.variants = u.variants;
  } else if (schema.anyOf?.every(isSimple)) {
    field.kind = 'textOrNumber';
    const numeric = schema.anyOf.find((a) => typeOf(a) === 'integer' || typeOf(a) === 'number');
    field.min = numeric?.minimum;
    field.max = numeric?.maximum;
  } else if (type === 'object' && schema.patternProperties) {
    field.kind = 'record';
  } else if (type === 'object' && schema.properties) {
    field.kind = 'object';
    field.fields = fieldsOf(schema, path);
  }
  return field;
}

const itemShape = (items: JsonSchema, path: string) =>
  (typeOf(items) === 'object' && items.properties !== undefined) || ((items.oneOf || items.anyOf) && unionVariants(items, path) !== undefined);

/** Item `index` of an `items` field (an object or union field), with its paths under `steps[index]`; its key is the index. */
export function itemField(f: Field, index: number): Field {
  const item = fieldAt(String(index), f.schema.items ?? {}, true, `${f.path}[${index}]`);
  return { ...item, label: `${humanize(f.key).label} ${index + 1}` };
}

/** The fields of an object schema, in the schema's order; `skip` leaves properties out (e.g. `groups`). */
export function fieldsOf(schema: JsonSchema, base = '', skip: string[] = []): Field[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .filter(([k, s]) => !skip.includes(k) && !s.readOnly)
    .map(([k, s]) => fieldOf(k, s, required.has(k), base));
}

/** A new value for fields: every default, nested objects that are required, and the first shape of a union. */
export function defaultsOf(fields: Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = defaultOf(f);
    if (v !== undefined) out[f.key] = v;
  }
  return out;
}

function defaultOf(f: Field): unknown {
  if (f.default !== undefined) return structuredClone(f.default);
  // A new object needs its required choices made: the first one is as good a start as an empty select, and saves a click.
  if (f.kind === 'enum' && f.required) return f.options?.[0]?.value;
  if (f.kind === 'object' && f.required) return defaultsOf(f.fields ?? []);
  if (f.kind === 'union' && f.required) return variantDefaults(f, f.variants?.[0]?.value ?? '');
  return undefined;
}

/** The value of a union switched to another shape: the discriminator and that shape's defaults. */
export function variantDefaults(f: Field, variant: string): Record<string, unknown> {
  const v = f.variants?.find((x) => x.value === variant);
  return { [f.discriminator ?? 'kind']: variant, ...defaultsOf(v?.fields ?? []) };
}

/** The fields of a union value's current shape. */
export function variantOf(f: Field, value: unknown): UnionVariant | undefined {
  const kind = value && typeof value === 'object' ? (value as Record<string, unknown>)[f.discriminator ?? 'kind'] : undefined;
  return f.variants?.find((v) => v.value === kind);
}

/** What an input shows for a value. */
export function formatInput(f: Field, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (f.kind === 'list') return Array.isArray(value) ? value.map(String).join('\n') : String(value);
  if (f.kind === 'record' && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k} = ${formatRecordValue(v)}`)
      .join('\n');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** How a value of a name = value field is written: JSON for an object, else as it is. */
export const formatRecordValue = (v: unknown): string => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));

/** A value written after "name =": true/false, a number written as one ("0042", a serial number, stays text), JSON for an object. */
export function parseRecordValue(raw: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw !== '' && String(Number(raw)) === raw) return Number(raw);
  if (/^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * The value typed text stands for: '' is "not set" (undefined); numbers become
 * numbers when they parse, and stay text otherwise so that the check can say why.
 */
export function parseInput(f: Field, text: string): unknown {
  const t = text.trim();
  switch (f.kind) {
    case 'integer':
    case 'number': {
      if (t === '') return undefined;
      const n = Number(t);
      return Number.isFinite(n) ? n : text;
    }
    case 'textOrNumber':
      if (t === '') return undefined;
      return /^-?\d+$/.test(t) ? Number(t) : t;
    case 'enum': {
      const o = f.options?.find((x) => String(x.value) === text);
      return o ? o.value : text === '' ? undefined : text;
    }
    case 'list':
      return text
        .split(/\r?\n|,/)
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => (f.item ? parseInput(f.item, s) : s));
    case 'record': {
      // `name = value` lines; numbers and true/false keep their type; a line without "=" is kept whole so the check names it.
      const entries = text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => {
          const at = line.indexOf('=');
          if (at < 0) return [line, ''] as const;
          return [line.slice(0, at).trim(), parseRecordValue(line.slice(at + 1).trim())] as const;
        });
      return entries.length > 0 ? Object.fromEntries(entries) : undefined;
    }
    case 'password':
      return text === '' ? undefined : text;
    default:
      return t === '' ? undefined : text;
  }
}

/** A helpful line about the allowed values: "1–65535 · default 502". */
export function rangeHint(f: Field): string | undefined {
  const parts: string[] = [];
  const unit = f.unit ? ` ${f.unit}` : '';
  if (f.min !== undefined && f.max !== undefined) parts.push(`${f.min}–${f.max}${unit}`);
  else if (f.min !== undefined) parts.push(`at least ${f.min}${unit}`);
  else if (f.max !== undefined) parts.push(`at most ${f.max}${unit}`);
  if (f.default !== undefined && f.kind !== 'boolean' && typeof f.default !== 'object') parts.push(`default ${String(f.default)}${unit}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** A secret is stored when the API marked it: `password` → `hasPassword: true` next to it. */
export const secretStored = (parent: unknown, key: string): boolean =>
  !!parent && typeof parent === 'object' && (parent as Record<string, unknown>)[`has${key.charAt(0).toUpperCase()}${key.slice(1)}`] === true;

/** Why a value is not acceptable, before asking the gateway (which checks again, and more). */
export function checkValue(f: Field, value: unknown, parent?: unknown): string | undefined {
  if (value === undefined || value === '') {
    if (!f.required || f.default !== undefined) return undefined;
    if (f.kind === 'password' && secretStored(parent, f.key)) return undefined;
    return 'is required';
  }
  switch (f.kind) {
    case 'integer':
    case 'number':
      if (typeof value !== 'number') return f.kind === 'integer' ? 'must be a whole number' : 'must be a number';
      if (f.kind === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
      if (f.min !== undefined && value < f.min) return `must be at least ${f.min}${f.unit ? ` ${f.unit}` : ''}`;
      if (f.max !== undefined && value > f.max) return `must be at most ${f.max}${f.unit ? ` ${f.unit}` : ''}`;
      return undefined;
    case 'textOrNumber':
      if (typeof value === 'number') {
        if (f.min !== undefined && value < f.min) return `must be at least ${f.min}`;
        if (f.max !== undefined && value > f.max) return `must be at most ${f.max}`;
        return undefined;
      }
      if (!f.schema.anyOf?.some((a) => typeOf(a) === 'string' && (!a.pattern || new RegExp(a.pattern).test(String(value)))))
        return `is not valid: ${f.help ?? 'see the help'}`;
      return undefined;
    case 'enum':
      return f.options?.some((o) => o.value === value) ? undefined : `must be one of: ${f.options?.map((o) => o.label).join(', ')}`;
    case 'text':
    case 'password': {
      const s = String(value);
      if (f.minLength !== undefined && s.length < f.minLength) return f.minLength === 1 ? 'is required' : `needs at least ${f.minLength} characters`;
      if (f.maxLength !== undefined && s.length > f.maxLength) return `has more than ${f.maxLength} characters`;
      if (f.pattern && !new RegExp(f.pattern).test(s)) return f.help ? `does not match: ${f.help}` : `does not match ${f.pattern}`;
      return undefined;
    }
    case 'record': {
      const [pattern] = Object.keys(f.schema.patternProperties ?? {});
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (!k) return `the value "${String(v)}" has no name`;
        if (v === '') return `"${k}" has no value`;
        if (pattern && !new RegExp(pattern).test(k)) return `"${k}" is not a valid name`;
      }
      return undefined;
    }
    case 'list':
      if (!Array.isArray(value)) return 'must be a list';
      for (const item of value) {
        const why = f.item ? checkValue(f.item, item) : undefined;
        if (why) return `"${String(item)}" ${why}`;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** A copy of `obj` with `a.b.c` set (undefined removes the key); the objects on the way are copied, others shared. */
export function setPath<T extends Record<string, unknown>>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  const copy: Record<string, unknown> = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
  } else {
    const child = copy[head];
    copy[head] = setPath(child && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : {}, rest.join('.'), value);
  }
  return copy as T;
}

/** Every local problem of the visible fields of `value`, keyed by field path. */
export function checkAll(fields: Field[], value: Record<string, unknown>, visible: (f: Field, parent: Record<string, unknown>) => boolean = () => true) {
  const out: Record<string, string> = {};
  const walk = (list: Field[], parent: Record<string, unknown>) => {
    for (const f of list) {
      if (!visible(f, parent)) continue;
      const v = parent[f.key];
      if (f.kind === 'object') {
        if (v && typeof v === 'object') walk(f.fields ?? [], v as Record<string, unknown>);
        else if (f.required && f.default === undefined) out[f.path] = 'is required';
      } else if (f.kind === 'items') {
        if (Array.isArray(v))
          walk(
            v.map((_, i) => itemField(f, i)),
            v as unknown as Record<string, unknown>,
          );
      } else if (f.kind === 'union') {
        const variant = variantOf(f, v);
        if (!variant) {
          if (f.required || v !== undefined) out[f.path] = `choose one of: ${f.variants?.map((x) => x.label).join(', ')}`;
        } else walk(variant.fields, v as Record<string, unknown>);
      } else {
        const why = checkValue(f, v, parent);
        if (why) out[f.path] = why;
      }
    }
  };
  walk(fields, value);
  return out;
}

/** Every field path of a tree of fields, the shapes of unions included (for placing error details). */
export function allPaths(fields: Field[]): string[] {
  return fields.flatMap((f) => [f.path, ...allPaths(f.fields ?? []), ...(f.variants ?? []).flatMap((v) => allPaths(v.fields))]);
}
