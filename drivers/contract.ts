/**
 * The driver contract every protocol implements. A driver knows nothing of
 * MQTT, Sparkplug, SQLite or HTTP; the core knows nothing of any wire format.
 */
import type { Logger } from 'pino';
import type { Clock } from '../src/clock.ts';

/** Data types a tag can have; each maps to one Sparkplug datatype. */
export const DATA_TYPES = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** Byte orders of multi-register values: ABCD is big-endian, CDAB swaps words, BADC swaps bytes. */
export const BYTE_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export type ByteOrder = (typeof BYTE_ORDERS)[number];

/** 64-bit integers travel as bigint so that no precision is lost. */
export type TagValue = number | bigint | boolean | string;

export type Quality = 'good' | 'bad' | 'stale';

/** One reading of one tag. `reason` says why the quality is not good. */
export interface Sample {
  tag: string;
  value: TagValue | null;
  quality: Quality;
  reason?: string;
  /** When the device was read (ms since the epoch). */
  sourceTs: number;
}

export type ConnectionState =
  | { state: 'connecting' }
  | { state: 'connected' }
  | { state: 'backing-off'; retryInMs: number; reason: string }
  | { state: 'stopped' };

/** The parts of a tag a driver needs. */
export interface DriverTag {
  name: string;
  address: string;
  type: DataType;
  /** Per-tag override of the device's byte order, where the protocol has one. */
  byteOrder?: string;
}

export interface DriverGroup {
  name: string;
  tags: readonly DriverTag[];
}

/** Counters a driver keeps for the device status. */
export interface DriverStats {
  requests: number;
  responses: number;
  timeouts: number;
  errors: number;
  reconnects: number;
  lastRoundTripMs?: number;
  lastError?: { message: string; at: number };
}

export interface Driver {
  /** Opens the connection and keeps it open (reconnecting by itself) until stop(). */
  start(): void;
  /** Closes every socket and timer. */
  stop(): Promise<void>;
  readonly connection: ConnectionState;
  /** Reads every tag of the group: one sample per tag, never a throw for a tag failure. */
  read(group: string): Promise<Sample[]>;
  stats(): DriverStats;
}

export interface DriverDeps {
  log: Logger;
  clock: Clock;
  onStateChange(state: ConnectionState): void;
}

export interface DeviceSpec<C> {
  name: string;
  connection: C;
  groups: readonly DriverGroup[];
}

/**
 * A protocol plugin: a connection schema (for config validation, API and UI),
 * an address check, and a factory. Heavy protocol libraries are imported
 * inside `create`, so an unused protocol costs nothing at start-up.
 */
export interface DriverPlugin<C = unknown> {
  protocol: string;
  /** JSON schema (TypeBox) of the device's `connection` block, with defaults. */
  connectionSchema: import('@sinclair/typebox').TSchema;
  /** Returns why the address cannot hold a value of this type, or undefined if it can. */
  checkTag(tag: DriverTag, connection: C): string | undefined;
  create(device: DeviceSpec<C>, deps: DriverDeps): Driver | Promise<Driver>;
}
