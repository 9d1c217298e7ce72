/**
 * Device templates: a device made from a template gets the template's
 * connection defaults, properties and groups, with `{parameter}` and
 * `{parameter+N}` in addresses filled from the device's parameters (or the
 * template's defaults), and its own overrides applied tag by tag. The stored
 * configuration keeps the link; the running devices are the resolved ones,
 * kept per validated configuration.
 */
import type { ErrorDetail } from '../errors.ts';
import type { Config, DeviceConfig, GroupConfig, TagConfig, TemplateConfig } from './schema.ts';

/** Device metadata metrics: `Properties/<key>`, in the DBIRTH only. */
export const DEVICE_PROPERTY_PREFIX = 'Properties/';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)(?:([+-])(\d+))?\}/g;

type Parameters = Record<string, string | number>;

/** Fills the placeholders of an address; an error names what is missing or wrong. */
export function fillAddress(address: string, parameters: Parameters): { address: string } | { error: string } {
  let error: string | undefined;
  const filled = address.replace(PLACEHOLDER, (whole, name: string, sign?: string, n?: string) => {
    const value = parameters[name];
    if (value === undefined) {
      error ??= `uses the parameter "${name}", which the template does not declare (its parameters: ${Object.keys(parameters).join(', ') || 'none'})`;
      return whole;
    }
    if (!sign) return String(value);
    const base = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(base)) {
      error ??= `${whole} adds to the parameter "${name}", which is "${value}", not a whole number`;
      return whole;
    }
    return String(sign === '+' ? base + Number(n) : base - Number(n));
  });
  return error ? { error } : { address: filled };
}

/** Where a group of a resolved device comes from, to point error messages at what the user wrote. */
export interface GroupOrigin {
  /** The template's group index, or undefined for the device's own groups. */
  templateGroup?: number;
  group: number;
}

export interface Resolved {
  device: DeviceConfig;
  /** Per group of the resolved device: a template group (its index there) or the device's own (its index). */
  groups: GroupOrigin[];
  problems: ErrorDetail[];
}

/** The device as it runs: its template's groups (filled, overridden) then its own. Problems have paths in the configuration. */
export function resolveDevice(device: DeviceConfig, at: string, templates: readonly TemplateConfig[]): Resolved {
  if (!device.template) return { device, groups: device.groups.map((_, g) => ({ group: g })), problems: [] };
  const problems: ErrorDetail[] = [];
  const link = device.template;
  const t = templates.findIndex((x) => x.name === link.name);
  const template = templates[t];
  if (!template) {
    const known = templates.map((x) => x.name).join(', ') || 'none';
    return {
      device,
      groups: device.groups.map((_, g) => ({ group: g })),
      problems: [{ path: `${at}.template.name`, message: `there is no template "${link.name}" (templates: ${known})` }],
    };
  }
  if (template.protocol !== device.protocol)
    problems.push({ path: `${at}.protocol`, message: `is ${device.protocol}, but template "${template.name}" is for ${template.protocol} devices` });
  for (const name of Object.keys(link.parameters ?? {}))
    if (!template.parameters || !(name in template.parameters))
      problems.push({ path: `${at}.template.parameters.${name}`, message: `template "${template.name}" has no parameter "${name}"` });
  const parameters = { ...template.parameters, ...link.parameters };
  const overrides = link.overrides ?? {};
  const templateTags = new Set(template.groups.flatMap((g) => g.tags.map((tag) => tag.name)));
  for (const name of Object.keys(overrides))
    if (!templateTags.has(name)) problems.push({ path: `${at}.template.overrides.${name}`, message: `template "${template.name}" has no tag "${name}"` });
  const own: GroupOrigin[] = [];
  for (const [g, group] of device.groups.entries())
    if (template.groups.some((x) => x.name === group.name))
      problems.push({
        path: `${at}.groups[${g}].name`,
        message: `template "${template.name}" has a group "${group.name}" already: name the device's own group differently`,
      });
    else own.push({ group: g });

  const groups: GroupConfig[] = template.groups.map((group, g) => ({
    ...group,
    tags: group.tags.map((tag, i) => {
      const override = overrides[tag.name];
      const merged = { ...tag, ...override } as TagConfig;
      if (merged.address === undefined || override?.address !== undefined) return merged;
      const filled = fillAddress(merged.address, parameters);
      if ('error' in filled) {
        problems.push({ path: `templates[${t}].groups[${g}].tags[${i}].address`, message: filled.error });
        return merged;
      }
      return { ...merged, address: filled.address };
    }),
  }));
  const properties = template.properties || device.properties ? { ...template.properties, ...device.properties } : undefined;
  return {
    device: {
      ...device,
      connection: { ...template.connection, ...device.connection },
      groups: [...groups, ...own.map((o) => device.groups[o.group] as GroupConfig)],
      ...(properties ? { properties } : {}),
      // The device's own OEE block, or its template's.
      ...(device.oee || template.oee ? { oee: device.oee ?? template.oee } : {}),
    },
    groups: [...template.groups.map((_, g) => ({ templateGroup: g, group: g })), ...own],
    problems,
  };
}

/** The running devices of each validated configuration: resolved during validation, with every setting's default filled in. */
const running = new WeakMap<object, readonly DeviceConfig[]>();

export function setRunningDevices(config: Readonly<Config>, devices: readonly DeviceConfig[]): void {
  running.set(config, devices);
}

/** The devices as they run (templates resolved) of a configuration that went through validateConfig. */
export function runningDevices(config: Readonly<Config>): readonly DeviceConfig[] {
  const devices = running.get(config);
  if (!devices) throw new Error('runningDevices needs a configuration returned by validateConfig');
  return devices;
}

/** Names of the devices made from a template. */
export const templateUsers = (config: Readonly<Config>, name: string): string[] => config.devices.filter((d) => d.template?.name === name).map((d) => d.name);

/** A device cut loose from its template: it keeps the tags, addresses and settings it runs with. */
export function detachDevice(config: Readonly<Config>, name: string): DeviceConfig | undefined {
  const device = runningDevices(config).find((d) => d.name === name);
  if (!device) return undefined;
  const { template: _template, ...rest } = device;
  return structuredClone(rest) as DeviceConfig;
}

/**
 * A template with a device's groups and tags, as they run. Its connection settings become the template's defaults,
 * except those of one device (address, unit, serial port, rack and slot, and the OPC UA identity, which holds
 * secrets) and those equal to the protocol's own defaults (`protocolDefaults`).
 */
export function templateFromDevice(device: DeviceConfig, name: string, description?: string, protocolDefaults: Record<string, unknown> = {}): TemplateConfig {
  const { host: _h, port: _p, unitId: _u, serialPort: _sp, endpointUrl: _e, identity: _i, rack: _r, slot: _s, ...settings } = device.connection;
  return structuredClone({
    name,
    protocol: device.protocol,
    ...(description ? { description } : {}),
    connection: Object.fromEntries(Object.entries(settings).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(protocolDefaults[k]))),
    groups: device.groups,
  }) as TemplateConfig;
}
