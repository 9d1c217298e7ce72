/**
 * A test-side Sparkplug host: subscribes to the whole namespace, decodes every
 * message with sparkplug-payload (independently of our encoder) and records it.
 */
import { createRequire } from 'node:module';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

const require = createRequire(import.meta.url);
const sparkplug = require('sparkplug-payload').get('spBv1.0');
const Long = require('long');

export interface HostMetric {
  name?: string;
  alias?: number;
  type: string;
  value: unknown;
  timestamp?: number;
  isHistorical?: boolean;
  isNull?: boolean;
  quality?: number;
  /** The metric's properties (metadata in births), Quality included. */
  properties?: Record<string, unknown>;
}

export interface HostMessage {
  topic: string;
  type: string;
  device?: string;
  seq?: number;
  timestamp?: number;
  metrics: HostMetric[];
  receivedAt: number;
}

/** Long → number (or bigint beyond 2^53); Int64 values are read as signed (SPARKPLUG.md pitfall). */
const toPlain = (v: unknown, signed = false): unknown => {
  if (Long.isLong(v)) {
    const unsigned = BigInt((v as { toUnsigned(): { toString(): string } }).toUnsigned().toString());
    const big = signed ? BigInt.asIntN(64, unsigned) : unsigned;
    return Number.isSafeInteger(Number(big)) ? Number(big) : big;
  }
  return v;
};

export class SparkplugHost {
  readonly messages: HostMessage[] = [];
  private readonly waiters = new Set<{ match: (m: HostMessage) => boolean; resolve: (m: HostMessage) => void }>();
  private client?: MqttClient;

  private readonly clientId = `test-host-${process.pid}-${Math.random().toString(16).slice(2)}`;

  /** `persistent`: a session the broker keeps (with a persistent broker, nothing is missed while away). */
  async connect(url: string, opts: { persistent?: boolean; connect?: IClientOptions } = {}): Promise<this> {
    await this.client?.endAsync(true);
    this.client = await mqtt.connectAsync(url, { reconnectPeriod: 200, clientId: this.clientId, clean: !opts.persistent, ...opts.connect });
    (this.client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    this.client.on('message', (topic, payload) => this.record(topic, payload));
    await this.client.subscribeAsync('spBv1.0/#', { qos: 1 });
    return this;
  }

  /** Connected now (mqtt.js reconnects by itself after a broker restart). */
  get connected(): boolean {
    return this.client?.connected === true;
  }

  /**
   * Acts as the primary host `hostId` coming online: makes sure of its subscription (a broker
   * restarted without its sessions has none), then publishes STATE, retained at QoS 1 as
   * Sparkplug 3.0 asks (JSON, not a Sparkplug payload).
   */
  async announce(hostId: string, online = true, timestamp = Date.now()): Promise<void> {
    await this.client?.subscribeAsync('spBv1.0/#', { qos: 1 });
    await this.publishRaw(`spBv1.0/STATE/${hostId}`, Buffer.from(JSON.stringify({ online, timestamp })), { qos: 1, retain: true });
  }

  private record(topic: string, payload: Buffer) {
    const parts = topic.split('/');
    const type = parts[2] ?? '';
    // Commands are ours; STATE is JSON, not a Sparkplug payload.
    if (type === 'NCMD' || type === 'DCMD' || parts[1] === 'STATE') return;
    const decoded = sparkplug.decodePayload(payload);
    const message: HostMessage = {
      topic,
      type,
      device: parts[4],
      seq: decoded.seq === undefined || decoded.seq === null ? undefined : Number(toPlain(decoded.seq)),
      timestamp: Number(toPlain(decoded.timestamp)),
      receivedAt: Date.now(),
      metrics: (decoded.metrics ?? []).map((m: Record<string, unknown>) => ({
        name: m.name as string | undefined,
        alias: m.alias === undefined ? undefined : Number(toPlain(m.alias)),
        type: m.type as string,
        value: toPlain(m.value, m.type === 'Int64'),
        timestamp: m.timestamp === undefined ? undefined : Number(toPlain(m.timestamp)),
        isHistorical: m.isHistorical as boolean | undefined,
        isNull: m.isNull as boolean | undefined,
        quality: (m.properties as Record<string, { value: unknown }> | undefined)?.Quality?.value as number | undefined,
        properties:
          m.properties &&
          Object.fromEntries(
            Object.entries(m.properties as Record<string, { value: unknown; type: string }>).map(([k, p]) => [k, toPlain(p.value, p.type === 'Int64')]),
          ),
      })),
    };
    this.messages.push(message);
    for (const w of this.waiters) {
      if (w.match(message)) {
        this.waiters.delete(w);
        w.resolve(message);
      }
    }
  }

  /** Publishes a command (NCMD/DCMD) encoded by the library. */
  async command(topic: string, metrics: { name?: string; alias?: number; type: string; value: unknown }[]): Promise<void> {
    const payload = sparkplug.encodePayload({ timestamp: Date.now(), metrics });
    await this.client?.publishAsync(topic, payload, { qos: 0 });
  }

  async publishRaw(topic: string, payload: Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    await this.client?.publishAsync(topic, payload, { qos: opts.qos ?? 0, retain: opts.retain ?? false });
  }

  of(type: string, device?: string): HostMessage[] {
    return this.messages.filter((m) => m.type === type && (device === undefined || m.device === device));
  }

  /** A metric of a message by name: DDATA carries aliases only, resolved through the device's latest DBIRTH before it. */
  metric(message: HostMessage, name: string): HostMetric | undefined {
    const birth = this.messages
      .slice(0, this.messages.indexOf(message) + 1)
      .filter((m) => m.type === 'DBIRTH' && m.device === message.device)
      .at(-1);
    const alias = birth?.metrics.find((m) => m.name === name)?.alias;
    return message.metrics.find((m) => m.name === name || (alias !== undefined && m.alias === alias));
  }

  /** Waits until a message after index `from` matches; resolves as the message arrives. */
  async next(what: string, match: (m: HostMessage) => boolean, from = 0, timeoutMs = 15_000): Promise<HostMessage> {
    const found = this.messages.slice(from).find(match);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: HostMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true);
  }
}
