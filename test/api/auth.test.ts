/** First-run setup, sign-in, sessions, rate limiting, users and tokens: through inject() against a real gateway app. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Stack, startStack } from '../helpers/stack.ts';

const PASSWORD = 'correct horse battery';

describe('authentication and users', () => {
  let stack: Stack;
  let app: FastifyInstance;

  before(async () => {
    stack = await startStack({ units: [{ id: 1, points: [] }] }, () => [], { api: true });
    app = stack.gateway.http as FastifyInstance;
  });
  after(() => stack?.stop());

  const cookieOf = (res: LightMyRequestResponse) => {
    const c = res.cookies.find((x) => x.name === 'plexus_session');
    assert.ok(c, 'a session cookie is set');
    return `plexus_session=${c.value}`;
  };
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, opts: { cookie?: string; body?: unknown; token?: string } = {}) =>
    app.inject({
      method,
      url,
      payload: opts.body as object | undefined,
      headers: { ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    });

  let admin: string;

  it('starts with no user and no default password: only the logged setup link creates the admin', async () => {
    const state = await call('GET', '/api/v1/auth/state');
    assert.deepEqual(state.json(), { setupRequired: true });
    const url = stack.gateway.auth.setupUrl ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#\/setup\?token=[\w-]{20,}$/);
    const token = new URL(url.replace('#/setup', 'setup')).searchParams.get('token') as string;

    assert.equal((await call('GET', '/api/v1/devices')).statusCode, 401, 'nothing is readable before sign-in');
    const wrong = await call('POST', '/api/v1/auth/setup', { body: { token: 'guess', username: 'ada', password: PASSWORD } });
    assert.deepEqual([wrong.statusCode, wrong.json().code], [403, 'PLX_SETUP_TOKEN']);
    const weak = await call('POST', '/api/v1/auth/setup', { body: { token, username: 'ada', password: 'short' } });
    assert.deepEqual([weak.statusCode, weak.json().details], [400, [{ path: 'password', message: 'must have at least 10 characters' }]]);
    const badName = await call('POST', '/api/v1/auth/setup', { body: { token, username: 'a b', password: PASSWORD } });
    assert.equal(badName.json().details[0].path, 'username');

    const ok = await call('POST', '/api/v1/auth/setup', { body: { token, username: 'ada', password: PASSWORD } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { user: { name: 'ada', role: 'admin' } });
    const set = ok.cookies.find((c) => c.name === 'plexus_session');
    assert.deepEqual([set?.httpOnly, set?.sameSite], [true, 'Strict']);
    admin = cookieOf(ok);
    assert.deepEqual((await call('GET', '/api/v1/auth/state', { cookie: admin })).json(), { setupRequired: false, user: { name: 'ada', role: 'admin' } });
    const again = await call('POST', '/api/v1/auth/setup', { body: { token, username: 'eve', password: PASSWORD } });
    assert.deepEqual([again.statusCode, again.json().code], [403, 'PLX_SETUP_DONE'], 'the link works once');
    assert.equal(stack.gateway.auth.setupUrl, undefined, 'no setup link once the admin exists');
  });

  it('signs in and out; the password is stored as a scrypt hash', async () => {
    const res = await call('POST', '/api/v1/auth/login', { body: { username: 'ADA', password: PASSWORD } });
    assert.equal(res.statusCode, 200, 'user names are case-insensitive');
    const cookie = cookieOf(res);
    assert.equal((await call('GET', '/api/v1/devices', { cookie })).statusCode, 200);
    await call('POST', '/api/v1/auth/logout', { cookie });
    assert.equal((await call('GET', '/api/v1/devices', { cookie })).statusCode, 401, 'the session ended on the server');
    const row = stack.db.prepare('SELECT password FROM app_user WHERE name = ?').get('ada') as { password: string };
    assert.match(row.password, /^scrypt\$32768\$8\$1\$/);
    assert.ok(!row.password.includes(PASSWORD));
  });

  it('rate-limits failed sign-ins and says when to try again', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await call('POST', '/api/v1/auth/login', { body: { username: 'ada', password: `wrong-${i}-xxxx` } })).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    const limited = await call('POST', '/api/v1/auth/login', { body: { username: 'ada', password: PASSWORD } });
    assert.equal(limited.statusCode, 429, 'even the right password waits');
    assert.match(limited.json().message, /too many failed sign-ins: try again in \d+ s/);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    stack.gateway.auth.limiter.succeed([`ip 127.0.0.1`, `user 127.0.0.1 ada`]);
  });

  it('lets an admin manage users, never removing the last admin', async () => {
    const created = await call('POST', '/api/v1/users', { cookie: admin, body: { name: 'otto', password: PASSWORD, role: 'operator' } });
    assert.deepEqual([created.statusCode, created.json().role], [201, 'operator']);
    assert.equal((await call('POST', '/api/v1/users', { cookie: admin, body: { name: 'otto', password: PASSWORD, role: 'viewer' } })).statusCode, 409);
    const badRole = await call('POST', '/api/v1/users', { cookie: admin, body: { name: 'x', password: PASSWORD, role: 'root' } });
    assert.deepEqual([badRole.statusCode, badRole.json().details[0].path], [400, 'role']);
    const extra = await call('POST', '/api/v1/users', { cookie: admin, body: { name: 'otto', password: PASSWORD, role: 'viewer', admin: true } });
    assert.match(
      extra
        .json()
        .details.map((d: { path: string }) => d.path)
        .join(),
      /admin/,
      'unknown fields are refused, not dropped',
    );
    const list = (await call('GET', '/api/v1/users', { cookie: admin })).json();
    assert.deepEqual(
      list.map((u: { name: string; role: string }) => [u.name, u.role]),
      [
        ['ada', 'admin'],
        ['otto', 'operator'],
      ],
    );
    assert.ok(!JSON.stringify(list).includes('scrypt'), 'no password hash leaves the gateway');

    const otto = cookieOf(await call('POST', '/api/v1/auth/login', { body: { username: 'otto', password: PASSWORD } }));
    const forbidden = await call('GET', '/api/v1/users', { cookie: otto });
    assert.deepEqual([forbidden.statusCode, forbidden.json().message], [403, 'this needs the admin role; otto is operator']);
    const demoteLast = await call('PATCH', '/api/v1/users/ada', { cookie: admin, body: { role: 'viewer' } });
    assert.deepEqual([demoteLast.statusCode, demoteLast.json().code], [409, 'PLX_LAST_ADMIN']);
    assert.equal((await call('DELETE', '/api/v1/users/ada', { cookie: admin })).statusCode, 409);

    const demoted = await call('PATCH', '/api/v1/users/otto', { cookie: admin, body: { role: 'viewer' } });
    assert.equal(demoted.json().role, 'viewer');
    assert.equal((await call('GET', '/api/v1/auth/state', { cookie: otto })).json().user.role, 'viewer', 'a role change applies to open sessions');
    await call('PATCH', '/api/v1/users/otto', { cookie: admin, body: { password: 'a new password 2' } });
    assert.equal((await call('GET', '/api/v1/devices', { cookie: otto })).statusCode, 401, 'a password reset ends the sessions');
    assert.equal((await call('DELETE', '/api/v1/users/otto', { cookie: admin })).statusCode, 200);
    assert.equal((await call('DELETE', '/api/v1/users/otto', { cookie: admin })).statusCode, 404);
  });

  it('changes one’s own password only with the current one', async () => {
    const wrong = await call('POST', '/api/v1/auth/password', { cookie: admin, body: { current: 'not it at all', password: 'another password 1' } });
    assert.deepEqual([wrong.statusCode, wrong.json().details], [400, [{ path: 'current', message: 'is not right' }]]);
    const ok = await call('POST', '/api/v1/auth/password', { cookie: admin, body: { current: PASSWORD, password: 'another password 1' } });
    assert.equal(ok.statusCode, 200);
    admin = cookieOf(ok);
    assert.equal((await call('POST', '/api/v1/auth/login', { body: { username: 'ada', password: 'another password 1' } })).statusCode, 200);
  });

  it('issues API tokens with a role, shown once, and revokes them', async () => {
    const created = await call('POST', '/api/v1/tokens', { cookie: admin, body: { name: 'scada', role: 'viewer' } });
    assert.equal(created.statusCode, 201);
    const { token } = created.json();
    assert.match(token, /^plx_/);
    const list = (await call('GET', '/api/v1/tokens', { cookie: admin })).json();
    assert.deepEqual(
      list.map((t: { name: string; role: string }) => [t.name, t.role]),
      [['scada', 'viewer']],
    );
    assert.ok(!JSON.stringify(list).includes(token.slice(4)), 'the token is never listed');
    assert.equal((await call('GET', '/api/v1/devices', { token })).statusCode, 200);
    const write = await call('POST', '/api/v1/devices/D/tags/T/write', { token, body: { value: 1 } });
    assert.deepEqual([write.statusCode, write.json().message], [403, 'this needs the operator role; scada is viewer']);
    assert.equal((await call('DELETE', '/api/v1/tokens/scada', { cookie: admin })).statusCode, 200);
    const revoked = await call('GET', '/api/v1/devices', { token });
    assert.deepEqual([revoked.statusCode, revoked.json().message], [401, 'the API token is not valid (revoked or mistyped)']);
  });

  it('refuses a session used from another site', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/api/v1/settings/read-only',
      payload: { enabled: true },
      headers: { cookie: admin, origin: 'http://evil.example' },
    });
    assert.deepEqual([res.statusCode, res.json().code], [403, 'PLX_FORBIDDEN']);
    assert.equal(stack.gateway.readOnly, false);
  });

  it('records user and token changes with who made them', async () => {
    const events = (await call('GET', '/api/v1/audit/events', { cookie: admin })).json() as { who: string; action: string; target: string }[];
    const seen = events.map((e) => `${e.who}: ${e.action} ${e.target}`).reverse();
    for (const line of [
      'ada: setup user ada',
      'ada: user created user otto',
      'ada: user role changed user otto',
      'ada: password reset user otto',
      'ada: user deleted user otto',
      'ada: password changed user ada',
      'ada: token created token scada',
      'ada: token revoked token scada',
    ])
      assert.ok(seen.includes(line), `${line} in ${seen.join(' | ')}`);
  });

  it('serves the web UI, the OpenAPI document and health without sign-in', async () => {
    const ui = await call('GET', '/');
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /<div id="app">/);
    const doc = await call('GET', '/docs/json');
    assert.equal(doc.statusCode, 200);
    const paths = Object.keys(doc.json().paths);
    for (const p of ['/api/v1/config/devices/{device}', '/api/v1/users', '/api/v1/devices/{device}/tags/{tag}/write', '/api/v1/config/import'])
      assert.ok(paths.includes(p), `${p} documented`);
    assert.equal((await call('GET', '/health')).statusCode, 200);
    const missing = await call('GET', '/api/v1/nothing', { cookie: admin });
    assert.deepEqual([missing.statusCode, missing.json().code], [404, 'PLX_NOT_FOUND']);
  });
});
