/**
 * Validation at the edge: the JSON schema first (every error as `path: message`),
 * then the checks a schema cannot express, then freeze.
 */
import { DATA_TYPES, type DataType, type DriverPlugin } from '../../drivers/contract.ts';
import { driverPlugins } from '../../drivers/registry.ts';
import { simulatorPlugins } from '../../simulators/registry.ts';
import { checkOee } from '../analytics/oee.ts';
import { ConfigError, type ErrorDetail } from '../errors.ts';
import { buildPipeline, PipelineConfigError } from '../pipeline/pipeline.ts';
import { CONFIG_VERSION, type Config, ConfigSchema, type DeviceConfig, type GroupConfig, type TagConfig, type TemplateConfig } from './schema.ts';
import { schemaErrors } from './schema-errors.ts';
import { DEVICE_PROPERTY_PREFIX, fillAddress, type Resolved, resolveDevice, setRunningDevices } from './templates.ts';

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

/** Checks a schema cannot express: unique names, Sparkplug ids, templates, protocol settings and addresses. */
function semanticErrors(config: Config, plugins: Record<string, DriverPlugin>, schemaValid: boolean): { details: ErrorDetail[]; devices: DeviceConfig[] } {
  const details: ErrorDetail[] = [];
  checkSparkplugId(details, 'northbound.groupId', config.northbound.groupId);
  checkSparkplugId(details, 'northbound.edgeNodeId', config.northbound.edgeNodeId);
  checkSparkplugId(details, 'northbound.primaryHostId', config.northbound.primaryHostId);
  config.northbound.brokers.forEach((b, i) => {
    if (!b.tls) return;
    const at = `northbound.brokers[${i}].tls`;
    if (!/^(mqtts|ssl):/.test(b.url)) details.push({ path: at, message: 'TLS settings need an mqtts:// URL' });
    if (!b.tls.cert !== !b.tls.key) details.push({ path: `${at}.${b.tls.cert ? 'key' : 'cert'}`, message: 'a client certificate needs both cert and key' });
  });
  checkUnique(
    details,
    'templates',
    config.templates.map((t) => t.name),
    'template',
  );
  config.templates.forEach((t, i) => {
    details.push(...templateErrors(t, `templates[${i}]`, plugins, schemaValid));
  });
  checkUnique(
    details,
    'devices',
    config.devices.map((d) => d.name),
    'device',
  );
  // Devices are checked as they run (templates resolved); problems found in a template's part point at the template.
  const reported = new Set(details.map((e) => `${e.path}\0${e.message}`));
  const devices = config.devices.map((device, d) => {
    const at = `devices[${d}]`;
    const resolved = resolveDevice(device, at, config.templates);
    details.push(...resolved.problems);
    for (const e of deviceErrors(resolved.device, at, plugins, schemaValid)) {
      const mapped = pointAtSource(e, device, resolved, config.templates);
      const key = `${mapped.path}\0${mapped.message}`;
      if (reported.has(key)) continue;
      reported.add(key);
      details.push(mapped.path.startsWith('templates[') ? { path: mapped.path, message: `${mapped.message} (device "${device.name}")` } : mapped);
    }
    return resolved.device;
  });
  for (const [protocol, plugin] of Object.entries(plugins)) {
    if (!plugin.checkDevices) continue;
    const indexes = devices.flatMap((d, i) => (d.protocol === protocol && !details.some((e) => e.path.startsWith(`devices[${i}].connection`)) ? [i] : []));
    const problems = plugin.checkDevices(indexes.map((i) => devices[i] as DeviceConfig));
    for (const p of problems) details.push({ path: `devices[${indexes[p.device]}].${p.path}`, message: p.message });
  }
  for (const [i, sim] of config.simulators.entries()) {
    const simulator = simulatorPlugins[sim.protocol];
    if (!simulator)
      details.push({
        path: `simulators[${i}].protocol`,
        message: `no bundled simulator for "${sim.protocol}"; known: ${Object.keys(simulatorPlugins).join(', ')}`,
      });
    else details.push(...schemaErrors(simulator.configSchema, sim.config, `simulators[${i}].config`));
  }
  return { details, devices };
}

/** A device's own checks: names, pipelines, analytics, protocol settings, addresses. */
function deviceErrors(device: DeviceConfig, at: string, plugins: Record<string, DriverPlugin>, schemaValid: boolean): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  checkSparkplugId(details, `${at}.name`, device.name);
  const tags = groupsErrors(details, device.groups, at, `device "${device.name}"`, schemaValid);
  for (const key of Object.keys(device.properties ?? {})) {
    const clash = tags.list.find(({ tag }) => tag.name === `${DEVICE_PROPERTY_PREFIX}${key}`);
    if (clash)
      details.push({ path: `${at}.properties.${key}`, message: `is published as the metric "${clash.tag.name}", the name of the tag at ${clash.path}` });
  }
  if (schemaValid) details.push(...analyticsErrors(device, at, tags.list, tags.outputTypes));
  const plugin = plugins[device.protocol];
  if (!plugin) {
    details.push({ path: `${at}.protocol`, message: `unknown protocol "${device.protocol}"; known: ${Object.keys(plugins).join(', ')}` });
    return details;
  }
  const connectionErrors = schemaErrors(plugin.connectionSchema, device.connection, `${at}.connection`);
  details.push(...connectionErrors);
  if (connectionErrors.length === 0) details.push(...protocolErrors(plugin, device.protocol, device.groups, at, tags.list, device.connection));
  return details;
}

