/**
 * The Sparkplug B edge node session on mqtt.js (SPARKPLUG.md): Will = NDEATH
 * with a persisted bdSeq, command (and STATE) subscriptions before births, no
 * birth until the primary host is online, NBIRTH then one DBIRTH per live
 * device, DDATA by exception with aliases, one seq counter, DDEATH/DBIRTH as
 * devices come and go, rebirth on NCMD, and store-and-forward: every update
 * is kept in the store until the broker has provably read it, and what the
 * broker did not get is sent after the next births as historical data.
 *
 * The connection loop is ours (mqtt.js reconnect is off) so that every CONNECT
 * carries a fresh bdSeq in its Will, and so that brokers are tried in order.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { Backoff } from '../../drivers/backoff.ts';
import type { DataType, Quality, TagValue } from '../../drivers/contract.ts';
import type { Clock } from '../clock.ts';
import type { BrokerConfig, NorthboundConfig } from '../config/schema.ts';
import { DEVICE_PROPERTY_PREFIX } from '../config/templates.ts';
import type { TagUpdate } from '../events.ts';
import type { LiveValues } from '../live-values.ts';
import { redactUrl } from '../log.ts';
import type { StoreStats, ValueStore } from '../store/store.ts';
import { explainBrokerError, tlsOptions } from './broker-options.ts';
import { encodePayload, type MetricOut, type PropertyValue, SPARKPLUG_TYPE_OF, SparkplugType } from './codec.ts';
import { type CommandMetric, decodeCommand, MalformedPayloadError } from './command-decoder.ts';
import { commandValue } from './command-values.ts';
import { DeliveryProof } from './delivery-proof.ts';
import { deviceTopic, NAMESPACE, nodeTopic, stateTopic } from './topics.ts';

/** Where RabbitMQ's MQTT plugin (mqtt.sparkplug = true) hands out retained messages: the namespace's dot made a level. */
const RABBITMQ_NAMESPACE = 'spBv1/0/';
/** How long a session must have lasted for the next reconnection to start again at the shortest delay. */
const STABLE_SESSION_MS = 10_000;

export const REBIRTH_METRIC = 'Node Control/Rebirth';
export const NEXT_SERVER_METRIC = 'Node Control/Next Server';
export const REBOOT_METRIC = 'Node Control/Reboot';

/** One metric of a DCMD: a tag and the value to write, or why it cannot be written. */
export type DeviceCommand = { tag: string; value: TagValue } | { tag: string; error: string; requested?: unknown };

/** Unproven batches allowed on the wire during replay: the broker paces the replay by its answers. */
const REPLAY_WINDOW = 32;
const REPLAY_TICK_MS = 10;
/** How soon after a publish a PINGREQ asks the broker to prove it read it. */
const PROOF_DELAY_MS = 20;

/** Where bdSeq survives restarts of the gateway (topics-nbirth-bdseq-increment). */
export interface BdSeqStore {
  load(): number | undefined;
  save(bdSeq: number): void;
}

export interface DeviceModel {
  name: string;
  tags: { name: string; type: DataType; properties?: Readonly<Record<string, PropertyValue>> }[];
  /** Static device metadata, published in the DBIRTH as `Properties/<key>` metrics. */
  properties?: Readonly<Record<string, PropertyValue>>;
}

interface MetricInfo {
  name: string;
  alias: number;
  datatype: number;
  properties?: Readonly<Record<string, PropertyValue>>;
}

export type SessionState = 'stopped' | 'connecting' | 'subscribing' | 'waiting-for-host' | 'online' | 'disconnected';

export interface EdgeNodeStatus {
  state: SessionState;
  broker?: string;
  bdSeq: number;
  seq: number;
  primaryHost?: { id: string; online?: boolean; lastStateTimestamp?: number };
  messagesPublished: number;
  bytesPublished: number;
  store: StoreStats & {
    /** Values sent as historical after a reconnect. */
    replayed: number;
    /** Historical values per second over the last 10 s. */
    replayRate: number;
    /** Stored values whose tag or device no longer exists (configuration changed). */
    discarded: number;
    /** Values sent live, not proven, and sent again as historical: possible duplicates. */
    resent: number;
  };
  lastError?: string;
  mqttVersion: '3.1.1' | '5';
  /** What an MQTT 5 broker announced in its CONNACK. */
  brokerLimits?: BrokerLimits;
}

