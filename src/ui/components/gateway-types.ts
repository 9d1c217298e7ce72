/** Shapes of the gateway's API answers that several pages read (see the API contract). */
import type { Role } from '../api.ts';

export type Quality = 'good' | 'bad' | 'stale';
/** A tag value as JSON carries it: 64-bit integers beyond 2^53 as decimal strings, bytes as base64. */
export type JsonValue = number | boolean | string | null;

export interface TagValue {
  tag: string;
  value: JsonValue;
  quality: Quality;
  reason?: string;
  sourceTs: number;
}

export type ConnectionStateName = 'connecting' | 'connected' | 'backing-off' | 'stopped';
export interface ConnectionState {
  state: ConnectionStateName;
  reason?: string;
  retryInMs?: number;
}

export interface DeviceStats {
  requests: number;
  responses: number;
  timeouts: number;
  errors: number;
  reconnects: number;
  exceptions?: Record<string, number>;
  lastRoundTripMs?: number;
  roundTripMedianMs?: number;
  roundTripP99Ms?: number;
  lastError?: { message: string; at: number };
  details?: Record<string, string | number | boolean>;
}

export interface DeviceStatus {
  name: string;
  protocol: string;
  connection: ConnectionState;
  stats?: DeviceStats;
  groups: { name: string; cycles: number; overruns: number; lastCycleMs?: number }[];
}

export type NorthboundState = 'stopped' | 'connecting' | 'subscribing' | 'waiting-for-host' | 'online' | 'disconnected';
export interface StoreStatus {
  values: number;
  batches: number;
  bytes: number;
  oldestTs?: number;
  dropped: number;
  replayed: number;
  replayRate: number;
  discarded: number;
  resent: number;
  /** The store's cap in force (configured, or the default share of the free disk). */
  maxBytes?: number;
}
export interface NorthboundStatus {
  state: NorthboundState;
  broker?: string;
  bdSeq: number;
  seq: number;
  primaryHost?: { id: string; online?: boolean; lastStateTimestamp?: number };
  messagesPublished: number;
  bytesPublished: number;
  store: StoreStatus;
  lastError?: string;
  mqttVersion?: '3.1.1' | '5';
  /** What an MQTT 5 broker announced in its CONNACK. */
  brokerLimits?: { maximumPacketSize?: number; receiveMaximum?: number; topicAliasMaximum?: number; retainAvailable?: boolean };
}
export interface GatewayStatus {
  northbound: NorthboundStatus;
  readOnly: boolean;
  /** The Sparkplug ids (the gateway sends them; not in the original contract). */
  edgeNode?: { groupId: string; edgeNodeId: string };
  user?: { name: string; role: Role };
}

export interface TagConfig {
  name: string;
  address?: string;
  type: string;
  access?: 'read' | 'readwrite';
  unit?: string;
  description?: string;
  steps?: unknown[];
  compute?: string;
  [k: string]: unknown;
}
export interface GroupConfig {
  name: string;
  intervalMs: number;
  mode?: 'poll' | 'subscribe';
  tags: TagConfig[];
  [k: string]: unknown;
}
/** Static metadata, published in the births. */
export type Properties = Record<string, string | number | boolean>;

export interface DeviceConfig {
  name: string;
  protocol: string;
  enabled: boolean;
  readOnly: boolean;
  connection: Record<string, unknown>;
  /** Made from a template: its groups come first, with these parameters and per-tag overrides. */
  template?: { name: string; parameters?: Record<string, string | number>; overrides?: Record<string, Partial<TagConfig>> };
  groups: GroupConfig[];
  properties?: Properties;
}

export interface TemplateConfig {
  name: string;
  protocol: string;
  description?: string;
  parameters?: Record<string, string | number>;
  connection: Record<string, unknown>;
  properties?: Properties;
  groups: GroupConfig[];
  [k: string]: unknown;
}

export interface BrokerTls {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  hasPassphrase?: boolean;
  servername?: string;
  verifyHostname?: boolean;
}
export interface BrokerConfig {
  url: string;
  username?: string;
  password?: string;
  hasPassword?: boolean;
  tls?: BrokerTls;
}
export interface NorthboundConfig {
  brokers: BrokerConfig[];
  clientId?: string;
  groupId: string;
  edgeNodeId: string;
  primaryHostId?: string;
  keepaliveS: number;
  mqttVersion?: '3.1.1' | '5';
  store: { maxBytes?: number; maxAgeS?: number; replayMaxBatchesPerSecond?: number };
  [k: string]: unknown;
}

export interface WriteAnswer {
  device: string;
  tag: string;
  ok: boolean;
  code?: string;
  message?: string;
  raw?: JsonValue;
  readBack?: JsonValue;
  dryRun?: boolean;
  latencyMs: number;
}
