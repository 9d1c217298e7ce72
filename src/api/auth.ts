/**
 * Who may do what. Every route under /api and /metrics declares the lowest role
 * it needs (`config.role`, default: viewer for reads, admin for changes); a
 * signed-in user (session cookie) or an API token (Authorization: Bearer)
 * supplies it. No default password: until the first admin exists, a one-time
 * setup link is logged; login attempts are rate-limited.
 */
import crypto from 'node:crypto';
import cookie from '@fastify/cookie';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PlexusError } from '../errors.ts';
import type { EventLog } from './event-log.ts';
import { atLeast, auditName, type Principal, ROLES, type Role } from './roles.ts';
import { NAME_PATTERN, type TokenStore } from './tokens.ts';
import { SESSION_TTL_MS, type UserStore } from './users.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The lowest role a route needs; `open` for the few routes anyone may call. */
    role?: Role | 'open';
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

const COOKIE = 'plexus_session';
const RoleSchema = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: 'viewer: read; operator: also write tag values; admin: also configuration, users and tokens' },
);
const UserName = Type.String({ pattern: NAME_PATTERN, description: "1-64 letters, digits, '.', '_' or '-'" });
const Password = Type.String({ minLength: 1, maxLength: 1024, writeOnly: true });
const body = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });

/** Failed logins per client and per client+user name; after 5 in a row, waits that double up to 15 minutes. */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds until these keys may try again (0: now). */
  waitMs(keys: string[]): number {
    const t = this.now();
    return Math.max(0, ...keys.map((k) => (this.failures.get(k)?.until ?? 0) - t));
  }

  fail(keys: string[], limits: number[]): void {
    if (this.failures.size > 10_000) for (const [k, v] of this.failures) if (v.until < this.now()) this.failures.delete(k);
    keys.forEach((k, i) => {
      const f = this.failures.get(k) ?? { count: 0, until: 0 };
      f.count++;
      const over = f.count - (limits[i] ?? 5);
      if (over >= 0) f.until = this.now() + Math.min(15 * 60_000, 30_000 * 2 ** over);
      this.failures.set(k, f);
    });
  }

  succeed(keys: string[]): void {
    for (const k of keys) this.failures.delete(k);
  }
}

export interface AuthDeps {
  users: UserStore;
  tokens: TokenStore;
  events: EventLog;
  log: Logger;
}

export class Auth {
  private setupHash?: string;
  private setupToken?: string;
  /** The first-run link that creates the admin (it is logged), while no user exists. */
  setupUrl?: string;
  readonly limiter = new LoginLimiter();

  constructor(private readonly deps: AuthDeps) {
    if (deps.users.count() === 0) this.newSetupToken();
  }

  private newSetupToken() {
    this.setupToken = crypto.randomBytes(24).toString('base64url');
    this.setupHash = crypto.createHash('sha256').update(this.setupToken).digest('hex');
  }

  /** Logs the setup link once the API's address is known. */
  announce(apiUrl: string): void {
    if (!this.setupToken) return;
    this.setupUrl = `${apiUrl}/#/setup?token=${this.setupToken}`;
    this.deps.log.warn({ setupUrl: this.setupUrl }, 'no users yet: open this link to create the admin (it works once)');
  }

  private setupTokenValid(token: string): boolean {
    if (!this.setupHash) return false;
    const given = crypto.createHash('sha256').update(token).digest();
    return crypto.timingSafeEqual(given, Buffer.from(this.setupHash, 'hex'));
  }

  /** The caller, from a Bearer token or the session cookie; undefined when there is neither. */
  principal(req: FastifyRequest): Principal | undefined {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (bearer) {
      const t = this.deps.tokens.check(bearer[1] as string);
      if (!t) throw new PlexusError('PLX_UNAUTHORIZED', 'the API token is not valid (revoked or mistyped)', 401);
      return { ...t, kind: 'token' };
    }
    const sid = req.cookies[COOKIE];
    const user = sid ? this.deps.users.session(sid) : undefined;
    return user && { name: user.name, role: user.role, kind: 'user' };
  }

