/**
 * API tokens for automation: created by `plexus token create NAME`, shown
 * once, kept only as a SHA-256 hash. Writes and the audit log need one.
 */
import crypto from 'node:crypto';
import type { Db } from '../database.ts';
import { PlexusError } from '../errors.ts';

const hash = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export class TokenStore {
  constructor(private readonly db: Db) {}

  /** Creates a token and returns it; it cannot be shown again. */
  create(name: string): string {
    if (!/^[\w.-]{1,64}$/.test(name)) throw new PlexusError('PLX_BAD_TOKEN_NAME', `token name "${name}" must be 1-64 letters, digits, '.', '_' or '-'`, 400);
    const token = `plx_${crypto.randomBytes(32).toString('base64url')}`;
    try {
      this.db.prepare('INSERT INTO api_token (name, hash, created_at) VALUES (?, ?, ?)').run(name, hash(token), Date.now());
    } catch {
      throw new PlexusError('PLX_TOKEN_EXISTS', `a token named "${name}" exists already; revoke it first`, 409);
    }
    return token;
  }

  revoke(name: string): boolean {
    return this.db.prepare('DELETE FROM api_token WHERE name = ?').run(name).changes > 0;
  }

  list(): { name: string; createdAt: number }[] {
    return (this.db.prepare('SELECT name, created_at FROM api_token ORDER BY name').all() as { name: string; created_at: number }[]).map((r) => ({
      name: r.name,
      createdAt: r.created_at,
    }));
  }

  /** The token's name, or undefined when it is not a valid token. */
  check(token: string): string | undefined {
    const row = this.db.prepare('SELECT name FROM api_token WHERE hash = ?').get(hash(token)) as { name: string } | undefined;
    return row?.name;
  }
}
