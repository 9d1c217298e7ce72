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
import { CONFIG_VERSION, type Config, ConfigSchema, type DeviceConfig, type TagConfig } from './schema.ts';
import { schemaErrors } from './schema-errors.ts';

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
function semanticErrors(config: Config, plugins: Record<string, DriverPlugin>, schemaValid: boolean): ErrorDetail[] {
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
    const tags = device.groups.flatMap((group, g) => group.tags.map((tag, t) => ({ tag, path: `${at}.groups[${g}].tags[${t}]` })));
    const tagNames = new Map<string, string>();
    for (const { tag, path } of tags) {
      const other = tagNames.get(tag.name);
      if (other) details.push({ path: `${path}.name`, message: `duplicate tag name "${tag.name}" in device "${device.name}" (also at ${other})` });
      else tagNames.set(tag.name, path);
    }
    // Pipelines are built from schema-valid steps only.
    if (schemaValid) {
      const outputTypes = new Map<string, DataType>();
      details.push(...pipelineErrors(tags, tagNames, outputTypes));
      details.push(...analyticsErrors(device, at, tags, outputTypes));
    }
    const plugin = plugins[device.protocol];
    if (!plugin) {
      details.push({ path: `${at}.protocol`, message: `unknown protocol "${device.protocol}"; known: ${Object.keys(plugins).join(', ')}` });
      return;
    }
    const connectionErrors = schemaErrors(plugin.connectionSchema, device.connection, `${at}.connection`);
    details.push(...connectionErrors);
    device.groups.forEach((group, g) => {
      if (group.mode === 'subscribe' && !plugin.subscribes) {
        details.push({
          path: `${at}.groups[${g}].mode`,
          message: `${device.protocol} devices are polled: mode "subscribe" needs a protocol with subscriptions (opcua)`,
        });
      }
    });
    if (connectionErrors.length > 0) return;
    for (const { tag, path } of tags) {
      if (tag.address === undefined || !DATA_TYPES.includes(tag.type)) continue;
      const problem = plugin.checkTag({ ...tag, address: tag.address }, device.connection);
      if (problem) details.push({ path: `${path}.address`, message: problem });
    }
  });
  for (const [protocol, plugin] of Object.entries(plugins)) {
    if (!plugin.checkDevices) continue;
    const indexes = config.devices.flatMap((d, i) =>
      d.protocol === protocol && !details.some((e) => e.path.startsWith(`devices[${i}].connection`)) ? [i] : [],
    );
    const problems = plugin.checkDevices(indexes.map((i) => config.devices[i] as Config['devices'][number]));
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
  return details;
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
function analyticsErrors(device: DeviceConfig, at: string, tags: { tag: TagConfig; path: string }[], outputTypes: Map<string, DataType>): ErrorDetail[] {
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

/** True when the document's skeleton (northbound, devices, groups, tags) has the shapes semanticErrors walks. */
function isCheckable(doc: Record<string, unknown>): boolean {
  const nb = doc.northbound as Record<string, unknown> | undefined;
  if (!nb || typeof nb !== 'object' || !Array.isArray(doc.devices) || !Array.isArray(doc.simulators)) return false;
  return (
    doc.devices.every((d: Record<string, unknown>) => {
      if (!d || typeof d !== 'object' || typeof d.name !== 'string' || typeof d.protocol !== 'string') return false;
      if (!d.connection || typeof d.connection !== 'object') return false;
      return arrayOr(d.groups).every(
        (g: Record<string, unknown>) =>
          g &&
          typeof g === 'object' &&
          typeof g.name === 'string' &&
          Array.isArray(g.tags) &&
          g.tags.every(
            (t: Record<string, unknown>) =>
              t && typeof t === 'object' && typeof t.name === 'string' && typeof t.type === 'string' && Array.isArray(t.steps) && Array.isArray(t.aggregates),
          ),
      );
    }) &&
    Array.isArray(doc.devices) &&
    doc.devices.every((d: Record<string, unknown>) => Array.isArray(d.groups))
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
  if (isCheckable(doc)) details.push(...semanticErrors(doc as Config, plugins, details.length === 0));
  if (details.length > 0) throw new ConfigError(`invalid configuration: ${details.length} error(s)`, details);
  return deepFreeze(doc as Config);
}
