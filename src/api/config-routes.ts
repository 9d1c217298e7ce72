/**
 * Configuration routes: devices, groups and tags (list, create, update,
 * delete), northbound settings, whole-document export and import, the schema
 * the UI builds its forms from, and "test connection". Reads need viewer,
 * changes admin. Each change goes through the ConfigService: validated whole,
 * stored, applied live; secrets never come back.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import YAML from 'yaml';
import { DATA_TYPES } from '../../drivers/contract.ts';
import { driverPlugins } from '../../drivers/registry.ts';
import { parseYaml } from '../config/load.ts';
import {
  type Config,
  type DeviceConfig,
  DeviceSchema,
  type GroupConfig,
  GroupSchema,
  NorthboundSchema,
  type TagConfig,
  TagSchema,
  TemplateSchema,
} from '../config/schema.ts';
import { keepDeviceSecrets, withoutSecrets } from '../config/secrets.ts';
import { type PathMap, under, underList } from '../config/service.ts';
import { runningDevices } from '../config/templates.ts';
import { validateConfig } from '../config/validate.ts';
import { ConfigError, PlexusError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import { auditName, type Principal } from './roles.ts';
import { templateRoutes } from './template-routes.ts';
import { requestValidator } from './validation.ts';

export const DryRun = Type.Object(
  { dryRun: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: validate and report, change nothing' })) },
  { additionalProperties: false },
);
const TagList = Type.Object({ tags: Type.Array(TagSchema, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false });
const ImportBody = Type.String({ minLength: 1, description: 'A whole configuration as YAML (or JSON)' });

/**
 * Configuration bodies are checked whole by the ConfigService (schema and meaning, every error at once, with
 * paths in the body); the request schema (documented in OpenAPI) only has to find an object of the right outline.
 */
const checkedWhole: FastifySchemaCompiler<TSchema> = (route) => {
  if (route.httpPart !== 'body' || route.schema.type === 'string') return requestValidator(route);
  const list = route.schema.properties?.tags as TSchema | undefined;
  return (data) => {
    const isObject = data !== null && typeof data === 'object' && !Array.isArray(data);
    const tags = (data as { tags?: unknown } | null)?.tags;
    if (isObject && (!list || (Array.isArray(tags) && tags.length >= (list.minItems ?? 0) && tags.length <= (list.maxItems ?? Infinity))))
      return { value: data };
    const expected = list ? `{"tags": [...]} with ${list.minItems ?? 0} to ${list.maxItems} tags` : 'a JSON object';
    return {
      error: new PlexusError('PLX_BAD_REQUEST', `invalid request: the body must be ${expected}`, 400, [{ path: '(body)', message: `must be ${expected}` }]),
    };
  };
};

type DeviceParams = { device: string };
type GroupParams = DeviceParams & { group: string };
type TagParams = GroupParams & { tag: string };

export function registerConfigRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.register(async (scope) => routes(scope, gateway));
}

