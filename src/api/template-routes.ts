/**
 * Device template routes: list, create, change (with a preview of the devices
 * and tags it touches), delete; a template from a device; N devices from a
 * template in one step; detach a device; the device as it runs; the ready-made
 * library. Every change goes through the ConfigService like the other
 * configuration routes.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { driverPlugins } from '../../drivers/registry.ts';
import { type Config, type DeviceConfig, type PropertiesSchema, type TemplateConfig, TemplateSchema } from '../config/schema.ts';
import { schemaErrors } from '../config/schema-errors.ts';
import { withoutSecrets } from '../config/secrets.ts';
import { type ChangeResult, type PathMap, under } from '../config/service.ts';
import { loadTemplateLibrary } from '../config/template-library.ts';
import { detachDevice, runningDevices, templateFromDevice, templateUsers } from '../config/templates.ts';
import { PlexusError } from '../errors.ts';
import { DryRun } from './config-routes.ts';

export interface RouteTools {
  change(req: FastifyRequest, what: string, edit: (draft: Config, setPaths: (m: PathMap) => void) => void): Promise<ChangeResult>;
  current(): Readonly<Config>;
  deviceIndex(config: Readonly<Config>, name: string): number;
}

const FromDevice = Type.Object(
  {
    device: Type.String({ minLength: 1, description: 'The device whose groups and tags (as they run) the template gets' }),
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Name of the new template' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    attach: Type.Optional(Type.Boolean({ description: 'Make the device use the new template' })),
  },
  { additionalProperties: false },
);

const Pattern = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
const NewDevices = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 1000, description: 'How many devices to make' }),
    start: Type.Integer({ minimum: 0, default: 1, description: 'The first n' }),
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Name pattern: {n}, {n+K}, {n-K}, e.g. "Meter-{n}"' }),
    connection: Type.Optional(Type.Record(Type.String(), Pattern, { description: 'Connection settings; strings may be patterns ("10.0.0.{n}", "{n}")' })),
    parameters: Type.Optional(Type.Record(Type.String(), Pattern)),
    properties: Type.Optional(Type.Record(Type.String(), Pattern)),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

type TemplateParams = { name: string };

/** Fills `{n}`, `{n+K}`, `{n-K}` in a string; a result of digits only becomes a number (unit ids, ports). */
export function fillPattern(value: unknown, n: number): unknown {
  if (typeof value !== 'string') return value;
  const filled = value.replace(/\{n(?:([+-])(\d+))?\}/g, (_w, sign?: string, k?: string) => String(sign === '-' ? n - Number(k) : n + Number(k ?? 0)));
  return filled !== value && /^\d+$/.test(filled) ? Number(filled) : filled;
}

const fillAll = <T extends Record<string, unknown>>(record: T | undefined, n: number) =>
  record && (Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fillPattern(v, n)])) as T);

/** Per device made from the template: tags added, removed and changed between two configurations. */
function affected(before: Readonly<Config>, after: Readonly<Config>, template: string) {
  const tagsOf = (config: Readonly<Config>, device: string) =>
    new Map(
      (runningDevices(config).find((d) => d.name === device)?.groups ?? []).flatMap((g) =>
        g.tags.map((t) => [t.name, JSON.stringify({ ...t, group: g.name, intervalMs: g.intervalMs, mode: g.mode })] as const),
      ),
    );
  return templateUsers(after, template).map((device) => {
    const was = tagsOf(before, device);
    const is = tagsOf(after, device);
    return {
      device,
      added: [...is.keys()].filter((t) => !was.has(t)),
      removed: [...was.keys()].filter((t) => !is.has(t)),
      changed: [...is.keys()].filter((t) => was.has(t) && was.get(t) !== is.get(t)),
    };
  });
}