/** Unique group and tag names and pipelines; the tags with their paths, and what each publishes. */
function groupsErrors(details: ErrorDetail[], groups: readonly GroupConfig[], at: string, owner: string, schemaValid: boolean) {
  checkUnique(
    details,
    `${at}.groups`,
    groups.map((g) => g.name),
    'group',
  );
  const list = groups.flatMap((group, g) => group.tags.map((tag, t) => ({ tag, path: `${at}.groups[${g}].tags[${t}]` })));
  const names = new Map<string, string>();
  for (const { tag, path } of list) {
    const other = names.get(tag.name);
    if (other) details.push({ path: `${path}.name`, message: `duplicate tag name "${tag.name}" in ${owner} (also at ${other})` });
    else names.set(tag.name, path);
  }
  const outputTypes = new Map<string, DataType>();
  // Pipelines are built from schema-valid steps only.
  if (schemaValid) details.push(...pipelineErrors(list, names, outputTypes));
  return { list, outputTypes };
}

/** Group modes the protocol supports, and each tag's address. */
function protocolErrors(
  plugin: DriverPlugin,
  protocol: string,
  groups: readonly GroupConfig[],
  at: string,
  tags: { tag: TagConfig; path: string }[],
  connection: Record<string, unknown>,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  groups.forEach((group, g) => {
    if (group.mode === 'subscribe' && !plugin.subscribes) {
      details.push({
        path: `${at}.groups[${g}].mode`,
        message: `${protocol} devices are polled: mode "subscribe" needs a protocol with subscriptions (opcua)`,
      });
    }
  });
  for (const { tag, path } of tags) {
    if (tag.address === undefined || !DATA_TYPES.includes(tag.type)) continue;
    const problem = plugin.checkTag({ ...tag, address: tag.address }, connection);
    if (problem) details.push({ path: `${path}.address`, message: problem });
  }
  return details;
}

/**
 * A template on its own: names, pipelines, its connection defaults, and its addresses filled with its default
 * parameters. What depends on a device (its parameters, overrides, required settings) is checked with each device.
 */
function templateErrors(template: TemplateConfig, at: string, plugins: Record<string, DriverPlugin>, schemaValid: boolean): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const tags = groupsErrors(details, template.groups, at, `template "${template.name}"`, schemaValid);
  if (schemaValid) details.push(...analyticsErrors(template, at, tags.list, tags.outputTypes));
  const plugin = plugins[template.protocol];
  if (!plugin) {
    details.push({ path: `${at}.protocol`, message: `unknown protocol "${template.protocol}"; known: ${Object.keys(plugins).join(', ')}` });
    return details;
  }
  // Defaults filled into a copy: settings a device must give (host, endpoint) are missing here by design.
  const connection = structuredClone(template.connection);
  const connectionErrors = schemaErrors(plugin.connectionSchema, connection, `${at}.connection`).filter((e) => e.message !== 'is required');
  details.push(...connectionErrors);
  const filled = tags.list.flatMap(({ tag, path }) => {
    if (tag.address === undefined) return [{ tag, path }];
    const result = fillAddress(tag.address, template.parameters ?? {});
    if ('error' in result) {
      details.push({ path: `${path}.address`, message: result.error });
      return [];
    }
    return [{ tag: { ...tag, address: result.address }, path }];
  });
  if (connectionErrors.length === 0) details.push(...protocolErrors(plugin, template.protocol, template.groups, at, filled, connection));
  return details;
}

/**
 * A problem found in a resolved device, pointed at what the user wrote: the device's own group, its override of a
 * template tag, or the template's tag.
 */
function pointAtSource(e: ErrorDetail, device: DeviceConfig, resolved: Resolved, templates: readonly TemplateConfig[]): ErrorDetail {
  const t = templates.findIndex((x) => x.name === device.template?.name);
  const oee = /^devices\[\d+\]\.oee(.*)$/.exec(e.path);
  if (oee && !device.oee && resolved.device.oee) return { path: `templates[${t}].oee${oee[1]}`, message: e.message };
  const m = /^(devices\[\d+\])\.groups\[(\d+)\](.*)$/.exec(e.path);
  const origin = m && resolved.groups[Number(m[2])];
  if (!m || !origin) return e;
  if (origin.templateGroup === undefined) return { path: `${m[1]}.groups[${origin.group}]${m[3]}`, message: e.message };
  const tag = /^\.tags\[(\d+)\]\.?(\w*)(.*)$/.exec(m[3] as string);
  const name = tag && resolved.device.groups[Number(m[2])]?.tags[Number(tag[1])]?.name;
  const override = name ? device.template?.overrides?.[name] : undefined;
  if (tag && override && tag[2] && tag[2] in override) return { path: `${m[1]}.template.overrides.${name}.${tag[2]}${tag[3]}`, message: e.message };
  return { path: `templates[${t}].groups[${origin.templateGroup}]${m[3]}`, message: e.message };
}

