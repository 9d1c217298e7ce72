/**
 * The driver contract every protocol implements. A driver knows nothing of
 * MQTT, Sparkplug, SQLite or HTTP; the core knows nothing of any wire format.
 */
import type { Logger } from 'pino';
import type { Clock } from '../src/clock.ts';
import type { SharedResources } from '../src/shared-resources.ts';

/**
 * Data types a tag can have; each maps to one Sparkplug datatype. bcd16 and
 * bcd32 are binary-coded decimals (0..9999 in one register, 0..99999999 in two).
 * A datetime value is a number of milliseconds since the epoch; a bytes value
 * travels through the gateway as base64 text and goes upstream as Sparkplug Bytes.
 */
export const DATA_TYPES = [
  'bool',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
  'string',
  'bcd16',
  'bcd32',
  'datetime',
  'bytes',
] as const;
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
  /** The poll interval, or the sampling interval of a subscription (default 1000). */
  intervalMs?: number;
  /** poll (default): the gateway calls read() every intervalMs; subscribe: the driver pushes samples through deps.onSamples. */
  mode?: 'poll' | 'subscribe';
  subscription?: SubscriptionSettings;
  tags: readonly DriverTag[];
}

export interface SubscriptionSettings {
  /** Values the server may queue per item between publishes. */
  queueSize: number;
  /** Report a change only when it exceeds this (absolute units, or percent of the item's range). */
  deadband?: { kind: 'absolute' | 'percent'; value: number };
}

/** A server certificate in a protocol's trust list. */
export interface CertificateInfo {
  /** SHA-1 thumbprint, lower-case hex. */
  thumbprint: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  status: 'trusted' | 'rejected';
}

/** One node of a protocol's address space (OPC UA browse). */
export interface BrowseNode {
  /** The address to put in a tag (e.g. an OPC UA NodeId). */
  address: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  isVariable: boolean;
  /** The tag type the node's value maps to, when it is a variable of a supported type. */
  type?: DataType;
  /** The protocol's own name of the data type (e.g. Double). */
  dataType?: string;
  access?: 'read' | 'readwrite' | 'write' | 'none';
  hasChildren: boolean;
  children?: BrowseNode[];
}

export interface BrowseRequest {
  /** Where to start (default: the protocol's root, OPC UA's Objects folder). */
  from?: string;
  /** Levels below `from` to list (1 = its children only). */
  depth: number;
  /** Only nodes whose browse or display name contains this text (case-insensitive), with their ancestors. */
  search?: string;
  /** Stop after this many nodes. */
  limit: number;
}

/** Counters a driver keeps for the device status. */
export interface DriverStats {
  requests: number;
  responses: number;
  timeouts: number;
  errors: number;
  reconnects: number;
  /** Protocol exceptions by code (e.g. Modbus exception 2). */
  exceptions?: Record<string, number>;
  lastRoundTripMs?: number;
  roundTripMedianMs?: number;
  roundTripP99Ms?: number;
  lastError?: { message: string; at: number };
  /** Protocol facts worth showing in the device status (e.g. the negotiated S7 PDU size). */
  details?: Record<string, string | number | boolean>;
}

export type WriteErrorCode = 'READ_ONLY' | 'NOT_CONNECTED' | 'TIMEOUT' | 'DEVICE_EXCEPTION' | 'BAD_RESPONSE' | 'BAD_VALUE' | 'UNKNOWN_TAG';

/** Why a write did not happen, with a stable code. */
export class WriteError extends Error {
  constructor(
    readonly code: WriteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

export interface Driver {
  /** Opens the connection and keeps it open (reconnecting by itself) until stop(). */
  start(): void;
  /** Closes every socket and timer. */
  stop(): Promise<void>;
  readonly connection: ConnectionState;
  /** Reads every tag of the group: one sample per tag, never a throw for a tag failure. */
  read(group: string): Promise<Sample[]>;
  /** Writes a raw (already inverse-transformed and coerced) value; throws WriteError. */
  write(tag: string, value: TagValue): Promise<void>;
  stats(): DriverStats;
  /** Tries to connect now instead of waiting out the back-off (e.g. once a certificate has been trusted). */
  retryNow?(): void;
  /** Lists the device's address space, for tag pickers (protocols that have one). */
  browse?(request: BrowseRequest): Promise<BrowseNode[]>;
}

export interface DriverDeps {
  log: Logger;
  clock: Clock;
  onStateChange(state: ConnectionState): void;
  /** Connections that several devices share (e.g. many Modbus units behind one gateway). */
  shared: SharedResources;
  /** Samples of a subscribe-mode group, pushed by the driver when values change. */
  onSamples(group: string, samples: Sample[]): void;
  /** The gateway's data directory (certificates and other protocol state live under it). */
  dataDir: string;
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
  /** True when groups may use mode `subscribe` (the server pushes changes). */
  subscribes?: boolean;
  /** JSON schema (TypeBox) of the device's `connection` block, with defaults. */
  connectionSchema: import('@sinclair/typebox').TSchema;
  /** Returns why the address cannot hold a value of this type, or undefined if it can. */
  checkTag(tag: DriverTag, connection: C): string | undefined;
  /** The protocol's trust list of server certificates (OPC UA), kept under the data directory. */
  certificates?: {
    list(dataDir: string): CertificateInfo[];
    /** Moves a certificate to trusted or rejected; undefined when there is no such certificate. */
    setTrust(dataDir: string, thumbprint: string, status: CertificateInfo['status']): CertificateInfo | undefined;
  };
  /** Checks across the devices of this protocol (e.g. two devices on one serial line with different settings). */
  checkDevices?(devices: { name: string; connection: C }[]): { device: number; path: string; message: string }[];
  create(device: DeviceSpec<C>, deps: DriverDeps): Driver | Promise<Driver>;
}
