/**
 * Every API route against every role: the lowest role each needs, 401 without
 * sign-in, 403 with the role named below it. The table must cover every route
 * in the OpenAPI document, so a new route cannot go in unchecked. Calls use
 * targets that do not exist or bodies that are refused, so nothing changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { ROLES, type Role } from '../../src/api/roles.ts';
import { TokenStore } from '../../src/api/tokens.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const THUMB = 'ab'.repeat(20);

/** [method, documented path, URL called, lowest role ('open': anyone), body] */
const ROUTES: [Method, string, string, Role | 'open', unknown?][] = [
  ['GET', '/api/v1/auth/state', '/api/v1/auth/state', 'open'],
  ['POST', '/api/v1/auth/setup', '/api/v1/auth/setup', 'open', {}],
  ['POST', '/api/v1/auth/login', '/api/v1/auth/login', 'open', {}],
  ['POST', '/api/v1/auth/logout', '/api/v1/auth/logout', 'open'],
  ['POST', '/api/v1/auth/password', '/api/v1/auth/password', 'viewer', {}],
  ['GET', '/api/v1/users', '/api/v1/users', 'admin'],
  ['POST', '/api/v1/users', '/api/v1/users', 'admin', {}],
  ['PATCH', '/api/v1/users/{name}', '/api/v1/users/nobody', 'admin', {}],
  ['DELETE', '/api/v1/users/{name}', '/api/v1/users/nobody', 'admin'],
  ['GET', '/api/v1/tokens', '/api/v1/tokens', 'admin'],
  ['POST', '/api/v1/tokens', '/api/v1/tokens', 'admin', {}],
  ['DELETE', '/api/v1/tokens/{name}', '/api/v1/tokens/nobody', 'admin'],
  ['GET', '/health', '/health', 'open'],
  ['GET', '/api/v1/status', '/api/v1/status', 'viewer'],
  ['GET', '/api/v1/devices', '/api/v1/devices', 'viewer'],
  ['GET', '/api/v1/devices/{name}/values', '/api/v1/devices/Nope/values', 'viewer'],
  ['GET', '/api/v1/devices/{name}/browse', '/api/v1/devices/Nope/browse', 'viewer'],
  ['GET', '/api/v1/protocols/{protocol}/certificates', '/api/v1/protocols/opcua/certificates', 'admin'],
  ['POST', '/api/v1/protocols/{protocol}/certificates/{thumbprint}/{action}', `/api/v1/protocols/opcua/certificates/${THUMB}/trust`, 'admin'],
  ['POST', '/api/v1/devices/{device}/tags/{tag}/write', '/api/v1/devices/Nope/tags/T/write', 'operator', { value: 1, dryRun: true }],
  ['POST', '/api/v1/write', '/api/v1/write', 'operator', { writes: [{ device: 'Nope', tag: 'T', value: 1 }], dryRun: true }],
  ['GET', '/api/v1/audit', '/api/v1/audit', 'viewer'],
  ['GET', '/api/v1/audit/events', '/api/v1/audit/events', 'viewer'],
  ['PUT', '/api/v1/settings/read-only', '/api/v1/settings/read-only', 'admin', {}],
  ['GET', '/metrics', '/metrics', 'viewer'],
  ['GET', '/api/v1/config', '/api/v1/config', 'viewer'],
  ['GET', '/api/v1/config/export', '/api/v1/config/export', 'viewer'],
  ['POST', '/api/v1/config/import', '/api/v1/config/import?dryRun=true', 'admin', 'devices: ['],
  ['GET', '/api/v1/config/schema', '/api/v1/config/schema', 'viewer'],
  ['GET', '/api/v1/config/devices', '/api/v1/config/devices', 'viewer'],
  ['POST', '/api/v1/config/devices', '/api/v1/config/devices', 'admin', []],
  ['GET', '/api/v1/config/devices/{device}', '/api/v1/config/devices/Nope', 'viewer'],
  ['PUT', '/api/v1/config/devices/{device}', '/api/v1/config/devices/Nope', 'admin', {}],
  ['DELETE', '/api/v1/config/devices/{device}', '/api/v1/config/devices/Nope', 'admin'],
  ['POST', '/api/v1/config/devices/{device}/groups', '/api/v1/config/devices/Nope/groups', 'admin', {}],
  ['PUT', '/api/v1/config/devices/{device}/groups/{group}', '/api/v1/config/devices/Nope/groups/g', 'admin', {}],
  ['DELETE', '/api/v1/config/devices/{device}/groups/{group}', '/api/v1/config/devices/Nope/groups/g', 'admin'],
  ['POST', '/api/v1/config/devices/{device}/groups/{group}/tags', '/api/v1/config/devices/Nope/groups/g/tags', 'admin', { tags: [] }],
  ['PUT', '/api/v1/config/devices/{device}/groups/{group}/tags', '/api/v1/config/devices/Nope/groups/g/tags', 'admin', { tags: 1 }],
  ['PUT', '/api/v1/config/devices/{device}/groups/{group}/tags/{tag}', '/api/v1/config/devices/Nope/groups/g/tags/t', 'admin', {}],
  ['DELETE', '/api/v1/config/devices/{device}/groups/{group}/tags/{tag}', '/api/v1/config/devices/Nope/groups/g/tags/t', 'admin'],
  ['POST', '/api/v1/config/test-connection', '/api/v1/config/test-connection', 'admin', []],
  ['GET', '/api/v1/config/devices/{device}/resolved', '/api/v1/config/devices/Nope/resolved', 'viewer'],
  ['POST', '/api/v1/config/devices/{device}/detach', '/api/v1/config/devices/Nope/detach', 'admin'],
  ['GET', '/api/v1/config/templates', '/api/v1/config/templates', 'viewer'],
  ['POST', '/api/v1/config/templates', '/api/v1/config/templates', 'admin', []],
  ['GET', '/api/v1/config/templates/{name}', '/api/v1/config/templates/Nope', 'viewer'],
  ['PUT', '/api/v1/config/templates/{name}', '/api/v1/config/templates/Nope', 'admin', {}],
  ['DELETE', '/api/v1/config/templates/{name}', '/api/v1/config/templates/Nope', 'admin'],
  ['POST', '/api/v1/config/templates/from-device', '/api/v1/config/templates/from-device', 'admin', {}],
  ['POST', '/api/v1/config/templates/{name}/devices', '/api/v1/config/templates/Nope/devices', 'admin', {}],
  ['GET', '/api/v1/config/template-library', '/api/v1/config/template-library', 'viewer'],
  ['GET', '/api/v1/config/northbound', '/api/v1/config/northbound', 'viewer'],
  ['PUT', '/api/v1/config/northbound', '/api/v1/config/northbound', 'admin', []],
];