/** Each tag's pipeline must build, and its formulas may name only tags of the same device; `outputTypes` gets what each publishes. */
function pipelineErrors(tags: { tag: TagConfig; path: string }[], names: Map<string, string>, outputTypes: Map<string, DataType>): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const { tag, path } of tags) {
    if (tag.address === undefined && tag.compute === undefined) {
      details.push({ path: `${path}.address`, message: 'is required (or a compute formula, for a computed tag)' });
    } else if (tag.address !== undefined && tag.compute !== undefined) {
      details.push({ path: `${path}.compute`, message: 'a computed tag has no address: remove one of the two' });
    }
    try {
      const pipeline = buildPipeline(tag, { lookup: () => 0 });
      outputTypes.set(tag.name, pipeline.outputType);
      for (const ref of pipeline.references) {
        if (!names.has(ref))
          details.push({ path: `${path}.${tag.compute ? 'compute' : 'steps'}`, message: `the formula refers to "${ref}", which is not a tag of this device` });
      }
    } catch (err) {
      if (!(err instanceof PipelineConfigError)) throw err;
      details.push({ path: `${path}.${err.where}`, message: err.message });
    }
  }
  return details;
}

/**
 * Metrics derived from tags (aggregates, anomaly alarms) may not take the name of a
 * tag or of each other, and the device's OEE block must fit its tags.
 */
function analyticsErrors(
  device: Pick<DeviceConfig, 'groups' | 'oee'>,
  at: string,
  tags: { tag: TagConfig; path: string }[],
  outputTypes: Map<string, DataType>,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const taken = new Map<string, string>(tags.map(({ tag, path }) => [tag.name, path]));
  const intervalOf = new Map(device.groups.flatMap((g) => g.tags.map((t) => [t.name, g.intervalMs] as const)));
  for (const { tag, path } of tags) {
    if (!tag.anomaly) continue;
    const { method, windowS = 60, minSamples } = tag.anomaly;
    const interval = intervalOf.get(tag.name) ?? 1000;
    if (method === 'rolling' && tag.address !== undefined && Math.floor((windowS * 1000) / interval) < minSamples) {
      details.push({
        path: `${path}.anomaly.minSamples`,
        message: `a window of ${windowS} s holds at most ${Math.floor((windowS * 1000) / interval)} values at the group's interval of ${interval} ms: fewer than minSamples (${minSamples}), so nothing would ever be scored`,
      });
    }
    for (const metric of [`${tag.name}/anomaly`, `${tag.name}/anomaly_score`, `${tag.name}/anomaly_since`]) {
      const other = taken.get(metric);
      if (other) details.push({ path: `${path}.anomaly`, message: `its metric "${metric}" has the name of the tag at ${other}` });
      else taken.set(metric, path);
    }
  }
  if (device.oee) {
    const types = new Map(tags.map(({ tag }) => [tag.name, outputTypes.get(tag.name)]));
    for (const p of checkOee(device.oee, types)) details.push({ path: `${at}.oee.${p.where}`, message: p.message });
  }
  return details;
}

const arrayOr = (v: unknown) => (Array.isArray(v) ? v : []);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** True when groups (of a device or a template) have the shapes the checks walk. */
const checkableGroups = (groups: unknown) =>
  arrayOr(groups).every(
    (g: unknown) =>
      isObject(g) &&
      typeof g.name === 'string' &&
      Array.isArray(g.tags) &&
      g.tags.every(
        (t: unknown) => isObject(t) && typeof t.name === 'string' && typeof t.type === 'string' && Array.isArray(t.steps) && Array.isArray(t.aggregates),
      ),
  );

/** True when the document's skeleton (northbound, templates, devices, groups, tags) has the shapes semanticErrors walks. */
function isCheckable(doc: Record<string, unknown>): boolean {
  if (!isObject(doc.northbound) || !Array.isArray(doc.devices) || !Array.isArray(doc.simulators) || !Array.isArray(doc.templates)) return false;
  const owner = (x: unknown) =>
    isObject(x) &&
    typeof x.name === 'string' &&
    typeof x.protocol === 'string' &&
    isObject(x.connection) &&
    Array.isArray(x.groups) &&
    checkableGroups(x.groups);
  return (
    doc.templates.every(owner) &&
    doc.devices.every((d: unknown) => owner(d) && (!(d as Record<string, unknown>).template || isObject((d as Record<string, unknown>).template)))
  );
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
  const semantic = isCheckable(doc) ? semanticErrors(doc as Config, plugins, details.length === 0) : undefined;
  if (semantic) details.push(...semantic.details);
  if (details.length > 0 || !semantic) throw new ConfigError(`invalid configuration: ${details.length} error(s)`, details);
  const config = deepFreeze(doc as Config);
  setRunningDevices(config, deepFreeze(semantic.devices));
  return config;
}