export function templateRoutes(app: FastifyInstance, tools: RouteTools): void {
  const { change, current, deviceIndex } = tools;
  const templateIndex = (config: Readonly<Config>, name: string) => {
    const i = config.templates.findIndex((t) => t.name === name);
    if (i < 0) throw new PlexusError('PLX_NOT_FOUND', `there is no template "${name}"`, 404);
    return i;
  };
  const templateOut = (config: Readonly<Config>, name: string) => ({
    ...withoutSecrets(config.templates[templateIndex(config, name)] as TemplateConfig),
    usedBy: templateUsers(config, name),
  });
  const taken = (draft: Config, name: string) => {
    if (draft.templates.some((t) => t.name === name))
      throw new PlexusError('PLX_EXISTS', `a template named "${name}" exists already`, 409, [{ path: 'name', message: 'is taken' }]);
  };

  app.get('/api/v1/config/templates', async () => current().templates.map((t) => templateOut(current(), t.name)));

  app.get<{ Params: TemplateParams }>('/api/v1/config/templates/:name', async (req) => templateOut(current(), req.params.name));

  app.get('/api/v1/config/template-library', async () => loadTemplateLibrary());

  app.post<{ Body: TemplateConfig; Querystring: { dryRun?: string } }>(
    '/api/v1/config/templates',
    { schema: { body: TemplateSchema, querystring: DryRun } },
    async (req, reply) => {
      const result = await change(req, `template ${req.body.name} created`, (draft, paths) => {
        taken(draft, req.body.name);
        paths(under(`templates[${draft.templates.length}]`));
        draft.templates.push(req.body);
      });
      return reply.status(result.applied ? 201 : 200).send(templateOut(result.config, req.body.name));
    },
  );

  app.put<{ Params: TemplateParams; Body: TemplateConfig; Querystring: { dryRun?: string } }>(
    '/api/v1/config/templates/:name',
    { schema: { body: TemplateSchema, querystring: DryRun } },
    async (req) => {
      const before = current();
      const result = await change(req, `template ${req.params.name} updated`, (draft, paths) => {
        const i = templateIndex(draft, req.params.name);
        if (req.body.name !== req.params.name) {
          taken(draft, req.body.name);
          // The devices follow the template to its new name.
          for (const d of draft.devices) if (d.template?.name === req.params.name) d.template.name = req.body.name;
        }
        paths(under(`templates[${i}]`));
        draft.templates[i] = req.body;
      });
      return { applied: result.applied, template: templateOut(result.config, req.body.name), affected: affected(before, result.config, req.body.name) };
    },
  );

  app.delete<{ Params: TemplateParams }>('/api/v1/config/templates/:name', async (req) => {
    const users = templateUsers(current(), req.params.name);
    templateIndex(current(), req.params.name);
    if (users.length > 0)
      throw new PlexusError(
        'PLX_IN_USE',
        `template "${req.params.name}" is used by ${users.length} device(s): ${users.join(', ')}; detach or delete them first`,
        409,
        users.map((device) => ({ path: 'usedBy', message: device })),
      );
    await change(req, `template ${req.params.name} deleted`, (draft) => {
      draft.templates.splice(templateIndex(draft, req.params.name), 1);
    });
    return {};
  });

  app.post<{ Body: Static<typeof FromDevice> }>('/api/v1/config/templates/from-device', { schema: { body: FromDevice } }, async (req, reply) => {
    const { device: name, attach } = req.body;
    const result = await change(req, `template ${req.body.name} made from device ${name}`, (draft, paths) => {
      taken(draft, req.body.name);
      const d = deviceIndex(draft, name);
      const running = runningDevices(current()).find((x) => x.name === name) as DeviceConfig;
      paths(under(`templates[${draft.templates.length}]`));
      // The protocol's defaults, filled into an empty connection (the missing address is no concern here).
      const defaults: Record<string, unknown> = {};
      const plugin = driverPlugins[running.protocol];
      if (plugin) schemaErrors(plugin.connectionSchema, defaults);
      draft.templates.push(templateFromDevice(running, req.body.name, req.body.description, defaults));
      if (attach) {
        const device = draft.devices[d] as DeviceConfig;
        draft.devices[d] = { ...device, template: { name: req.body.name }, groups: [] };
      }
    });
    return reply.status(201).send(templateOut(result.config, req.body.name));
  });

  app.post<{ Params: TemplateParams; Body: Static<typeof NewDevices>; Querystring: { dryRun?: string } }>(
    '/api/v1/config/templates/:name/devices',
    { schema: { body: NewDevices, querystring: DryRun } },
    async (req, reply: FastifyReply) => {
      const template = current().templates[templateIndex(current(), req.params.name)] as TemplateConfig;
      const { count, start = 1 } = req.body;
      const made: DeviceConfig[] = Array.from({ length: count }, (_, i) => {
        const n = start + i;
        const parameters = fillAll(req.body.parameters, n) as Record<string, string | number> | undefined;
        const properties = fillAll(req.body.properties, n);
        return {
          name: String(fillPattern(req.body.name, n)),
          protocol: template.protocol,
          enabled: req.body.enabled ?? true,
          readOnly: false,
          connection: fillAll(req.body.connection, n) ?? {},
          template: { name: template.name, ...(parameters ? { parameters } : {}) },
          groups: [],
          ...(properties ? { properties: properties as Static<typeof PropertiesSchema> } : {}),
        };
      });
      const result = await change(req, `${count} device(s) made from template ${template.name}`, (draft, paths) => {
        const first = draft.devices.length;
        for (const d of made)
          if (draft.devices.some((x) => x.name === d.name))
            throw new PlexusError('PLX_EXISTS', `a device named "${d.name}" exists already`, 409, [
              { path: 'name', message: `gives "${d.name}", which is taken` },
            ]);
        // Errors name the device by its place in the batch: `devices[2].connection.host`.
        paths((p) => p.replace(/^devices\[(\d+)\]/, (w, i) => (Number(i) >= first ? `devices[${Number(i) - first}]` : w)));
        draft.devices.push(...made);
      });
      const names = new Set(made.map((d) => d.name));
      return reply
        .status(result.applied ? 201 : 200)
        .send({ applied: result.applied, devices: withoutSecrets(result.config.devices.filter((d) => names.has(d.name))) });
    },
  );

  app.post<{ Params: { device: string } }>('/api/v1/config/devices/:device/detach', async (req) => {
    const result = await change(req, `device ${req.params.device} detached from its template`, (draft) => {
      const d = deviceIndex(draft, req.params.device);
      if (!draft.devices[d]?.template) throw new PlexusError('PLX_NOT_TEMPLATED', `device "${req.params.device}" is not made from a template`, 409);
      draft.devices[d] = detachDevice(current(), req.params.device) as DeviceConfig;
    });
    return withoutSecrets(result.config.devices[deviceIndex(result.config, req.params.device)]);
  });

  app.get<{ Params: { device: string } }>('/api/v1/config/devices/:device/resolved', async (req) => {
    const config = current();
    return withoutSecrets(runningDevices(config)[deviceIndex(config, req.params.device)]);
  });
}
