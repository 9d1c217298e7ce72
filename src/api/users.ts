/**
 * Users, their scrypt-hashed passwords, and login sessions (kept as SHA-256
 * hashes of the random session id, so a copy of the database cannot sign in).
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Db } from '../database.ts';
import { PlexusError } from '../errors.ts';
import type { Role } from './roles.ts';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

/** scrypt cost: about 50-100 ms per hash on a small gateway CPU. */
const COST = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 10;
export const SESSION_TTL_MS = 12 * 3600_000;

export interface UserInfo {
  name: string;
  role: Role;
  createdAt: number;
}

async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: COST.maxmem });
  return crypto.timingSafeEqual(actual, expected);
}

/** Hashed once, so that a login for an unknown user takes as long as one for a known user. */
let decoy: Promise<string> | undefined;

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new PlexusError('PLX_WEAK_PASSWORD', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`, 400, [
      { path: 'password', message: `must have at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export class UserStore {
  constructor(private readonly db: Db) {}

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM app_user').get() as { n: number }).n;
  }

  list(): UserInfo[] {
    return (this.db.prepare('SELECT name, role, created_at FROM app_user ORDER BY name').all() as { name: string; role: Role; created_at: number }[]).map(
      (r) => ({ name: r.name, role: r.role, createdAt: r.created_at }),
    );
  }

  get(name: string): UserInfo | undefined {
    return this.list().find((u) => u.name.toLowerCase() === name.toLowerCase());
  }

  async create(name: string, password: string, role: Role): Promise<UserInfo> {
    checkPassword(password);
    const hash = await hashPassword(password);
    const createdAt = Date.now();
    try {
      this.db.prepare('INSERT INTO app_user (name, role, password, created_at) VALUES (?, ?, ?, ?)').run(name, role, hash, createdAt);
    } catch {
      throw new PlexusError('PLX_USER_EXISTS', `a user named "${name}" exists already`, 409, [{ path: 'name', message: 'is taken' }]);
    }
    return { name, role, createdAt };
  }

  /** The user when the password is right; undefined otherwise (in about the same time either way). */
  async verify(name: string, password: string): Promise<UserInfo | undefined> {
    const row = this.db.prepare('SELECT name, role, password, created_at FROM app_user WHERE name = ?').get(name) as
      | { name: string; role: Role; password: string; created_at: number }
      | undefined;
    if (!row) {
      decoy ??= hashPassword('decoy password');
      await verifyPassword(password, await decoy);
      return undefined;
    }
    return (await verifyPassword(password, row.password)) ? { name: row.name, role: row.role, createdAt: row.created_at } : undefined;
  }

  /** Changes a password and ends the user's sessions. */
  async setPassword(name: string, password: string): Promise<void> {
    checkPassword(password);
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      this.db.prepare('UPDATE app_user SET password = ? WHERE name = ?').run(hash, name);
      this.db.prepare('DELETE FROM app_session WHERE user_id = (SELECT id FROM app_user WHERE name = ?)').run(name);
    })();
  }

  setRole(name: string, role: Role): void {
    this.db.prepare('UPDATE app_user SET role = ? WHERE name = ?').run(role, name);
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM app_user WHERE name = ?').run(name).changes > 0;
  }

  /** Starts a session; returns its id for the cookie (only its hash is kept). */
  startSession(name: string, now = Date.now()): string {
    const id = crypto.randomBytes(32).toString('base64url');
    this.db.prepare('DELETE FROM app_session WHERE expires_at < ?').run(now);
    this.db
      .prepare('INSERT INTO app_session (hash, user_id, created_at, expires_at) SELECT ?, id, ?, ? FROM app_user WHERE name = ?')
      .run(sha256(id), now, now + SESSION_TTL_MS, name);
    return id;
  }

  /** The session's user (with the role as it is now), or undefined when the session is unknown or expired. */
  session(id: string, now = Date.now()): UserInfo | undefined {
    const row = this.db
      .prepare('SELECT u.name, u.role, u.created_at FROM app_session s JOIN app_user u ON u.id = s.user_id WHERE s.hash = ? AND s.expires_at > ?')
      .get(sha256(id), now) as { name: string; role: Role; created_at: number } | undefined;
    return row && { name: row.name, role: row.role, createdAt: row.created_at };
  }

  endSession(id: string): void {
    this.db.prepare('DELETE FROM app_session WHERE hash = ?').run(sha256(id));
  }
}