describe('every route, every role', () => {
  let stack: Stack;
  let app: FastifyInstance;
  const tokens = {} as Record<Role, string>;

  before(async () => {
    stack = await startStack({ units: [{ id: 1, points: [] }] }, () => [], { api: true });
    app = stack.gateway.http as FastifyInstance;
    const store = new TokenStore(stack.db);
    for (const role of ROLES) tokens[role] = store.create(role, role);
  });
  after(() => stack?.stop());

  it('has a row for every documented route', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(documented.sort(), ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });

  for (const [method, path, url, needed, body] of ROUTES) {
    it(`${method} ${path}: ${needed}`, async () => {
      const call = async (role?: Role) => {
        const opts: InjectOptions = { method, url, headers: role ? { authorization: `Bearer ${tokens[role]}` } : {} };
        if (body !== undefined) {
          opts.payload = body as string;
          if (typeof body === 'string') (opts.headers as Record<string, string>)['content-type'] = 'application/yaml';
        }
        const res = await app.inject(opts);
        return { status: res.statusCode, code: String(res.headers['content-type']).includes('json') ? res.json().code : undefined };
      };
      const anonymous = await call();
      if (needed === 'open') assert.notEqual(anonymous.status, 401);
      else assert.deepEqual(anonymous, { status: 401, code: 'PLX_UNAUTHORIZED' });
      for (const role of ROLES) {
        const res = await call(role);
        const allowed = needed === 'open' || ROLES.indexOf(role) >= ROLES.indexOf(needed);
        if (allowed) assert.ok(res.code !== 'PLX_FORBIDDEN' && res.code !== 'PLX_UNAUTHORIZED', `${role} may call it: ${JSON.stringify(res)}`);
        else assert.deepEqual(res, { status: 403, code: 'PLX_FORBIDDEN' }, `${role} may not`);
      }
    });
  }

  it('changed nothing', async () => {
    assert.deepEqual(stack.gateway.config.devices, []);
    assert.equal(stack.gateway.readOnly, false);
  });
});
