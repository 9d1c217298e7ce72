/**
 * The gateway's one SQLite file (configuration, bdSeq; later the store and the
 * audit log), in WAL mode, with numbered migrations tracked in user_version.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseTooNewError, PlexusError } from './errors.ts';

export type Db = Database.Database;

/** Migration N is MIGRATIONS[N-1]; never edit one that has shipped, add the next. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE config_revision (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     created_at INTEGER NOT NULL,
     source TEXT NOT NULL,
     document TEXT NOT NULL
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  `CREATE TABLE store_device (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   CREATE TABLE store_metric (id INTEGER PRIMARY KEY, device_id INTEGER NOT NULL, name TEXT NOT NULL, UNIQUE (device_id, name));
   -- One row per device update: state 0 = waiting to be sent, 1 = sent, waiting for proof of delivery.
   CREATE TABLE store_batch (id INTEGER PRIMARY KEY, device_id INTEGER NOT NULL, ts INTEGER NOT NULL, state INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL);
   CREATE INDEX store_batch_state ON store_batch (state, id);`,
  `CREATE TABLE audit_write (
     id INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     source TEXT NOT NULL,
     who TEXT NOT NULL,
     device TEXT NOT NULL,
     tag TEXT NOT NULL,
     requested TEXT NOT NULL,
     raw TEXT,
     result TEXT NOT NULL,
     message TEXT,
     read_back TEXT,
     latency_ms REAL NOT NULL
   );
   CREATE TABLE api_token (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, hash TEXT NOT NULL, created_at INTEGER NOT NULL);`,
  // Users and roles. Tokens made before roles existed had full access: they stay admin.
  `CREATE TABLE app_user (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, role TEXT NOT NULL, password TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE app_session (
     hash TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   ALTER TABLE api_token ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
   CREATE TABLE audit_event (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function openDatabase(dataDir: string): Db {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o750 });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (err) {
    throw new PlexusError('PLX_DATA_DIR', `data directory ${dataDir} is not writable: ${(err as Error).message}`);
  }
  const file = path.join(dataDir, DB_FILE);
  const db = new Database(file);
  // Everything in the data directory (keys, tokens' hashes, stored values) is for the gateway's user only.
  fs.chmodSync(file, 0o600);
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > SCHEMA_VERSION) {
    // Refused before anything (even the journal mode) is written to it.
    db.close();
    throw new DatabaseTooNewError(found, SCHEMA_VERSION);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  try {
    migrate(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export const DB_FILE = 'plexus.db';

/** Closes the database with its write-ahead log folded in: one self-contained file on disk. */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Upgrades the schema in place, after a copy of the older database is taken beside it. */
function migrate(db: Db, file: string) {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > 0 && current < SCHEMA_VERSION) {
    const copy = `${file}.schema${current}-${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
    db.exec(`VACUUM INTO '${copy.replace(/'/g, "''")}'`);
    fs.chmodSync(copy, 0o600);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export function readMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function writeMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