export interface BrokerLimits {
  maximumPacketSize?: number;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  retainAvailable?: boolean;
}

export interface EdgeNodeOptions {
  config: NorthboundConfig;
  devices: DeviceModel[];
  values: LiveValues;
  bdSeqStore: BdSeqStore;
  store: ValueStore;
  log: Logger;
  clock: Clock;
  /** DCMD metrics, decoded against our births, in the order they came. */
  onDeviceCommand?(device: string, commands: DeviceCommand[], from: string): void;
  /** NCMD Node Control/Reboot: restart drivers and session. */
  onReboot?(): void;
}

export class EdgeNode {
  private client?: MqttClient;
  private state: SessionState = 'stopped';
  private brokerIndex = 0;
  private bdSeq: number;
  private seq = 0;
  private readonly backoff = new Backoff();
  private connectedAt = 0;
  private retryTimer: unknown;
  private replayTimer: unknown;
  private proofTimer: unknown;
  private readonly proof = new DeliveryProof();
  private readonly metrics = new Map<string, Map<string, MetricInfo>>();
  private readonly deviceProperties = new Map<string, Readonly<Record<string, PropertyValue>>>();
  private nextAlias = 1;
  /** Devices that are up (connected and read once): they get a DBIRTH. */
  private readonly liveDevices = new Set<string>();
  /** Devices whose DBIRTH went out in the current session. */
  private readonly bornDevices = new Set<string>();
  /** Last quality published per device/metric, to send Quality when it changes back to good. */
  private readonly lastQuality = new Map<string, Quality>();
  /** The newest STATE timestamp seen from the primary host, kept across reconnects. */
  private lastStateTs = -1;
  private primaryOnline?: boolean;
  private readonly counters = { messagesPublished: 0, bytesPublished: 0, replayed: 0, discarded: 0, resent: 0 };
  private readonly replayedPerSecond: { second: number; values: number }[] = [];
  private discardWarned = false;
  /** Token bucket for store.replayMaxBatchesPerSecond. */
  private replayBudget = 0;
  private lastError?: string;
  private brokerLimits?: BrokerLimits;
  /** The topic of the newest publish the broker has not yet proven to have read. */
  private lastPublished?: string;
  private readonly log: Logger;

  constructor(private readonly opts: EdgeNodeOptions) {
    this.log = opts.log.child({ component: 'sparkplug' });
    this.bdSeq = opts.bdSeqStore.load() ?? 255; // the first CONNECT then uses 0
    for (const device of opts.devices) this.setDevice(device);
  }

  /**
   * Adds a device, or replaces one whose tags changed: a born device dies first
   * (DDEATH) and is born again with its new metrics once it is up. Aliases are
   * never reused within the node's lifetime.
   */
  setDevice(device: DeviceModel): void {
    this.deviceDown(device.name);
    const byName = new Map<string, MetricInfo>();
    for (const tag of device.tags)
      byName.set(tag.name, { name: tag.name, alias: this.nextAlias++, datatype: SPARKPLUG_TYPE_OF[tag.type], properties: tag.properties });
    this.metrics.set(device.name, byName);
    this.deviceProperties.set(device.name, device.properties ?? {});
    for (const key of this.lastQuality.keys()) if (key.startsWith(`${device.name}\0`)) this.lastQuality.delete(key);
  }

  /** A device removed from the configuration: DDEATH if it was born; its stored values are discarded at replay. */
  removeDevice(device: string): void {
    this.setDevice({ name: device, tags: [] });
    this.metrics.delete(device);
    this.deviceProperties.delete(device);
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.connect();
  }

  /** Publishes NDEATH (an intentional disconnect) and closes the connection. */
  async stop(): Promise<void> {
    const clock = this.opts.clock;
    clock.clearTimeout(this.retryTimer);
    clock.clearTimeout(this.replayTimer);
    clock.clearTimeout(this.proofTimer);
    const client = this.client;
    const wasOnline = this.state === 'online';
    this.state = 'stopped';
    this.client = undefined;
    this.proof.reset();
    this.opts.store.requeueSent();
    if (!client) return;
    client.removeAllListeners('close');
    if (wasOnline) await this.publishDeath(client);
    await client.endAsync(!wasOnline).catch(() => {});
  }

