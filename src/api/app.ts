/**
 * The HTTP API (Fastify). `buildApp` is separate from the process that listens,
 * so tests use inject(). This first version is read-only: health, gateway
 * status, devices with their state and statistics, and live values.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { PlexusError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';

/** JSON has no bigint: 64-bit values beyond 2^53 travel as decimal strings. */
const jsonValue = (v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v);

export function buildApp(gateway: Gateway): FastifyInstance {
  const app = Fastify({ logger: false });

  app.setErrorHandler((err: Error, _req, reply) => {
    if (err instanceof PlexusError) return reply.status(err.statusCode).send(err.toJSON());
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({ code: status === 400 ? 'PLX_BAD_REQUEST' : 'PLX_INTERNAL', message: err.message, details: [] });
  });

  app.get('/health', async () => ({ status: 'ok', northbound: gateway.edgeNode.status().state }));

  app.get('/api/v1/status', async () => ({ northbound: gateway.edgeNode.status() }));

  app.get('/api/v1/devices', async () => gateway.deviceStatuses());

  app.get<{ Params: { name: string } }>('/api/v1/devices/:name/values', async (req) => {
    const values = gateway.deviceValues(req.params.name);
    return values.map((v) => ({ ...v, value: jsonValue(v.value) }));
  });

  return app;
}
