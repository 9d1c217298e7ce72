/** Every write attempt, whatever its outcome, in SQLite: bounded to the newest `maxEntries`. */
import type { TagValue } from '../../drivers/contract.ts';
import type { Db } from '../database.ts';

export interface AuditEntry {
  id: number;
  ts: number;
  source: 'dcmd' | 'api' | 'ui';
  who: string;
  device: string;
  tag: string;
  requested: unknown;
  raw?: TagValue;
  /** 'ok', 'dry-run', or the refusal's error code. */
  result: string;
  message?: string;
  readBack?: TagValue | null;
  latencyMs: number;
}

/** JSON that keeps 64-bit integers: bigints as strings. */
const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

export class AuditLog {
  private inserts = 0;
  private readonly insert;

  constructor(
    private readonly db: Db,
    private readonly maxEntries: number,
  ) {
    this.insert = db.prepare(
      'INSERT INTO audit_write (ts, source, who, device, tag, requested, raw, result, message, read_back, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  record(e: Omit<AuditEntry, 'id'>): void {
    this.insert.run(
      e.ts,
      e.source,
      e.who,
      e.device,
      e.tag,
      toJson(e.requested ?? null),
      e.raw === undefined ? null : toJson(e.raw),
      e.result,
      e.message ?? null,
      e.readBack === undefined ? null : toJson(e.readBack),
      e.latencyMs,
    );
    if (++this.inserts % 100 === 0) this.prune();
  }

  /** The newest entries first. */
  list(limit = 100): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM audit_write ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[];
    const parse = (v: unknown) => (v === null ? undefined : JSON.parse(v as string));
    return rows.map((r) => ({
      id: r.id as number,
      ts: r.ts as number,
      source: r.source as AuditEntry['source'],
      who: r.who as string,
      device: r.device as string,
      tag: r.tag as string,
      requested: parse(r.requested),
      raw: parse(r.raw),
      result: r.result as string,
      message: (r.message as string | null) ?? undefined,
      readBack: parse(r.read_back),
      latencyMs: r.latency_ms as number,
    }));
  }

  private prune() {
    this.db.prepare('DELETE FROM audit_write WHERE id <= (SELECT MAX(id) FROM audit_write) - ?').run(this.maxEntries);
  }
}
