/**
 * The HTTP API (Fastify) and the web UI it serves. `buildApp` is separate from
 * the process that listens, so tests use inject(). Every /api route declares
 * the role it needs (auth.ts); request bodies are checked against schemas from
 * the one configuration schema, which also give the OpenAPI document at /docs.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { PlexusError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import type { WriteResult } from '../writes/write-service.ts';
import { registerConfigRoutes } from './config-routes.ts';
import { jsonSafe } from './json-safe.ts';
import { registerLive } from './live.ts';
import { registerMetrics } from './metrics.ts';
import { auditName, type Principal } from './roles.ts';
import { requestValidator } from './validation.ts';

const STATUS_OF_CODE: [RegExp, number][] = [
  [/UNKNOWN_TAG/, 404],
  [/READ_ONLY|DISABLED/, 403],
  [/BAD_VALUE|NOT_INVERTIBLE|BAD_COMMAND/, 422],
];
const statusOf = (r: WriteResult) => STATUS_OF_CODE.find(([re]) => re.test(r.code ?? ''))?.[1] ?? 502;

const WriteBody = Type.Object(
  { value: Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 1000 })]), dryRun: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const ManyBody = Type.Object(
  {
    writes: Type.Array(
      Type.Object(
        {
          device: Type.String({ minLength: 1 }),
          tag: Type.String({ minLength: 1 }),
          value: Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 1000 })]),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** The built UI: dist/ui beside dist/src when compiled, or the repository's dist/ui when run from source. */