  register(app: FastifyInstance): void {
    const { users, tokens, events } = this.deps;
    app.register(cookie);

    app.addHook('onRequest', async (req) => {
      if (!req.url.startsWith('/api/') && !req.url.startsWith('/metrics')) return;
      const needed = req.routeOptions.config.role ?? (req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'admin');
      if (needed === 'open') {
        req.principal = this.principalOrNone(req);
        return;
      }
      const p = this.principal(req);
      if (!p)
        throw new PlexusError(
          'PLX_UNAUTHORIZED',
          'sign in, or send an API token (Authorization: Bearer <token>; an admin creates one with `plexus token create NAME` or in the UI)',
          401,
        );
      if (!atLeast(p.role, needed)) throw new PlexusError('PLX_FORBIDDEN', `this needs the ${needed} role; ${p.name} is ${p.role}`, 403);
      // A browser session may only change things from our own pages (SameSite cookies do most of this).
      const origin = req.headers.origin;
      if (p.kind === 'user' && req.method !== 'GET' && origin && new URL(origin).host !== req.headers.host)
        throw new PlexusError('PLX_FORBIDDEN', `requests from ${origin} may not use this session`, 403);
      req.principal = p;
    });

    const startSession = (reply: FastifyReply, name: string) =>
      reply.setCookie(COOKIE, users.startSession(name), { httpOnly: true, sameSite: 'strict', secure: 'auto', path: '/', maxAge: SESSION_TTL_MS / 1000 });

    app.get('/api/v1/auth/state', { config: { role: 'open' } }, async (req) => ({
      setupRequired: this.setupHash !== undefined,
      user: req.principal && { name: req.principal.name, role: req.principal.role },
    }));

    app.post<{ Body: { token: string; username: string; password: string } }>(
      '/api/v1/auth/setup',
      { config: { role: 'open' }, schema: { body: body({ token: Type.String({ maxLength: 200 }), username: UserName, password: Password }) } },
      async (req, reply) => {
        if (!this.setupHash) throw new PlexusError('PLX_SETUP_DONE', 'the gateway is set up already: sign in', 403);
        if (!this.setupTokenValid(req.body.token))
          throw new PlexusError('PLX_SETUP_TOKEN', 'the setup token is not right: use the link from the gateway log', 403);
        const user = await users.create(req.body.username, req.body.password, 'admin');
        this.setupHash = undefined;
        this.setupToken = undefined;
        this.setupUrl = undefined;
        events.record(user.name, 'setup', `user ${user.name}`, 'first admin created');
        startSession(reply, user.name);
        return { user: { name: user.name, role: user.role } };
      },
    );

    app.post<{ Body: { username: string; password: string } }>(
      '/api/v1/auth/login',
      { config: { role: 'open' }, schema: { body: body({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Password }) } },
      async (req, reply) => {
        const keys = [`ip ${req.ip}`, `user ${req.ip} ${req.body.username.toLowerCase()}`];
        const wait = this.limiter.waitMs(keys);
        if (wait > 0) {
          reply.header('retry-after', Math.ceil(wait / 1000));
          throw new PlexusError('PLX_RATE_LIMITED', `too many failed sign-ins: try again in ${Math.ceil(wait / 1000)} s`, 429);
        }
        const user = await users.verify(req.body.username, req.body.password);
        if (!user) {
          this.limiter.fail(keys, [20, 5]);
          this.deps.log.warn({ user: req.body.username, ip: req.ip }, 'failed sign-in');
          throw new PlexusError('PLX_LOGIN_FAILED', 'wrong user name or password', 401);
        }
        this.limiter.succeed(keys);
        startSession(reply, user.name);
        return { user: { name: user.name, role: user.role } };
      },
    );

    app.post('/api/v1/auth/logout', { config: { role: 'open' } }, async (req, reply) => {
      const sid = req.cookies[COOKIE];
      if (sid) users.endSession(sid);
      reply.clearCookie(COOKIE, { path: '/' });
      return {};
    });

    app.post<{ Body: { current: string; password: string } }>(
      '/api/v1/auth/password',
      { config: { role: 'viewer' }, schema: { body: body({ current: Password, password: Password }) } },
      async (req, reply) => {
        const p = req.principal as Principal;
        if (p.kind !== 'user') throw new PlexusError('PLX_FORBIDDEN', 'an API token has no password', 403);
        if (!(await users.verify(p.name, req.body.current)))
          throw new PlexusError('PLX_LOGIN_FAILED', 'the current password is not right', 400, [{ path: 'current', message: 'is not right' }]);
        await users.setPassword(p.name, req.body.password);
        events.record(p.name, 'password changed', `user ${p.name}`);
        startSession(reply, p.name);
        return {};
      },
    );

    const who = (req: FastifyRequest) => auditName(req.principal as Principal);
    const mustExist = (name: string) => {
      const user = users.get(name);
      if (!user) throw new PlexusError('PLX_NOT_FOUND', `there is no user "${name}"`, 404);
      return user;
    };
    const keepAnAdmin = (name: string) => {
      if (users.get(name)?.role === 'admin' && users.list().filter((u) => u.role === 'admin').length === 1)
        throw new PlexusError('PLX_LAST_ADMIN', `"${name}" is the last admin: make another user admin first`, 409);
    };

    app.get('/api/v1/users', { config: { role: 'admin' } }, async () => users.list());

    app.post<{ Body: { name: string; password: string; role: Role } }>(
      '/api/v1/users',
      { schema: { body: body({ name: UserName, password: Password, role: RoleSchema }) } },
      async (req, reply) => {
        const user = await users.create(req.body.name, req.body.password, req.body.role);
        events.record(who(req), 'user created', `user ${user.name}`, `role ${user.role}`);
        return reply.status(201).send(user);
      },
    );

    app.patch<{ Params: { name: string }; Body: { role?: Role; password?: string } }>(
      '/api/v1/users/:name',
      { schema: { body: body({ role: Type.Optional(RoleSchema), password: Type.Optional(Password) }) } },
      async (req) => {
        const user = mustExist(req.params.name);
        if (req.body.role && req.body.role !== user.role) {
          if (req.body.role !== 'admin') keepAnAdmin(user.name);
          users.setRole(user.name, req.body.role);
          events.record(who(req), 'user role changed', `user ${user.name}`, `${user.role} → ${req.body.role}`);
        }
        if (req.body.password !== undefined) {
          await users.setPassword(user.name, req.body.password);
          events.record(who(req), 'password reset', `user ${user.name}`);
        }
        return mustExist(user.name);
      },
    );

    app.delete<{ Params: { name: string } }>('/api/v1/users/:name', async (req) => {
      const user = mustExist(req.params.name);
      keepAnAdmin(user.name);
      users.remove(user.name);
      events.record(who(req), 'user deleted', `user ${user.name}`);
      return {};
    });

    app.get('/api/v1/tokens', { config: { role: 'admin' } }, async () => tokens.list());

    app.post<{ Body: { name: string; role: Role } }>('/api/v1/tokens', { schema: { body: body({ name: UserName, role: RoleSchema }) } }, async (req, reply) => {
      const token = tokens.create(req.body.name, req.body.role);
      events.record(who(req), 'token created', `token ${req.body.name}`, `role ${req.body.role}`);
      return reply.status(201).send({ name: req.body.name, role: req.body.role, token });
    });

    app.delete<{ Params: { name: string } }>('/api/v1/tokens/:name', async (req) => {
      if (!tokens.revoke(req.params.name)) throw new PlexusError('PLX_NOT_FOUND', `there is no token named "${req.params.name}"`, 404);
      events.record(who(req), 'token revoked', `token ${req.params.name}`);
      return {};
    });
  }

  /** For open routes: the caller when known; a bad token there is simply no caller. */
  private principalOrNone(req: FastifyRequest): Principal | undefined {
    try {
      return this.principal(req);
    } catch {
      return undefined;
    }
  }
}
