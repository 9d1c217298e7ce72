/**
 * Validation at the edge: the JSON schema first (every error as `path: message`),
 * then the checks a schema cannot express, then freeze.
 */
import type { TSchema } from '@sinclair/typebox';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { DriverPlugin } from '../../drivers/contract.ts';
import { driverPlugins } from '../../drivers/registry.ts';
import { simulatorPlugins } from '../../simulators/registry.ts';
import { ConfigError, type ErrorDetail } from '../errors.ts';
import { CONFIG_VERSION, type Config, ConfigSchema } from './schema.ts';

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
      return { message: `must be ${p.type === 'integer' ? 'an integer' : `a ${p.type}`}` };
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

const SPARKPLUG_FORBIDDEN = /[+/#]/;

function checkSparkplugId(details: ErrorDetail[], path: string, id: string | undefined) {
  if (id !== undefined && SPARKPLUG_FORBIDDEN.test(id)) {
    details.push({ path, message: `"${id}" may not contain '+', '/' or '#' (Sparkplug topic rules)` });
  }
}

function checkUnique(details: ErrorDetail[], path: string, names: string[], what: string) {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else details.push({ path: `${path}[${i}].name`, message: `duplicate ${what} name "${name}" (also at index ${first})` });
  });
}

/** Checks a schema cannot express: unique names, Sparkplug ids, protocol settings and addresses. */
function semanticErrors(config: Config, plugins: Record<string, DriverPlugin>): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  checkSparkplugId(details, 'northbound.groupId', config.northbound.groupId);
  checkSparkplugId(details, 'northbound.edgeNodeId', config.northbound.edgeNodeId);
  checkSparkplugId(details, 'northbound.primaryHostId', config.northbound.primaryHostId);
  checkUnique(
    details,
    'devices',
    config.devices.map((d) => d.name),
    'device',
  );
  config.devices.forEach((device, d) => {
    const at = `devices[${d}]`;
    checkSparkplugId(details, `${at}.name`, device.name);
    checkUnique(
      details,
      `${at}.groups`,
      device.groups.map((g) => g.name),
      'group',
    );
    const tagNames = new Map<string, string>();
    device.groups.forEach((group, g) =>
      group.tags.forEach((tag, t) => {
        const where = `${at}.groups[${g}].tags[${t}]`;
        const other = tagNames.get(tag.name);
        if (other) details.push({ path: `${where}.name`, message: `duplicate tag name "${tag.name}" in device "${device.name}" (also at ${other})` });
        else tagNames.set(tag.name, where);
      }),
    );
    const plugin = plugins[device.protocol];
    if (!plugin) {
      details.push({ path: `${at}.protocol`, message: `unknown protocol "${device.protocol}"; known: ${Object.keys(plugins).join(', ')}` });
      return;
    }
    const connectionErrors = schemaErrors(plugin.connectionSchema, device.connection, `${at}.connection`);
    details.push(...connectionErrors);
    if (connectionErrors.length > 0) return;
    device.groups.forEach((group, g) =>
      group.tags.forEach((tag, t) => {
        const problem = plugin.checkTag(tag, device.connection);
        if (problem) details.push({ path: `${at}.groups[${g}].tags[${t}].address`, message: problem });
      }),
    );
  });
  for (const [i, sim] of config.simulators.entries()) {
    const simulator = simulatorPlugins[sim.protocol];
    if (!simulator) details.push({ path: `simulators[${i}].protocol`, message: `no bundled simulator for "${sim.protocol}"; known: ${Object.keys(simulatorPlugins).join(', ')}` });
    else details.push(...schemaErrors(simulator.configSchema, sim.config, `simulators[${i}].config`));
  }
  return details;
}

const arrayOr = (v: unknown) => (Array.isArray(v) ? v : []);

/** True when the document's skeleton (northbound, devices, groups, tags) has the shapes semanticErrors walks. */
function isCheckable(doc: Record<string, unknown>): boolean {
  const nb = doc.northbound as Record<string, unknown> | undefined;
  if (!nb || typeof nb !== 'object' || !Array.isArray(doc.devices) || !Array.isArray(doc.simulators)) return false;
  return doc.devices.every((d: Record<string, unknown>) => {
    if (!d || typeof d !== 'object' || typeof d.name !== 'string' || typeof d.protocol !== 'string') return false;
    if (!d.connection || typeof d.connection !== 'object') return false;
    return arrayOr(d.groups).every(
      (g: Record<string, unknown>) =>
        g && typeof g === 'object' && typeof g.name === 'string' && Array.isArray(g.tags) &&
        g.tags.every((t: Record<string, unknown>) => t && typeof t === 'object' && typeof t.name === 'string' && typeof t.address === 'string' && typeof t.type === 'string'),
    );
  }) && Array.isArray(doc.devices) && doc.devices.every((d: Record<string, unknown>) => Array.isArray(d.groups));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a whole configuration document (already parsed) and returns it
 * frozen, with defaults filled in; or throws a ConfigError listing every problem.
 */
export function validateConfig(document: unknown, plugins: Record<string, DriverPlugin> = driverPlugins): Readonly<Config> {
  const doc = structuredClone(document) as Record<string, unknown>;
  if (doc && typeof doc === 'object' && typeof doc.version === 'number' && doc.version > CONFIG_VERSION) {
    throw new ConfigError('invalid configuration', [
      { path: 'version', message: `version ${doc.version} was written by a newer Plexus; this one reads up to ${CONFIG_VERSION}` },
    ]);
  }
  const details = schemaErrors(ConfigSchema, doc);
  // Semantic checks run on a schema-valid skeleton only, but tag-level schema errors
  // should not hide address errors elsewhere: check what has the right shape.
  if (isCheckable(doc)) details.push(...semanticErrors(doc as Config, plugins));
  if (details.length > 0) throw new ConfigError(`invalid configuration: ${details.length} error(s)`, details);
  return deepFreeze(doc as Config);
}