function uiDirectory(): string | undefined {
  return [new URL('../../ui', import.meta.url), new URL('../../dist/ui', import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((dir) => fs.existsSync(`${dir}/index.html`));
}

export async function buildApp(gateway: Gateway): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.setValidatorCompiler(requestValidator);
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, text, done) =>
    done(null, text),
  );

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: { instancePath: string; message?: string }[] }, _req, reply) => {
    if (err instanceof PlexusError) return reply.status(err.statusCode).send(err.toJSON());
    if (err.validation) {
      const details = err.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(body)',
        message: v.message ?? 'is invalid',
      }));
      return reply
        .status(400)
        .send({ code: 'PLX_BAD_REQUEST', message: `invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details });
    }
    const status = err.statusCode ?? 500;
    return reply.status(status).send({ code: status < 500 ? 'PLX_BAD_REQUEST' : 'PLX_INTERNAL', message: err.message, details: [] });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ code: 'PLX_NOT_FOUND', message: `there is no ${req.method} ${req.url.split('?')[0]}`, details: [] }),
  );
  app.addHook('preSerialization', async (_req, _reply, payload) => jsonSafe(payload));

  await app.register(swagger, {
    openapi: {
      info: { title: 'Plexus gateway API', version: '1', description: 'Sign in (session cookie) or send an API token: Authorization: Bearer <token>.' },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'plexus_session' } } },
      security: [{ token: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Before the auth hook: a refused upgrade is then closed by the websocket plugin's own hooks.
  // Messages up to 1 MiB reach the live route, which answers oversized ones with an error; larger ones close the socket.
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  gateway.auth.register(app);

  const principal = (req: FastifyRequest) => req.principal as Principal;

  app.get('/health', { config: { role: 'open' } }, async () => ({ status: 'ok', northbound: gateway.edgeNode.status().state }));

  app.get('/api/v1/status', async (req) => ({
    northbound: gateway.edgeNode.status(),
    readOnly: gateway.readOnly,
    edgeNode: { groupId: gateway.config.northbound.groupId, edgeNodeId: gateway.config.northbound.edgeNodeId },
    user: { name: principal(req).name, role: principal(req).role },
  }));

  app.get('/api/v1/devices', async () => gateway.deviceStatuses());

  app.get<{ Params: { name: string } }>('/api/v1/devices/:name/values', async (req) => gateway.deviceValues(req.params.name));

  app.get<{ Params: { name: string }; Querystring: { from?: string; depth?: string; search?: string; limit?: string } }>(
    '/api/v1/devices/:name/browse',
    {
      schema: {
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ minLength: 1, maxLength: 4200, description: 'NodeId to start from (default: Objects)' })),
            depth: Type.Optional(Type.String({ pattern: '^[1-5]$', description: 'Levels to list, 1 to 5' })),
            search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: 'At most 9999 nodes' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const { from, depth, search, limit } = req.query;
      return gateway.browse(req.params.name, { from, depth: Number(depth ?? 1), search, limit: Number(limit ?? 1000) });
    },
  );

  app.get<{ Params: { protocol: string } }>('/api/v1/protocols/:protocol/certificates', { config: { role: 'admin' } }, async (req) =>
    gateway.certificates(req.params.protocol),
  );

  app.post<{ Params: { protocol: string; thumbprint: string; action: 'trust' | 'reject' } }>(
    '/api/v1/protocols/:protocol/certificates/:thumbprint/:action',
    {
      schema: {
        params: Type.Object({
          protocol: Type.String(),
          thumbprint: Type.String({ pattern: '^[0-9a-fA-F]{40}$', description: 'SHA-1 thumbprint in hex' }),
          action: Type.Union([Type.Literal('trust'), Type.Literal('reject')]),
        }),
      },
    },
    async (req) => {
      const status = req.params.action === 'trust' ? 'trusted' : 'rejected';
      const cert = gateway.setCertificateTrust(req.params.protocol, req.params.thumbprint, status, auditName(principal(req)));
      gateway.events.record(auditName(principal(req)), `certificate ${status}`, `${req.params.protocol} ${cert.thumbprint}`, cert.subject);
      return cert;
    },
  );

  app.post<{ Params: { device: string; tag: string }; Body: { value: number | boolean | string; dryRun?: boolean } }>(
    '/api/v1/devices/:device/tags/:tag/write',
    { config: { role: 'operator' }, schema: { body: WriteBody } },
    async (req, reply) => {
      const result = await gateway.writes.write(
        { device: req.params.device, tag: req.params.tag, value: req.body.value, dryRun: req.body.dryRun },
        writeSource(principal(req)),
      );
      if (result.ok) return result;
      return reply.status(statusOf(result)).send({ code: result.code, message: result.message, details: [], result });
    },
  );

  app.post<{ Body: { writes: { device: string; tag: string; value: number | boolean | string }[]; dryRun?: boolean } }>(
    '/api/v1/write',
    { config: { role: 'operator' }, schema: { body: ManyBody } },
    async (req) => {
      const results = await gateway.writes.writeAll(
        req.body.writes.map((w) => ({ ...w, dryRun: req.body.dryRun })),
        writeSource(principal(req)),
      );
      return { ok: results.every((r) => r.ok), results };
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/api/v1/audit',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: '1 to 9999 entries' })) }) } },
    async (req) => gateway.audit.list(Number(req.query.limit ?? 100)),
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/api/v1/audit/events',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: '1 to 9999 entries' })) }) } },
    async (req) => gateway.events.list(Number(req.query.limit ?? 100)),
  );

  app.put<{ Body: { enabled: boolean } }>(
    '/api/v1/settings/read-only',
    { schema: { body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }) } },
    async (req) => {
      gateway.setReadOnly(req.body.enabled);
      gateway.events.record(auditName(principal(req)), req.body.enabled ? 'read-only mode on' : 'read-only mode off', 'gateway');
      return { readOnly: gateway.readOnly };
    },
  );

  registerConfigRoutes(app, gateway);
  registerLive(app, gateway);
  registerMetrics(app, gateway);

  const ui = uiDirectory();
  if (ui) await app.register(fastifyStatic, { root: ui, prefix: '/', wildcard: false });
  else
    app.get('/', { config: { role: 'open' } }, async (_req, reply) =>
      reply.type('text/plain').send('The web UI is not built: run `npm run build` (the API works at /api/v1, its documentation at /docs).'),
    );
  return app;
}

/** Writes from a signed-in user come from the UI; writes with a token, from automation. */
const writeSource = (p: Principal) => ({ kind: p.kind === 'user' ? ('ui' as const) : ('api' as const), who: auditName(p) });