  status(): EdgeNodeStatus {
    const now = Math.floor(this.opts.clock.now() / 1000);
    const recent = this.replayedPerSecond.filter((r) => r.second > now - 10).reduce((n, r) => n + r.values, 0);
    const primary = this.opts.config.primaryHostId;
    return {
      state: this.state,
      broker: redactUrl(this.opts.config.brokers[this.brokerIndex]?.url ?? ''),
      bdSeq: this.bdSeq,
      seq: this.seq,
      primaryHost: primary ? { id: primary, online: this.primaryOnline, lastStateTimestamp: this.lastStateTs >= 0 ? this.lastStateTs : undefined } : undefined,
      messagesPublished: this.counters.messagesPublished,
      bytesPublished: this.counters.bytesPublished,
      store: {
        ...this.opts.store.stats(),
        replayed: this.counters.replayed,
        replayRate: recent / 10,
        discarded: this.counters.discarded,
        resent: this.counters.resent,
      },
      lastError: this.lastError,
      mqttVersion: this.opts.config.mqttVersion,
      brokerLimits: this.brokerLimits,
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
      this.publishDevice('DDEATH', device, []);
    }
  }

  /**
   * A device's changed values: kept in the store first, then published as one
   * DDATA when the node is online and the device born; otherwise they wait in
   * the store for the next births.
   */
  publishData(device: string, updates: readonly TagUpdate[]): void {
    const byName = this.metrics.get(device);
    if (!byName || updates.length === 0) return;
    const live = this.state === 'online' && this.bornDevices.has(device);
    const id = this.opts.store.append(device, updates, live);
    if (!live) return;
    const metrics: MetricOut[] = [];
    for (const u of updates) {
      const info = byName.get(u.tag);
      if (info) metrics.push({ alias: info.alias, timestamp: u.sourceTs, datatype: info.datatype, value: u.value, quality: this.qualityToSend(device, u) });
    }
    // Not sent (too large for the broker even alone): it stays in the store, for the next session.
    if (this.publishDevice('DDATA', device, metrics)) this.sent([id]);
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

  private publishDeath(client: MqttClient): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      client.publish(this.topic('NDEATH'), Buffer.from(this.deathPayload()), { qos: 1 }, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 256;
    return this.seq;
  }

  private connect(): void {
    const cfg = this.opts.config;
    const broker = cfg.brokers[this.brokerIndex] ?? cfg.brokers[0];
    if (!broker) return;
    let tls: Partial<IClientOptions>;
    try {
      tls = tlsOptions(broker);
    } catch (err) {
      // A certificate file that cannot be read: report it, keep storing, try again later (the API can fix it).
      this.fail(broker, (err as Error).message);
      return;
    }
    this.bdSeq = (this.bdSeq + 1) % 256;
    this.opts.bdSeqStore.save(this.bdSeq);
    this.state = 'connecting';
    this.brokerLimits = undefined;
    this.log.info({ broker: redactUrl(broker.url), bdSeq: this.bdSeq, mqtt: cfg.mqttVersion }, 'connecting to broker');
    let client: MqttClient;
    try {
      client = mqtt.connect(broker.url, {
        clientId: cfg.clientId ?? `plexus-${cfg.groupId}-${cfg.edgeNodeId}`,
        username: broker.username,
        password: broker.password,
        protocolVersion: cfg.mqttVersion === '5' ? 5 : 4,
        clean: true, // principles-persistence-clean-session-311 (and Clean Start with no session expiry in MQTT 5)
        keepalive: cfg.keepaliveS,
        connectTimeout: cfg.connectTimeoutMs,
        reconnectPeriod: 0,
        queueQoSZero: false,
        will: { topic: this.topic('NDEATH'), payload: Buffer.from(this.deathPayload()), qos: 1, retain: false },
        ...tls,
      });
    } catch (err) {
      // Settings TLS refuses at once (a key that does not decrypt, a key that does not fit the certificate).
      this.fail(broker, explainBrokerError(err as Error, broker));
      return;
    }
    this.client = client;
    client.on('connect', (connack) => {
      // Small packets (commands, PINGREQs that prove delivery) should not wait for Nagle's algorithm.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      const p = connack.properties;
      if (p) {
        this.brokerLimits = {
          maximumPacketSize: p.maximumPacketSize,
          receiveMaximum: p.receiveMaximum,
          topicAliasMaximum: p.topicAliasMaximum,
          retainAvailable: p.retainAvailable,
        };
        this.log.info({ limits: this.brokerLimits }, 'the broker announced its limits (MQTT 5 CONNACK)');
      }
      void this.onConnect(client);
    });
    client.on('message', (topic, payload) => this.onMessage(client, topic, payload));
    client.on('packetsend', (packet) => {
      if (packet.cmd === 'pingreq') this.proof.pingSent();
    });
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'pingresp' && this.client === client) {
        this.proven(this.proof.pingAnswered());
        if (this.proof.pending === 0) this.lastPublished = undefined;
      }
    });
    let explained = false; // an error or DISCONNECT of this connection said why it ends
    client.on('disconnect', (packet) => {
      explained = true;
      // MQTT 5: the broker says why it ends the session (e.g. 0x87 not authorized for a publish).
      this.lastError = `the broker disconnected us: ${packet.properties?.reasonString ?? 'no reason given'} (reason code 0x${(packet.reasonCode ?? 0).toString(16)})`;
      this.log.warn({ reason: this.lastError, broker: redactUrl(broker.url) }, 'broker disconnected the session');
    });
    client.on('error', (err) => {
      explained = true;
      this.lastError = explainBrokerError(err as Error & { code?: string | number }, broker);
      this.log.warn({ reason: this.lastError, broker: redactUrl(broker.url) }, 'broker connection error');
    });
    client.on('close', () => this.onClose(client, broker.url, explained));
  }

  /** A connection that could not even be tried: reported, and tried again after the back-off. */
  private fail(broker: BrokerConfig, reason: string) {
    this.lastError = reason;
    this.state = 'disconnected';
    this.log.error({ reason, broker: redactUrl(broker.url) }, 'cannot connect to the broker');
    this.brokerIndex = (this.brokerIndex + 1) % this.opts.config.brokers.length;
    this.retryTimer = this.opts.clock.setTimeout(() => this.connect(), this.backoff.next());
  }

  private onClose(client: MqttClient, url: string, explained: boolean) {
    if (this.client !== client) return;
    const clock = this.opts.clock;
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => {});
    client.end(true);
    clock.clearTimeout(this.replayTimer);
    clock.clearTimeout(this.proofTimer);
    this.proofTimer = undefined;
    const unproven = this.proof.pending;
    this.proof.reset();
    // Whatever the broker may not have read waits again, and goes out as historical data later.
    this.opts.store.requeueSent();
    if (unproven > 0) this.log.info({ batches: unproven }, 'unproven data kept for replay');
    // MQTT 3.1.1 has no reason for a close: brokers close on a publish their ACL refuses.
    const wasUp = this.state === 'online' || this.state === 'waiting-for-host';
    // Only a session that lasted starts the back-off again: a broker that closes each one at once is not hammered.
    if (wasUp && clock.now() - this.connectedAt >= STABLE_SESSION_MS) this.backoff.reset();
    if (wasUp && this.lastPublished)
      this.lastError = `the broker closed the connection just after our publish to ${this.lastPublished}: it was shut down, or its ACL refuses that publish (the data stays in the store)`;
    else if (this.state === 'connecting' && !explained)
      this.lastError = `the broker closed the connection before accepting it (no CONNACK): it may refuse our client id ${client.options.clientId} or our Will topic ${this.topic('NDEATH')} (NATS 2.9 refuses every topic with a '.', so all of ${NAMESPACE}/); see its log`;
    this.lastPublished = undefined;
    this.state = 'disconnected';
    this.bornDevices.clear();
    this.log.warn({ broker: redactUrl(url), reason: this.lastError }, 'broker connection closed');
    // Failover: the next broker of the list (the same one when there is only one).
    this.brokerIndex = (this.brokerIndex + 1) % this.opts.config.brokers.length;
    this.retryTimer = clock.setTimeout(() => this.connect(), this.backoff.next());
  }

  private async onConnect(client: MqttClient): Promise<void> {
    this.state = 'subscribing';
    this.connectedAt = this.opts.clock.now();
    const { groupId, edgeNodeId, primaryHostId } = this.opts.config;
    const topics: Record<string, { qos: 1 }> = {
      // message-flow-edge-node-ncmd-subscribe, message-flow-device-dcmd-subscribe: QoS 1, before NBIRTH
      [this.topic('NCMD')]: { qos: 1 },
      [deviceTopic(groupId, 'DCMD', edgeNodeId, '+')]: { qos: 1 },
    };
    if (primaryHostId) topics[stateTopic(primaryHostId)] = { qos: 1 };
    let granted: number[];
    try {
      granted = (await client.subscribeAsync(topics)).map((g) => g.qos);
    } catch (err) {
      // mqtt.js rejects when any topic is refused; the SUBACK says which.
      const suback = (err as { packet?: { granted?: (number | object)[] } }).packet?.granted;
      if (!suback) {
        this.lastError = (err as Error).message;
        this.log.warn({ err: this.lastError }, 'command subscription failed');
        client.end(true);
        return;
      }
      granted = suback.map((g) => (typeof g === 'number' ? g : 0x80));
    }
    const refused = Object.keys(topics)
      .map((topic, i) => ({ topic, code: granted[i] ?? 0x80 }))
      .filter((g) => g.code >= 0x80);
    if (refused.length > 0) {
      // The session goes on (data still flows), but commands on these topics will not arrive.
      this.lastError = `the broker refused the subscription to ${refused.map((g) => `${g.topic} (reason code 0x${g.code.toString(16)})`).join(', ')}: check its ACL; commands (NCMD/DCMD) will not arrive`;
      this.log.error({ reason: this.lastError }, 'command subscription refused');
    } else this.lastError = undefined;
    if (this.client !== client) return;
    if (primaryHostId && this.primaryOnline !== true) {
      // message-flow-edge-node-birth-publish-phid-*: no birth until the primary host says online.
      this.state = 'waiting-for-host';
      this.log.info({ primaryHostId }, 'waiting for the primary host to be online');
      return;
    }
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
      { name: NEXT_SERVER_METRIC, timestamp: now, datatype: SparkplugType.Boolean, value: false },
      { name: REBOOT_METRIC, timestamp: now, datatype: SparkplugType.Boolean, value: false },
    ];
    this.publish(this.topic('NBIRTH'), encodePayload(now, nodeMetrics, 0));
    this.log.info({ bdSeq: this.bdSeq, devices: this.liveDevices.size }, 'edge node online');
    for (const device of this.liveDevices) this.publishDeviceBirth(device);
    this.scheduleReplay();
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
        properties: info.properties,
      });
    }
    for (const [key, value] of Object.entries(this.deviceProperties.get(device) ?? {})) {
      const datatype = typeof value === 'string' ? SparkplugType.String : typeof value === 'boolean' ? SparkplugType.Boolean : SparkplugType.Double;
      metrics.push({ name: `${DEVICE_PROPERTY_PREFIX}${key}`, timestamp: now, datatype, value });
    }
    if (this.publishDevice('DBIRTH', device, metrics)) this.bornDevices.add(device);
  }

  /**
   * Sends stored values of born devices as historical DDATA, oldest first, with
   * the current aliases and fresh seq numbers; paced by the broker: at most
   * REPLAY_WINDOW batches on the wire that it has not yet proven to have read.
   */
  private scheduleReplay() {
    this.opts.clock.clearTimeout(this.replayTimer);
    this.replayTimer = this.opts.clock.setTimeout(() => {
      if (this.state !== 'online') return;
      this.replayTick();
      this.scheduleReplay();
    }, REPLAY_TICK_MS);
  }

  private replayTick() {
    const limit = this.opts.config.store.replayMaxBatchesPerSecond;
    if (limit !== undefined) this.replayBudget = Math.min(limit, this.replayBudget + (limit * REPLAY_TICK_MS) / 1000);
    const room = Math.min(REPLAY_WINDOW - this.proof.pending, limit === undefined ? REPLAY_WINDOW : Math.floor(this.replayBudget));
    if (room <= 0 || this.bornDevices.size === 0) return;
    const batches = this.opts.store.pending(this.bornDevices, room);
    if (limit !== undefined) this.replayBudget -= batches.length;
    const sent: number[] = [];
    const discarded: number[] = [];
    let values = 0;
    for (const batch of batches) {
      const byName = this.metrics.get(batch.device);
      const metrics: MetricOut[] = [];
      for (const r of batch.records) {
        const info = byName?.get(r.metric);
        if (!info) {
          this.discard(batch.device, r.metric);
          continue;
        }
        metrics.push({
          alias: info.alias,
          timestamp: r.ts,
          datatype: info.datatype,
          value: r.value,
          isHistorical: true,
          quality: r.quality === 'good' ? undefined : r.quality,
        });
      }
      if (metrics.length === 0) {
        discarded.push(batch.id);
        continue;
      }
      if (!this.publishDevice('DDATA', batch.device, metrics)) continue;
      sent.push(batch.id);
      values += metrics.length;
    }
    if (discarded.length > 0) this.opts.store.remove(discarded);
    if (sent.length === 0) return;
    this.opts.store.markSent(sent);
    this.sent(sent);
    this.counters.replayed += values;
    const second = Math.floor(this.opts.clock.now() / 1000);
    const last = this.replayedPerSecond.at(-1);
    if (last?.second === second) last.values += values;
    else this.replayedPerSecond.push({ second, values });
    if (this.replayedPerSecond.length > 10) this.replayedPerSecond.shift();
  }

  /** A stored value of a tag or device that the configuration no longer has: it cannot be published. */
  private discard(device: string, metric: string) {
    this.counters.discarded++;
    if (this.discardWarned) return;
    this.discardWarned = true;
    this.log.warn({ device, metric }, 'stored values of tags or devices no longer configured are discarded (counted in the store statistics)');
  }

  /** Batches just written: ask the broker for proof soon (one PINGREQ covers them all). */
  private sent(ids: readonly number[]) {
    this.proof.sent(ids);
    if (this.proofTimer !== undefined) return;
    this.proofTimer = this.opts.clock.setTimeout(() => {
      this.proofTimer = undefined;
      if (this.client && this.proof.pending > 0 && !this.proof.covered) this.client.sendPing();
    }, PROOF_DELAY_MS);
  }

  private proven(ids: number[]) {
    if (ids.length > 0) this.opts.store.remove(ids);
  }

  private onMessage(client: MqttClient, received: string, payload: Buffer): void {
    const topic = received.startsWith(RABBITMQ_NAMESPACE) ? `${NAMESPACE}/${received.slice(RABBITMQ_NAMESPACE.length)}` : received;
    const { groupId, edgeNodeId, primaryHostId } = this.opts.config;
    if (primaryHostId && topic === stateTopic(primaryHostId)) {
      this.onState(client, payload);
      return;
    }
    const dcmdPrefix = deviceTopic(groupId, 'DCMD', edgeNodeId, '');
    const isNcmd = topic === this.topic('NCMD');
    if (!isNcmd && !topic.startsWith(dcmdPrefix)) return;
    let metrics: CommandMetric[];
    try {
      metrics = decodeCommand(payload);
    } catch (err) {
      if (!(err instanceof MalformedPayloadError)) throw err;
      this.log.warn({ topic, err: err.message, bytes: payload.length }, 'malformed command dropped');
      return;
    }
    if (isNcmd) this.onNodeCommand(client, metrics);
    else this.onDeviceCommand(topic.slice(dcmdPrefix.length), metrics);
  }

  private onNodeCommand(client: MqttClient, metrics: CommandMetric[]) {
    for (const m of metrics) {
      const on = m.value?.field === 'bool' && m.value.value;
      if (m.name === REBIRTH_METRIC && on) {
        this.log.info('rebirth requested by NCMD');
        if (this.state === 'online') this.birth();
      } else if (m.name === NEXT_SERVER_METRIC && on) {
        this.log.info('next server requested by NCMD');
        if (this.state === 'online') void this.publishDeath(client).then(() => client.end());
      } else if (m.name === REBOOT_METRIC && on) {
        this.log.info('reboot requested by NCMD');
        this.opts.onReboot?.();
      } else {
        this.log.warn({ metric: m.name ?? m.alias }, 'unsupported NCMD metric ignored');
      }
    }
  }

  /** DCMD: each metric resolved by name or alias against our births, typed by them; refusals go along with the reason. */
  private onDeviceCommand(device: string, metrics: CommandMetric[]) {
    const byName = this.metrics.get(device);
    const from = this.opts.config.primaryHostId ?? 'a Sparkplug host';
    if (!byName || !this.bornDevices.has(device)) {
      this.log.warn({ device }, 'DCMD for a device that is not born on this node: ignored');
      this.opts.onDeviceCommand?.(
        device,
        metrics.map((m) => ({ tag: m.name ?? `alias ${m.alias}`, error: `device "${device}" is not online on this edge node` })),
        from,
      );
      return;
    }
    const commands: DeviceCommand[] = metrics.map((m) => {
      const info = m.name !== undefined ? byName.get(m.name) : [...byName.values()].find((x) => x.alias === m.alias);
      const label = m.name ?? `alias ${m.alias}`;
      if (!info || (m.name !== undefined && m.alias !== undefined && info.alias !== m.alias)) return { tag: label, error: `${device} has no metric ${label}` };
      const decoded = commandValue(m, info.datatype);
      return 'error' in decoded ? { tag: info.name, error: decoded.error, requested: m.value?.value } : { tag: info.name, value: decoded.value };
    });
    this.opts.onDeviceCommand?.(device, commands, from);
  }

  /**
   * The primary host's STATE (JSON {online, timestamp}). Stale messages (older
   * than the newest seen) are ignored; online allows births; offline means
   * NDEATH, disconnect and the next server
   * (operational-behavior-edge-node-termination-host-offline).
   */
  private onState(client: MqttClient, payload: Buffer): void {
    let state: { online?: unknown; timestamp?: unknown };
    try {
      state = JSON.parse(payload.toString('utf8'));
    } catch {
      this.log.warn({ bytes: payload.length }, 'STATE message is not JSON: ignored');
      return;
    }
    if (typeof state?.online !== 'boolean' || typeof state.timestamp !== 'number') {
      this.log.warn('STATE message without a boolean "online" and a numeric "timestamp": ignored');
      return;
    }
    if (state.timestamp < this.lastStateTs) {
      this.log.info({ timestamp: state.timestamp, newest: this.lastStateTs }, 'stale STATE ignored');
      return;
    }
    this.lastStateTs = state.timestamp;
    this.primaryOnline = state.online;
    if (state.online) {
      if (this.state === 'waiting-for-host' && this.client === client) {
        this.log.info('primary host online');
        this.birth();
      }
      return;
    }
    // Offline before our birth (a retained STATE, say): keep waiting. After it: end the session.
    if (this.state !== 'online') return;
    this.log.warn('primary host offline: NDEATH, disconnect, next server');
    void (async () => {
      await this.publishDeath(client);
      client.end();
    })();
    this.state = 'disconnected';
    this.opts.clock.clearTimeout(this.replayTimer);
  }

  /**
   * A device message with the next seq. A DDATA larger than the broker's maximum
   * packet size goes as several; a birth cannot be split: it is refused with the
   * reason (false), and the device's values wait in the store.
   */
  private publishDevice(type: 'DBIRTH' | 'DDATA' | 'DDEATH', device: string, metrics: MetricOut[]): boolean {
    const { groupId, edgeNodeId } = this.opts.config;
    const topic = deviceTopic(groupId, type, edgeNodeId, device);
    const payload = encodePayload(this.opts.clock.now(), metrics, (this.seq + 1) % 256);
    if (!this.fits(topic, payload)) {
      if (type === 'DDATA' && metrics.length > 1) {
        const half = Math.ceil(metrics.length / 2);
        return this.publishDevice(type, device, metrics.slice(0, half)) && this.publishDevice(type, device, metrics.slice(half));
      }
      this.lastError = `the ${type} of ${device} is ${payload.length} bytes, more than the broker accepts (maximum packet size ${this.brokerLimits?.maximumPacketSize}): raise the broker's limit, or split the device`;
      this.log.error({ device, bytes: payload.length, maximumPacketSize: this.brokerLimits?.maximumPacketSize }, `${type} too large for the broker`);
      return false;
    }
    this.nextSeq();
    this.publish(topic, payload);
    return true;
  }

  /** Whether a PUBLISH of this topic and payload is within the broker's maximum packet size (MQTT 5). */
  private fits(topic: string, payload: Uint8Array): boolean {
    const max = this.brokerLimits?.maximumPacketSize;
    // Fixed header (at most 5), topic length (2) and topic, properties length (1), payload.
    return max === undefined || 5 + 2 + Buffer.byteLength(topic) + 1 + payload.length <= max;
  }

  private publish(topic: string, payload: Uint8Array): void {
    const client = this.client;
    if (!client) return;
    if (!this.fits(topic, payload)) {
      this.lastError = `${topic} is ${payload.length} bytes, more than the broker accepts (maximum packet size ${this.brokerLimits?.maximumPacketSize})`;
      this.log.error({ topic, bytes: payload.length }, 'message too large for the broker');
      return;
    }
    this.counters.messagesPublished++;
    this.counters.bytesPublished += payload.length;
    this.lastPublished = topic;
    client.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.length), { qos: 0, retain: false });
  }
}
