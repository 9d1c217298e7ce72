/**
 * Store-and-forward on SQLite. Every device update is written here before it
 * is published, and leaves only when the broker is known to have read it:
 * state 0 = waiting to be sent (the node is not online), 1 = sent, waiting
 * for proof of delivery (a PINGRESP that answers a PINGREQ sent after it).
 * On a lost connection, or at start-up after a crash, everything unproven is
 * waiting again, and is sent as historical data after the next births.
 */

import fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Quality, TagValue } from '../../drivers/contract.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../database.ts';
import type { TagUpdate } from '../events.ts';
import { decodeBatch, encodeBatch } from './value-codec.ts';

export interface StoredRecord {
  metric: string;
  ts: number;
  value: TagValue | null;
  quality: Quality;
}

export interface StoredBatch {
  id: number;
  device: string;
  records: StoredRecord[];
}

export interface StoreStats {
  /** Values held (waiting or unproven). */
  values: number;
  batches: number;
  /** Bytes of encoded values (the database file is somewhat larger). */
  bytes: number;
  oldestTs?: number;
  /** Values dropped because the store was full or too old. */
  dropped: number;
  /** The cap in force (configured, or the default share of the free disk). */
  maxBytes?: number;
}

/** The store-and-forward queue; every implementation passes test/store-contract.ts. */
export interface ValueStore {
  /** Keeps a device's update; `sent` when it is being published right now. Returns the batch id. */
  append(device: string, updates: readonly TagUpdate[], sent: boolean): number;
  markSent(ids: readonly number[]): void;
  /** The broker has read these: they leave the store. */
  remove(ids: readonly number[]): void;
  /** The connection is gone: whatever was sent and not proven is waiting again. */
  requeueSent(): void;
  /** The oldest waiting batches of these devices (oldest first). */
  pending(devices: ReadonlySet<string>, limit: number): StoredBatch[];
  stats(): StoreStats;
}

export interface StoreLimits {
  maxBytes: number;
  maxAgeMs?: number;
}

export class SqliteStore implements ValueStore {
  private readonly devices = new Map<string, number>();
  private readonly deviceNames = new Map<number, string>();
  private readonly metrics = new Map<string, number>();
  private readonly metricNames = new Map<number, string>();
  private totals = { values: 0, batches: 0, bytes: 0 };
  private dropped = 0;
  private dropping = false;
  private readonly stmt;
  private readonly pendingQueries = new Map<number, Database.Statement<unknown[]>>();

  constructor(
    private readonly db: Db,
    private readonly limits: StoreLimits,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    this.stmt = {
      insert: db.prepare('INSERT INTO store_batch (device_id, ts, state, count, data) VALUES (?, ?, ?, ?, ?)'),
      markSent: db.prepare('UPDATE store_batch SET state = 1 WHERE id = ?'),
      remove: db.prepare('DELETE FROM store_batch WHERE id = ? RETURNING count, length(data) AS bytes'),
      drop: db.prepare('DELETE FROM store_batch WHERE id = ?'),
      requeue: db.prepare('UPDATE store_batch SET state = 0 WHERE state = 1'),
      oldest: db.prepare('SELECT id, count, length(data) AS bytes FROM store_batch ORDER BY id LIMIT 64'),
      expired: db.prepare('SELECT id, count, length(data) AS bytes FROM store_batch WHERE ts < ? ORDER BY id LIMIT 256'),
      oldestTs: db.prepare('SELECT MIN(ts) AS ts FROM store_batch'),
      newDevice: db.prepare('INSERT INTO store_device (name) VALUES (?)'),
      newMetric: db.prepare('INSERT INTO store_metric (device_id, name) VALUES (?, ?)'),
    };
    for (const row of db.prepare('SELECT id, name FROM store_device').all() as { id: number; name: string }[]) {
      this.devices.set(row.name, row.id);
      this.deviceNames.set(row.id, row.name);
    }
    for (const row of db.prepare('SELECT id, device_id, name FROM store_metric').all() as { id: number; device_id: number; name: string }[]) {
      this.metrics.set(`${row.device_id}\0${row.name}`, row.id);
      this.metricNames.set(row.id, row.name);
    }
    const t = db.prepare('SELECT COUNT(*) AS batches, COALESCE(SUM(count), 0) AS vals, COALESCE(SUM(length(data)), 0) AS bytes FROM store_batch').get() as {
      batches: number;
      vals: number;
      bytes: number;
    };
    this.totals = { values: t.vals, batches: t.batches, bytes: t.bytes };
    // After a crash or a restart nothing sent is proven: all of it waits again.
    this.requeueSent();
    if (t.batches > 0) log.info({ values: t.vals, bytes: t.bytes }, 'store holds values from before the restart; they are sent after the next births');
  }

  append(device: string, updates: readonly TagUpdate[], sent: boolean): number {
    const deviceId = this.deviceId(device);
    const baseTs = updates[0]?.sourceTs ?? this.clock.now();
    const data = encodeBatch(
      updates.map((u) => ({ metricId: this.metricId(deviceId, u.tag), ts: u.sourceTs, value: u.value, quality: u.quality })),
      baseTs,
    );
    const id = Number(this.stmt.insert.run(deviceId, baseTs, sent ? 1 : 0, updates.length, data).lastInsertRowid);
    this.totals.values += updates.length;
    this.totals.batches++;
    this.totals.bytes += data.length;
    this.enforceLimits(id);
    return id;
  }