function routes(app: FastifyInstance, gateway: Gateway): void {
  app.setValidatorCompiler(checkedWhole);
  const service = gateway.configService;
  const who = (req: FastifyRequest) => auditName(req.principal as Principal);
  const dry = (req: FastifyRequest) => (req.query as { dryRun?: string }).dryRun === 'true';

  const deviceIndex = (config: Readonly<Config>, name: string) => {
    const i = config.devices.findIndex((d) => d.name === name);
    if (i < 0) throw new PlexusError('PLX_NOT_FOUND', `there is no device "${name}"`, 404);
    return i;
  };
  const groupIndex = (device: DeviceConfig, name: string) => {
    const i = device.groups.findIndex((g) => g.name === name);
    if (i >= 0) return i;
    const template = device.template && service.current.templates.find((t) => t.name === device.template?.name);
    if (template?.groups.some((g) => g.name === name))
      throw new PlexusError(
        'PLX_NOT_FOUND',
        `group "${name}" of device "${device.name}" comes from template "${template.name}": change the template, or override a tag in the device's template.overrides`,
        404,
      );
    throw new PlexusError('PLX_NOT_FOUND', `device "${device.name}" has no group "${name}"`, 404);
  };
  /** The device and group being edited in a draft, with the path of the group. */
  const inGroup = (draft: Config, p: GroupParams) => {
    const d = deviceIndex(draft, p.device);
    const device = draft.devices[d] as DeviceConfig;
    const g = groupIndex(device, p.group);
    return { device, group: device.groups[g] as GroupConfig, at: `devices[${d}].groups[${g}]` };
  };
  /** Runs an edit; `locate` gives the path that error paths are made relative to, found while editing. */
  const change = (req: FastifyRequest, what: string, edit: (draft: Config, setPaths: (m: PathMap) => void) => void) => {
    let paths: PathMap = (p) => p;
    return service.change(
      who(req),
      what,
      (draft) => {
        edit(draft, (m) => {
          paths = m;
        });
        return undefined;
      },
      { dryRun: dry(req), paths: (p) => paths(p) },
    );
  };
  const current = () => service.current;
  templateRoutes(app, { change, current, deviceIndex });
  const deviceOut = (config: Readonly<Config>, name: string) => withoutSecrets(config.devices[deviceIndex(config, name)]);

  app.get('/api/v1/config', async () => withoutSecrets(current()));

  app.get('/api/v1/config/export', async (_req, reply) =>
    reply
      .type('application/yaml; charset=utf-8')
      .header('content-disposition', 'attachment; filename="plexus-config.yaml"')
      .send(
        `# Plexus configuration, exported ${new Date().toISOString()} (secrets left out: an import keeps the stored ones)\n${YAML.stringify(withoutSecrets(current()))}`,
      ),
  );

  app.post<{ Body: string }>(
    '/api/v1/config/import',
    { schema: { querystring: DryRun, body: ImportBody, consumes: ['application/yaml', 'text/plain'] } },
    async (req) => {
      const doc = parseYaml(req.body, 'the imported document');
      const result = await service.change(who(req), 'configuration imported', () => doc as Record<string, unknown>, { dryRun: dry(req) });
      return { applied: result.applied, changes: result.changes };
    },
  );

  app.get('/api/v1/config/schema', async () => ({
    device: DeviceSchema,
    group: GroupSchema,
    tag: TagSchema,
    template: TemplateSchema,
    northbound: NorthboundSchema,
    dataTypes: DATA_TYPES,
    protocols: Object.fromEntries(Object.entries(driverPlugins).map(([name, p]) => [name, { connection: p.connectionSchema, subscribes: !!p.subscribes }])),
  }));

  app.get('/api/v1/config/devices', async () => withoutSecrets(current().devices));

  app.get<{ Params: DeviceParams }>('/api/v1/config/devices/:device', async (req) => deviceOut(current(), req.params.device));

  app.post<{ Body: DeviceConfig; Querystring: { dryRun?: string } }>(
    '/api/v1/config/devices',
    { schema: { body: DeviceSchema, querystring: DryRun } },
    async (req, reply) => {
      const result = await change(req, `device ${req.body.name} created`, (draft, paths) => {
        if (draft.devices.some((d) => d.name === req.body.name))
          throw new PlexusError('PLX_EXISTS', `a device named "${req.body.name}" exists already`, 409, [{ path: 'name', message: 'is taken' }]);
        paths(under(`devices[${draft.devices.length}]`));
        draft.devices.push(req.body);
      });
      return reply.status(201).send(deviceOut(result.config, req.body.name));
    },
  );

  app.put<{ Params: DeviceParams; Body: DeviceConfig; Querystring: { dryRun?: string } }>(
    '/api/v1/config/devices/:device',
    { schema: { body: DeviceSchema, querystring: DryRun } },
    async (req) => {
      const result = await change(req, `device ${req.params.device} updated`, (draft, paths) => {
        const i = deviceIndex(draft, req.params.device);
        if (req.body.name !== req.params.device && draft.devices.some((d) => d.name === req.body.name))
          throw new PlexusError('PLX_EXISTS', `a device named "${req.body.name}" exists already`, 409, [{ path: 'name', message: 'is taken' }]);
        paths(under(`devices[${i}]`));
        draft.devices[i] = keepDeviceSecrets(req.body, draft.devices[i]);
      });
      return deviceOut(result.config, req.body.name);
    },
  );

  app.delete<{ Params: DeviceParams }>('/api/v1/config/devices/:device', async (req) => {
    await change(req, `device ${req.params.device} deleted`, (draft) => {
      draft.devices.splice(deviceIndex(draft, req.params.device), 1);
    });
    return {};
  });

  app.post<{ Params: DeviceParams; Body: GroupConfig }>('/api/v1/config/devices/:device/groups', { schema: { body: GroupSchema } }, async (req, reply) => {
    const result = await change(req, `group ${req.params.device}/${req.body.name} created`, (draft, paths) => {
      const d = deviceIndex(draft, req.params.device);
      const device = draft.devices[d] as DeviceConfig;
      if (device.groups.some((g) => g.name === req.body.name))
        throw new PlexusError('PLX_EXISTS', `device "${device.name}" has a group "${req.body.name}" already`, 409, [{ path: 'name', message: 'is taken' }]);
      paths(under(`devices[${d}].groups[${device.groups.length}]`));
      device.groups.push(req.body);
    });
    const device = result.config.devices[deviceIndex(result.config, req.params.device)] as DeviceConfig;
    return reply.status(201).send(device.groups[groupIndex(device, req.body.name)]);
  });

  app.put<{ Params: GroupParams; Body: GroupConfig }>('/api/v1/config/devices/:device/groups/:group', { schema: { body: GroupSchema } }, async (req) => {
    const result = await change(req, `group ${req.params.device}/${req.params.group} updated`, (draft, paths) => {
      const { device, at } = inGroup(draft, req.params);
      const g = groupIndex(device, req.params.group);
      if (req.body.name !== req.params.group && device.groups.some((x) => x.name === req.body.name))
        throw new PlexusError('PLX_EXISTS', `device "${device.name}" has a group "${req.body.name}" already`, 409, [{ path: 'name', message: 'is taken' }]);
      paths(under(at));
      device.groups[g] = req.body;
    });
    const device = result.config.devices[deviceIndex(result.config, req.params.device)] as DeviceConfig;
    return device.groups[groupIndex(device, req.body.name)];
  });

  app.delete<{ Params: GroupParams }>('/api/v1/config/devices/:device/groups/:group', async (req) => {
    await change(req, `group ${req.params.device}/${req.params.group} deleted`, (draft) => {
      const { device } = inGroup(draft, req.params);
      device.groups.splice(groupIndex(device, req.params.group), 1);
    });
    return {};
  });

  /** The group's tags as stored after a change (or as they would be, on a dry run). */
  const groupTags = (config: Readonly<Config>, p: GroupParams) => {
    const device = config.devices[deviceIndex(config, p.device)] as DeviceConfig;
    return device.groups[groupIndex(device, p.group)]?.tags ?? [];
  };

  app.post<{ Params: GroupParams; Body: { tags: TagConfig[] }; Querystring: { dryRun?: string } }>(
    '/api/v1/config/devices/:device/groups/:group/tags',
    { schema: { body: TagList, querystring: DryRun } },
    async (req, reply) => {
      let offset = 0;
      const result = await change(req, `${req.body.tags.length} tag(s) added to ${req.params.device}/${req.params.group}`, (draft, paths) => {
        const { group, at } = inGroup(draft, req.params);
        offset = group.tags.length;
        paths(underList(`${at}.tags`, offset));
        group.tags.push(...req.body.tags);
      });
      return reply.status(result.applied ? 201 : 200).send({ tags: groupTags(result.config, req.params).slice(offset), applied: result.applied });
    },
  );

  app.put<{ Params: GroupParams; Body: { tags: TagConfig[] }; Querystring: { dryRun?: string } }>(
    '/api/v1/config/devices/:device/groups/:group/tags',
    { schema: { body: Type.Object({ tags: Type.Array(TagSchema, { maxItems: 10_000 }) }, { additionalProperties: false }), querystring: DryRun } },
    async (req) => {
      const result = await change(req, `tags of ${req.params.device}/${req.params.group} replaced`, (draft, paths) => {
        const { group, at } = inGroup(draft, req.params);
        paths(underList(`${at}.tags`, 0));
        group.tags = req.body.tags;
      });
      return { tags: groupTags(result.config, req.params), applied: result.applied };
    },
  );

  const tagIndex = (group: GroupConfig, p: TagParams) => {
    const i = group.tags.findIndex((t) => t.name === p.tag);
    if (i < 0) throw new PlexusError('PLX_NOT_FOUND', `group "${p.group}" of device "${p.device}" has no tag "${p.tag}"`, 404);
    return i;
  };

  app.put<{ Params: TagParams; Body: TagConfig }>('/api/v1/config/devices/:device/groups/:group/tags/:tag', { schema: { body: TagSchema } }, async (req) => {
    const result = await change(req, `tag ${req.params.device}/${req.params.tag} updated`, (draft, paths) => {
      const { group, at } = inGroup(draft, req.params);
      const t = tagIndex(group, req.params);
      paths(under(`${at}.tags[${t}]`));
      group.tags[t] = req.body;
    });
    return groupTags(result.config, req.params).find((t) => t.name === req.body.name);
  });

  app.delete<{ Params: TagParams }>('/api/v1/config/devices/:device/groups/:group/tags/:tag', async (req) => {
    await change(req, `tag ${req.params.device}/${req.params.tag} deleted`, (draft) => {
      const { group } = inGroup(draft, req.params);
      group.tags.splice(tagIndex(group, req.params), 1);
    });
    return {};
  });

  app.post<{ Body: DeviceConfig }>('/api/v1/config/test-connection', { schema: { body: DeviceSchema } }, async (req) => {
    const config = current();
    const stored = config.devices.find((d) => d.name === req.body.name);
    let device: DeviceConfig;
    try {
      device = runningDevices(validateConfig({ ...config, devices: [keepDeviceSecrets(req.body, stored)] }))[0] as DeviceConfig;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const details = err.details.map((d) => ({ path: under('devices[0]')(d.path), message: d.message }));
      throw new ConfigError(`the device settings are not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
    }
    return gateway.testConnection(device);
  });

  app.get('/api/v1/config/northbound', async () => withoutSecrets(current().northbound));

  app.put<{ Body: Config['northbound'] }>('/api/v1/config/northbound', { schema: { body: NorthboundSchema as TSchema } }, async (req) => {
    const result = await change(req, 'northbound settings updated', (draft, paths) => {
      paths(under('northbound'));
      draft.northbound = req.body;
    });
    return withoutSecrets(result.config.northbound);
  });
}
