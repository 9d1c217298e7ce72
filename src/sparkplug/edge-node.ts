/**
 * The Sparkplug B edge node session on mqtt.js (SPARKPLUG.md): Will = NDEATH
 * with a persisted bdSeq, command subscriptions before births, NBIRTH then one
 * DBIRTH per live device, DDATA by exception with aliases, one seq counter,
 * DDEATH/DBIRTH as devices come and go, and rebirth on NCMD.
 *
 * The connection loop is ours (mqtt.js reconnect is off) so that every CONNECT
 * carries a fresh bdSeq in its Will, and so that brokers are tried in order.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { Backoff } from '../../drivers/backoff.ts';
import type { DataType, Quality } from '../../drivers/contract.ts';
import type { Clock } from '../clock.ts';
import type { NorthboundConfig } from '../config/schema.ts';
import type { TagUpdate } from '../events.ts';
import type { LiveValues } from '../live-values.ts';
import { redactUrl } from '../log.ts';
import { encodePayload, type MetricOut, SPARKPLUG_TYPE_OF, SparkplugType } from './codec.ts';
import { decodeCommand, MalformedPayloadError } from './command-decoder.ts';
import { deviceTopic, nodeTopic } from './topics.ts';

export const REBIRTH_METRIC = 'Node Control/Rebirth';

/** Where bdSeq survives restarts of the gateway (topics-nbirth-bdseq-increment). */
export interface BdSeqStore {
  load(): number | undefined;
  save(bdSeq: number): void;
}

export interface DeviceModel {
  name: string;
  tags: { name: string; type: DataType }[];
}

interface MetricInfo {
  name: string;
  alias: number;
  datatype: number;
}

export type SessionState = 'stopped' | 'connecting' | 'subscribing' | 'online' | 'disconnected';

export interface EdgeNodeStatus {
  state: SessionState;
  broker?: string;
  bdSeq: number;
  seq: number;
  messagesPublished: number;
  bytesPublished: number;
  lastError?: string;
}

export interface EdgeNodeOptions {
  config: NorthboundConfig;
  devices: DeviceModel[];
  values: LiveValues;
  bdSeqStore: BdSeqStore;
  log: Logger;
  clock: Clock;
}

export class EdgeNode {
  private client?: MqttClient;
  private state: SessionState = 'stopped';
  private brokerIndex = 0;
  private bdSeq: number;
  private seq = 0;
  private readonly backoff = new Backoff();
  private retryTimer: unknown;
  private readonly metrics = new Map<string, Map<string, MetricInfo>>();
  /** Devices that are up (connected and read once): they get a DBIRTH. */
  private readonly liveDevices = new Set<string>();
  /** Devices whose DBIRTH went out in the current session. */
  private readonly bornDevices = new Set<string>();
  /** Last quality published per device/metric, to send Quality when it changes back to good. */
  private readonly lastQuality = new Map<string, Quality>();
  private readonly counters = { messagesPublished: 0, bytesPublished: 0 };
  private lastError?: string;
  private readonly log: Logger;

  constructor(private readonly opts: EdgeNodeOptions) {
    this.log = opts.log.child({ component: 'sparkplug' });
    this.bdSeq = opts.bdSeqStore.load() ?? 255; // the first CONNECT then uses 0
    let alias = 1;
    for (const device of opts.devices) {
      const byName = new Map<string, MetricInfo>();
      for (const tag of device.tags) byName.set(tag.name, { name: tag.name, alias: alias++, datatype: SPARKPLUG_TYPE_OF[tag.type] });
      this.metrics.set(device.name, byName);
    }
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.connect();
  }