  markSent(ids: readonly number[]): void {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.markSent.run(id);
    })();
  }

  remove(ids: readonly number[]): void {
    this.db.transaction(() => {
      for (const id of ids) {
        const row = this.stmt.remove.get(id) as { count: number; bytes: number } | undefined;
        if (row) this.forget(row);
      }
    })();
    if (this.dropping && this.totals.bytes < this.limits.maxBytes / 2) this.dropping = false;
  }

  requeueSent(): void {
    this.stmt.requeue.run();
  }

  pending(devices: ReadonlySet<string>, limit: number): StoredBatch[] {
    const ids = [...devices].map((d) => this.devices.get(d)).filter((id): id is number => id !== undefined);
    if (ids.length === 0 || this.totals.batches === 0) return [];
    const rows = this.pendingQuery(ids.length).all(...ids, limit) as { id: number; device_id: number; ts: number; data: Buffer }[];
    return rows.map((r) => ({
      id: r.id,
      device: this.deviceNames.get(r.device_id) ?? '',
      records: decodeBatch(r.data, r.ts).map((v) => ({ metric: this.metricNames.get(v.metricId) ?? '', ts: v.ts, value: v.value, quality: v.quality })),
    }));
  }

  /** The pending query for a number of devices, prepared once per count (it runs every replay tick). */
  private pendingQuery(devices: number) {
    let stmt = this.pendingQueries.get(devices);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT id, device_id, ts, data FROM store_batch WHERE state = 0 AND device_id IN (${Array(devices).fill('?').join(',')}) ORDER BY id LIMIT ?`,
      );
      this.pendingQueries.set(devices, stmt);
    }
    return stmt;
  }

  stats(): StoreStats {
    const oldest = this.totals.batches > 0 ? ((this.stmt.oldestTs.get() as { ts: number | null }).ts ?? undefined) : undefined;
    return { ...this.totals, oldestTs: oldest, dropped: this.dropped, maxBytes: this.limits.maxBytes };
  }

  private forget(row: { count: number; bytes: number }) {
    this.totals.values -= row.count;
    this.totals.batches--;
    this.totals.bytes -= row.bytes;
  }

  /** Oldest values go first when the store is over its size or age; counted, and warned about once per episode. */
  private enforceLimits(newest: number) {
    let dropped = 0;
    const drop = (rows: { id: number; count: number; bytes: number }[]) => {
      for (const r of rows) {
        this.stmt.drop.run(r.id);
        this.forget(r);
        dropped += r.count;
      }
    };
    if (this.limits.maxAgeMs !== undefined) {
      for (;;) {
        const rows = this.stmt.expired.all(this.clock.now() - this.limits.maxAgeMs) as { id: number; count: number; bytes: number }[];
        if (rows.length === 0) break;
        drop(rows);
      }
    }
    // Never the batch just kept (`newest`): the newest values are the ones to keep.
    while (this.totals.bytes > this.limits.maxBytes && this.totals.batches > 1) {
      const chosen: { id: number; count: number; bytes: number }[] = [];
      let freed = 0;
      for (const r of this.stmt.oldest.all() as { id: number; count: number; bytes: number }[]) {
        if (r.id === newest || this.totals.bytes - freed <= this.limits.maxBytes) break;
        chosen.push(r);
        freed += r.bytes;
      }
      if (chosen.length === 0) break;
      drop(chosen);
    }
    if (dropped === 0) return;
    this.dropped += dropped;
    if (!this.dropping) {
      this.dropping = true;
      this.log.warn(
        { dropped, maxBytes: this.limits.maxBytes, maxAgeMs: this.limits.maxAgeMs },
        'store full or values too old: the oldest values are being dropped (counted in the store statistics)',
      );
    }
  }

  private deviceId(name: string): number {
    let id = this.devices.get(name);
    if (id === undefined) {
      id = Number(this.stmt.newDevice.run(name).lastInsertRowid);
      this.devices.set(name, id);
      this.deviceNames.set(id, name);
    }
    return id;
  }

  private metricId(deviceId: number, name: string): number {
    const key = `${deviceId}\0${name}`;
    let id = this.metrics.get(key);
    if (id === undefined) {
      id = Number(this.stmt.newMetric.run(deviceId, name).lastInsertRowid);
      this.metrics.set(key, id);
      this.metricNames.set(id, name);
    }
    return id;
  }
}

/** The store's default cap: a quarter of the disk space free in the data directory, between 64 MiB and 4 GiB. */
export function defaultStoreBytes(dataDir: string): number {
  const MiB = 1024 * 1024;
  let free = 1024 * MiB;
  try {
    const s = fs.statfsSync(dataDir);
    free = s.bavail * s.bsize;
  } catch {
    // A file system that cannot say: assume 1 GiB free.
  }
  return Math.min(4096 * MiB, Math.max(64 * MiB, Math.floor(free / 4)));
}
