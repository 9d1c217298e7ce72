/**
 * `plexus backup FILE` and `plexus restore FILE`. A backup is an SQLite file made
 * with SQLite's online backup, so it is consistent while the gateway runs. It
 * always holds the configuration (with its revisions), users, tokens and the
 * gateway's state (bdSeq, read-only mode); the store of unsent values and the
 * audit logs only when asked for.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { closeDatabase, DB_FILE, openDatabase, SCHEMA_VERSION } from '../database.ts';
import { PlexusError } from '../errors.ts';
import { runningGateway } from './lock.ts';

export interface BackupOptions {
  store?: boolean;
  audit?: boolean;
}

const STORE_TABLES = ['store_batch', 'store_metric', 'store_device'];
const AUDIT_TABLES = ['audit_write', 'audit_event'];

export async function backup(dataDir: string, file: string, opts: BackupOptions = {}): Promise<{ bytes: number; left: string[] }> {
  if (!fs.existsSync(path.join(dataDir, DB_FILE))) throw new PlexusError('PLX_NO_DATABASE', `there is no Plexus database in ${dataDir}`);
  if (fs.existsSync(file)) throw new PlexusError('PLX_EXISTS', `${file} exists already: choose a new file name`);
  const db = openDatabase(dataDir);
  try {
    await db.backup(file);
  } finally {
    db.close();
  }
  const left = [...(opts.store ? [] : STORE_TABLES), ...(opts.audit ? [] : AUDIT_TABLES)];
  const copy = new Database(file);
  try {
    copy.transaction(() => {
      for (const t of left) copy.exec(`DELETE FROM ${t}`);
    })();
    copy.exec('VACUUM');
  } finally {
    copy.close();
  }
  fs.chmodSync(file, 0o600);
  return { bytes: fs.statSync(file).size, left };
}

/** Checks a backup file: an SQLite database of ours, not newer than this version. */
function inspect(file: string): number {
  let version: number;
  let copy: Database.Database | undefined;
  try {
    copy = new Database(file, { readonly: true, fileMustExist: true });
    version = copy.pragma('user_version', { simple: true }) as number;
    copy.prepare('SELECT COUNT(*) FROM config_revision').get();
  } catch (err) {
    throw new PlexusError('PLX_BAD_BACKUP', `${file} is not a Plexus backup: ${(err as Error).message}`);
  } finally {
    copy?.close();
  }
  if (version > SCHEMA_VERSION)
    throw new PlexusError(
      'PLX_DB_TOO_NEW',
      `${file} was made by a newer Plexus (schema ${version}; this one reads up to ${SCHEMA_VERSION}): upgrade Plexus first`,
    );
  return version;
}

/** Restores a backup into a data directory whose gateway is stopped; `force` replaces an existing database. */
export function restore(dataDir: string, file: string, force = false): { migratedFrom: number } {
  const version = inspect(file);
  const pid = runningGateway(dataDir);
  if (pid !== undefined) throw new PlexusError('PLX_DATA_DIR_IN_USE', `a Plexus gateway (pid ${pid}) runs on ${dataDir}: stop it before restoring`);
  const target = path.join(dataDir, DB_FILE);
  if (fs.existsSync(target) && !force)
    throw new PlexusError('PLX_EXISTS', `${dataDir} has a database already: add --force to replace it (a copy of it is kept as ${DB_FILE}.before-restore)`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  if (fs.existsSync(target)) {
    const db = openDatabase(dataDir);
    closeDatabase(db);
    fs.renameSync(target, `${target}.before-restore`);
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${target}${suffix}`, { force: true });
  fs.copyFileSync(file, target);
  closeDatabase(openDatabase(dataDir)); // migrates an older backup, with its own copy first
  return { migratedFrom: version };
}