  /** Publishes NDEATH (an intentional disconnect) and closes the connection. */
  async stop(): Promise<void> {
    this.opts.clock.clearTimeout(this.retryTimer);
    const client = this.client;
    const wasOnline = this.state === 'online';
    this.state = 'stopped';
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('close');
    if (wasOnline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        client.publish(this.topic('NDEATH'), Buffer.from(this.deathPayload()), { qos: 1 }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await client.endAsync(!wasOnline).catch(() => {});
  }

  status(): EdgeNodeStatus {
    return {
      state: this.state,
      broker: redactUrl(this.opts.config.brokers[this.brokerIndex]?.url ?? ''),
      bdSeq: this.bdSeq,
      seq: this.seq,
      ...this.counters,
      lastError: this.lastError,
    };
  }

  /** A device is up and has values: DBIRTH now if the session is online, or with the next NBIRTH. */
  deviceUp(device: string): void {
    if (this.liveDevices.has(device)) return;
    this.liveDevices.add(device);
    if (this.state === 'online') this.publishDeviceBirth(device);
  }

  /** A device is lost: DDEATH if it was born (SPARKPLUG.md item 7). */
  deviceDown(device: string): void {
    if (!this.liveDevices.delete(device)) return;
    if (this.state === 'online' && this.bornDevices.delete(device)) {
      this.publish(
        deviceTopic(this.opts.config.groupId, 'DDEATH', this.opts.config.edgeNodeId, device),
        encodePayload(this.opts.clock.now(), [], this.nextSeq()),
      );
    }
  }

  /** Publishes a device's changed values as one DDATA (only while online and born). */
  publishData(device: string, updates: readonly TagUpdate[]): void {
    if (this.state !== 'online' || !this.bornDevices.has(device) || updates.length === 0) return;
    const byName = this.metrics.get(device);
    if (!byName) return;
    const metrics: MetricOut[] = [];
    for (const u of updates) {
      const info = byName.get(u.tag);
      if (!info) continue;
      metrics.push({ alias: info.alias, timestamp: u.sourceTs, datatype: info.datatype, value: u.value, quality: this.qualityToSend(device, u) });
    }
    this.publish(
      deviceTopic(this.opts.config.groupId, 'DDATA', this.opts.config.edgeNodeId, device),
      encodePayload(this.opts.clock.now(), metrics, this.nextSeq()),
    );
  }

  private qualityToSend(device: string, u: Pick<TagUpdate, 'tag' | 'quality'>): Quality | undefined {
    const key = `${device}\0${u.tag}`;
    const previous = this.lastQuality.get(key) ?? 'good';
    this.lastQuality.set(key, u.quality);
    return u.quality !== 'good' || previous !== 'good' ? u.quality : undefined;
  }

  private topic(type: 'NBIRTH' | 'NDEATH' | 'NCMD'): string {
    return nodeTopic(this.opts.config.groupId, type, this.opts.config.edgeNodeId);
  }

  private deathPayload(): Uint8Array {
    // NDEATH carries exactly one metric, bdSeq (Int64), and no seq.
    return encodePayload(this.opts.clock.now(), [{ name: 'bdSeq', timestamp: this.opts.clock.now(), datatype: SparkplugType.Int64, value: this.bdSeq }]);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 256;
    return this.seq;
  }

  private connect(): void {
    const cfg = this.opts.config;
    const broker = cfg.brokers[this.brokerIndex] ?? cfg.brokers[0];
    if (!broker) return;
    this.bdSeq = (this.bdSeq + 1) % 256;
    this.opts.bdSeqStore.save(this.bdSeq);
    this.state = 'connecting';
    this.log.info({ broker: redactUrl(broker.url), bdSeq: this.bdSeq }, 'connecting to broker');
    const client = mqtt.connect(broker.url, {
      clientId: cfg.clientId ?? `plexus-${cfg.groupId}-${cfg.edgeNodeId}`,
      username: broker.username,
      password: broker.password,
      protocolVersion: 4,
      clean: true, // principles-persistence-clean-session-311
      keepalive: cfg.keepaliveS,
      connectTimeout: cfg.connectTimeoutMs,
      reconnectPeriod: 0,
      queueQoSZero: false,
      will: { topic: this.topic('NDEATH'), payload: Buffer.from(this.deathPayload()), qos: 1, retain: false },
    });
    this.client = client;
    let wasOnline = false;
    client.on('connect', () => {
      void this.onConnect(client).then(() => {
        wasOnline = this.client === client && this.state === 'online';
      });
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => {
      this.lastError = err.message;
      this.log.warn({ err: err.message, broker: redactUrl(broker.url) }, 'broker connection error');
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
      this.state = 'disconnected';
      this.bornDevices.clear();
      this.log.warn({ broker: redactUrl(broker.url) }, 'broker connection closed');
      // A broker that never let us online is skipped for the next one in the list.
      if (!wasOnline) this.brokerIndex = (this.brokerIndex + 1) % cfg.brokers.length;
      else this.backoff.reset();
      const delay = this.backoff.next();
      this.retryTimer = this.opts.clock.setTimeout(() => this.connect(), delay);
    });
  }

  private async onConnect(client: MqttClient): Promise<void> {
    this.state = 'subscribing';
    const { groupId, edgeNodeId } = this.opts.config;
    try {
      // message-flow-edge-node-ncmd-subscribe, message-flow-device-dcmd-subscribe: QoS 1, before NBIRTH
      await client.subscribeAsync({ [this.topic('NCMD')]: { qos: 1 }, [deviceTopic(groupId, 'DCMD', edgeNodeId, '+')]: { qos: 1 } });
    } catch (err) {
      this.lastError = (err as Error).message;
      this.log.warn({ err: this.lastError }, 'command subscription failed');
      client.end(true);
      return;
    }
    if (this.client !== client) return;
    this.backoff.reset();
    this.lastError = undefined;
    this.birth();
  }

  /** NBIRTH (seq 0) and one DBIRTH per live device, in that order (principles-birth-certificates-order). */
  private birth(): void {
    this.state = 'online';
    this.seq = 0;
    this.bornDevices.clear();
    this.lastQuality.clear();
    const now = this.opts.clock.now();
    const nodeMetrics: MetricOut[] = [
      { name: 'bdSeq', timestamp: now, datatype: SparkplugType.Int64, value: this.bdSeq },
      { name: REBIRTH_METRIC, timestamp: now, datatype: SparkplugType.Boolean, value: false },
    ];
    this.publish(this.topic('NBIRTH'), encodePayload(now, nodeMetrics, 0));
    this.log.info({ bdSeq: this.bdSeq, devices: this.liveDevices.size }, 'edge node online');
    for (const device of this.liveDevices) this.publishDeviceBirth(device);
  }

  private publishDeviceBirth(device: string): void {
    const byName = this.metrics.get(device);
    if (!byName) return;
    const now = this.opts.clock.now();
    const metrics: MetricOut[] = [];
    for (const info of byName.values()) {
      const current = this.opts.values.get(device, info.name);
      const quality = current?.quality ?? 'bad';
      this.lastQuality.set(`${device}\0${info.name}`, quality);
      metrics.push({
        name: info.name,
        alias: info.alias,
        timestamp: current?.sourceTs ?? now,
        datatype: info.datatype,
        value: current?.value ?? null,
        quality: quality === 'good' ? undefined : quality,
      });
    }
    this.publish(deviceTopic(this.opts.config.groupId, 'DBIRTH', this.opts.config.edgeNodeId, device), encodePayload(now, metrics, this.nextSeq()));
    this.bornDevices.add(device);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.topic('NCMD')) {
      this.log.warn({ topic }, 'device command ignored: write-back is not available in this version');
      return;
    }
    let metrics: ReturnType<typeof decodeCommand>;
    try {
      metrics = decodeCommand(payload);
    } catch (err) {
      if (!(err instanceof MalformedPayloadError)) throw err;
      this.log.warn({ topic, err: err.message, bytes: payload.length }, 'malformed NCMD dropped');
      return;
    }
    for (const m of metrics) {
      if (m.name === REBIRTH_METRIC && m.value?.field === 'bool' && m.value.value) {
        this.log.info('rebirth requested by NCMD');
        if (this.state === 'online') this.birth();
      } else {
        this.log.warn({ metric: m.name ?? m.alias }, 'unsupported NCMD metric ignored');
      }
    }
  }

  private publish(topic: string, payload: Uint8Array): void {
    const client = this.client;
    if (!client) return;
    this.counters.messagesPublished++;
    this.counters.bytesPublished += payload.length;
    client.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.length), { qos: 0, retain: false });
  }
}
