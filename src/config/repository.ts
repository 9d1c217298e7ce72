/** The running configuration, kept in SQLite as revisions (the newest applies). */
import type { Db } from '../database.ts';
import type { Config } from './schema.ts';
import { validateConfig } from './validate.ts';

export class ConfigRepository {
  constructor(private readonly db: Db) {}

  /** Stores a validated configuration as the newest revision. */
  save(config: Config, source: string): number {
    const result = this.db
      .prepare('INSERT INTO config_revision (created_at, source, document) VALUES (?, ?, ?)')
      .run(Date.now(), source, JSON.stringify(config));
    return Number(result.lastInsertRowid);
  }

  /** The newest configuration, validated again (a plugin may have become stricter), or undefined. */
  load(): Readonly<Config> | undefined {
    const row = this.db.prepare('SELECT document FROM config_revision ORDER BY id DESC LIMIT 1').get() as { document: string } | undefined;
    return row ? validateConfig(JSON.parse(row.document)) : undefined;
  }
}
