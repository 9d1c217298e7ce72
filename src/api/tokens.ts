/**
 * API tokens for automation, each with a role: created by `plexus token create
 * NAME` or by an admin in the API, shown once, kept only as a SHA-256 hash.
 */
import crypto from 'node:crypto';
import type { Db } from '../database.ts';
import { PlexusError } from '../errors.ts';
import type { Role } from './roles.ts';

const hash = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export const NAME_PATTERN = '^[A-Za-z0-9._-]{1,64}$';

export class TokenStore {
  constructor(private readonly db: Db) {}

  /** Creates a token and returns it; it cannot be shown again. */
  create(name: string, role: Role = 'admin'): string {
    if (!new RegExp(NAME_PATTERN).test(name))
      throw new PlexusError('PLX_BAD_TOKEN_NAME', `token name "${name}" must be 1-64 letters, digits, '.', '_' or '-'`, 400, [
        { path: 'name', message: "must be 1-64 letters, digits, '.', '_' or '-'" },
      ]);
    const token = `plx_${crypto.randomBytes(32).toString('base64url')}`;
    try {
      this.db.prepare('INSERT INTO api_token (name, hash, created_at, role) VALUES (?, ?, ?, ?)').run(name, hash(token), Date.now(), role);
    } catch {
      throw new PlexusError('PLX_TOKEN_EXISTS', `a token named "${name}" exists already; revoke it first`, 409);
    }
    return token;
  }

  revoke(name: string): boolean {
    return this.db.prepare('DELETE FROM api_token WHERE name = ?').run(name).changes > 0;
  }

  list(): { name: string; role: Role; createdAt: number }[] {
    return (this.db.prepare('SELECT name, role, created_at FROM api_token ORDER BY name').all() as { name: string; role: Role; created_at: number }[]).map(
      (r) => ({ name: r.name, role: r.role, createdAt: r.created_at }),
    );
  }

  /** The token's name and role, or undefined when it is not a valid token. */
  check(token: string): { name: string; role: Role } | undefined {
    return this.db.prepare('SELECT name, role FROM api_token WHERE hash = ?').get(hash(token)) as { name: string; role: Role } | undefined;
  }
}
