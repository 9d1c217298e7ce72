/**
 * The HTTP API (Fastify). `buildApp` is separate from the process that listens,
 * so tests use inject(). Reading status and values is open (the API listens on
 * 127.0.0.1 by default); writes, the audit log and the read-only switch need
 * an API token (`plexus token create NAME`).
 */
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { PlexusError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import type { WriteResult } from '../writes/write-service.ts';
import type { TokenStore } from './tokens.ts';

/** JSON has no bigint: 64-bit values beyond 2^53 travel as decimal strings. */
function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

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

export function buildApp(gateway: Gateway, tokens: TokenStore): FastifyInstance {
  // No type coercion: a value arrives as the JSON type it was sent as (a 64-bit integer as a decimal string stays exact).
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ajv: { customOptions: { coerceTypes: false } } });

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
  app.addHook('preSerialization', async (_req, _reply, payload) => jsonSafe(payload));

  /** The name of the caller's API token; refuses the request without a valid one. */
  const caller = (req: FastifyRequest): string => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const name = m ? tokens.check(m[1] as string) : undefined;
    if (!name)
      throw new PlexusError('PLX_UNAUTHORIZED', 'an API token is needed (Authorization: Bearer <token>); create one with `plexus token create NAME`', 401);
    return name;
  };

  app.get('/health', async () => ({ status: 'ok', northbound: gateway.edgeNode.status().state }));

  app.get('/api/v1/status', async () => ({ northbound: gateway.edgeNode.status(), readOnly: gateway.readOnly }));

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

  app.get<{ Params: { protocol: string } }>('/api/v1/protocols/:protocol/certificates', async (req) => {
    caller(req);
    return gateway.certificates(req.params.protocol);
  });

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
      const who = caller(req);
      return gateway.setCertificateTrust(req.params.protocol, req.params.thumbprint, req.params.action === 'trust' ? 'trusted' : 'rejected', who);
    },
  );

  app.post<{ Params: { device: string; tag: string }; Body: { value: number | boolean | string; dryRun?: boolean } }>(
    '/api/v1/devices/:device/tags/:tag/write',
    { schema: { body: WriteBody } },
    async (req, reply) => {
      const who = caller(req);
      const result = await gateway.writes.write(
        { device: req.params.device, tag: req.params.tag, value: req.body.value, dryRun: req.body.dryRun },
        { kind: 'api', who },
      );
      if (result.ok) return result;
      return reply.status(statusOf(result)).send({ code: result.code, message: result.message, details: [], result });
    },
  );

  app.post<{ Body: { writes: { device: string; tag: string; value: number | boolean | string }[]; dryRun?: boolean } }>(
    '/api/v1/write',
    { schema: { body: ManyBody } },
    async (req) => {
      const who = caller(req);
      const results = await gateway.writes.writeAll(
        req.body.writes.map((w) => ({ ...w, dryRun: req.body.dryRun })),
        { kind: 'api', who },
      );
      return { ok: results.every((r) => r.ok), results };
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/api/v1/audit',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: '1 to 9999 entries' })) }) } },
    async (req) => {
      caller(req);
      return gateway.audit.list(Number(req.query.limit ?? 100));
    },
  );

  app.put<{ Body: { enabled: boolean } }>(
    '/api/v1/settings/read-only',
    { schema: { body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }) } },
    async (req) => {
      caller(req);
      gateway.setReadOnly(req.body.enabled);
      return { readOnly: gateway.readOnly };
    },
  );

  return app;
}
