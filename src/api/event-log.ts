/** Configuration, user and security changes, with who made them (write attempts have their own log). */
import type { Db } from '../database.ts';

export interface AuditEvent {
  id: number;
  ts: number;
  who: string;
  action: string;
  target: string;
  detail?: string;
}

const MAX_EVENTS = 100_000;

export class EventLog {
  constructor(private readonly db: Db) {}

  record(who: string, action: string, target: string, detail?: string): void {
    this.db.prepare('INSERT INTO audit_event (ts, who, action, target, detail) VALUES (?, ?, ?, ?, ?)').run(Date.now(), who, action, target, detail ?? null);
    this.db.prepare('DELETE FROM audit_event WHERE id <= (SELECT MAX(id) FROM audit_event) - ?').run(MAX_EVENTS);
  }

  list(limit = 100): AuditEvent[] {
    return (this.db.prepare('SELECT * FROM audit_event ORDER BY id DESC LIMIT ?').all(limit) as (AuditEvent & { detail: string | null })[]).map((r) => ({
      ...r,
      detail: r.detail ?? undefined,
    }));
  }
}
