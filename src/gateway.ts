/**
 * The composition root: builds every part from the configuration, starts them
 * in order (broker, simulators, northbound, devices, API) and stops them in
 * reverse. Constructors only store; start() opens sockets and timers.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type BrowseNode, type BrowseRequest, type CertificateInfo, type ConnectionState, type Driver, type Sample, WriteError } from '../drivers/contract.ts';
import { driverPlugins } from '../drivers/registry.ts';
import { type RunningSimulator, simulatorPlugins } from '../simulators/registry.ts';
import { OeeCalculator, type OeeSnapshot, oeeMetrics, resolveOee } from './analytics/oee.ts';
import { buildApp } from './api/app.ts';
import { Auth } from './api/auth.ts';
import { EventLog } from './api/event-log.ts';
import { TokenStore } from './api/tokens.ts';
import { UserStore } from './api/users.ts';
import type { EmbeddedBroker } from './broker/embedded-broker.ts';
import { type Clock, systemClock } from './clock.ts';
import { ConfigRepository } from './config/repository.ts';
import type { Config, DeviceConfig, TagConfig } from './config/schema.ts';
import { type ConfigChanges, ConfigService, diffConfig } from './config/service.ts';
import { runningDevices } from './config/templates.ts';
import { type Db, readMeta, writeMeta } from './database.ts';
import { PlexusError } from './errors.ts';
import { EventBus, type TagUpdate } from './events.ts';
import { LiveValues } from './live-values.ts';
import { type CompiledExpression, compileExpression, type ExprContext, InputError } from './pipeline/expression.ts';
import { buildPipeline, computeSample, type TagPipeline } from './pipeline/pipeline.ts';
import { GroupScheduler } from './scheduler/group-scheduler.ts';
import { SerialQueue } from './serial-queue.ts';
import { SharedResources } from './shared-resources.ts';
import type { PropertyValue } from './sparkplug/codec.ts';
import { type DeviceCommand, type DeviceModel, EdgeNode } from './sparkplug/edge-node.ts';
import { defaultStoreBytes, SqliteStore } from './store/store.ts';
import { AuditLog } from './writes/audit-log.ts';
import { WriteService, type WriteTarget } from './writes/write-service.ts';

export interface GatewayOptions {
  config: Readonly<Config>;
  db: Db;
  /** Where the database lives; protocol state (OPC UA certificates) goes under it. */
  dataDir: string;
  log: Logger;
  clock?: Clock;
}

interface DeviceRuntime {
  config: DeviceConfig;
  driver?: Driver;
  log: Logger;
  schedulers: Map<string, GroupScheduler>;
  pipelines: Map<string, TagPipeline>;
  /** Computed tags, in configuration order, with the tags they read. */
  computed: { name: string; formula: CompiledExpression; references: string[] }[];
  /** The device's reads and writes, one at a time. */
  queue: SerialQueue;
  /** Reads another tag's current good value, for formulas. */
  lookup: ExprContext['lookup'];
  /** True once the device has been read after its connection came up. */
  up: boolean;
  /** True when a tag has aggregate windows to close. */
  aggregates: boolean;
  /** The device's OEE, moved on by the same timer as the aggregate windows. */
  oee?: OeeCalculator;
  /** The group of every metric (aggregate metrics under their source tag's group), for live-value filters. */
  tagGroups: Map<string, string>;
}

export interface ConnectionTest {
  ok: boolean;
  state: ConnectionState['state'];
  message: string;
  latencyMs: number;
  values?: Pick<Sample, 'tag' | 'value' | 'quality' | 'reason'>[];
}

/** How often aggregate windows are checked for closing when no value closes them. */
const WINDOW_FLUSH_MS = 1000;

/** A tag's metadata as Sparkplug metric properties, under the names Ignition reads as tag properties. */
function metricProperties(tag: TagConfig | undefined): Record<string, PropertyValue> | undefined {
  if (!tag || (tag.unit === undefined && tag.description === undefined && !tag.properties)) return undefined;
  return {
    ...(tag.unit !== undefined ? { engUnit: tag.unit } : {}),
    ...(tag.description !== undefined ? { documentation: tag.description } : {}),
    ...tag.properties,
  };
}

export interface GatewayAddresses {
  api?: string;
  broker?: number;
  simulators: { protocol: string; port: number }[];
}

export class Gateway {
  readonly values = new LiveValues();
  readonly bus: EventBus;
  /** Rebuilt when the northbound settings change. */
  edgeNode: EdgeNode;
  readonly writes: WriteService;
  readonly audit: AuditLog;
  /** Configuration, user and security changes. */
  readonly events: EventLog;
  readonly auth: Auth;
  readonly configService: ConfigService;
  private running: Readonly<Config>;
  private readonly devices = new Map<string, DeviceRuntime>();
  private readonly simulators: { protocol: string; sim: RunningSimulator; port: number }[] = [];
  private broker?: EmbeddedBroker;
  private flushTimer?: unknown;
  /** Connections devices share (e.g. Modbus units behind one TCP gateway). */
  private readonly shared = new SharedResources();
  private api?: FastifyInstance;
  private readonly clock: Clock;
  private readonly log: Logger;
  private stopped = false;
  readonly addresses: GatewayAddresses = { simulators: [] };

  constructor(private readonly opts: GatewayOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.running = opts.config;
    this.bus = new EventBus(opts.log);
    for (const device of runningDevices(opts.config).filter((d) => d.enabled)) this.devices.set(device.name, this.buildRuntime(device));
    this.edgeNode = this.buildEdgeNode();
    this.audit = new AuditLog(opts.db, opts.config.writes.auditMaxEntries);
    this.writes = new WriteService(this.writeTarget(), this.audit, this.clock, opts.config.writes.timeoutMs);
    this.events = new EventLog(opts.db);
    this.auth = new Auth({ users: new UserStore(opts.db), tokens: new TokenStore(opts.db), events: this.events, log: opts.log.child({ component: 'auth' }) });
    this.configService = new ConfigService(new ConfigRepository(opts.db), this, this.events);
  }

  /** The configuration that runs now. */
  get config(): Readonly<Config> {
    return this.running;
  }

  private deviceModel(runtime: DeviceRuntime): DeviceModel {
    const { config } = runtime;
    const tags = new Map(config.groups.flatMap((g) => g.tags.map((t) => [t.name, t] as const)));
    return {
      name: config.name,
      tags: [
        ...[...runtime.pipelines.entries()].flatMap(([name, p]) => [
          { name, type: p.outputType, properties: metricProperties(tags.get(name)) },
          ...p.aggregateMetrics,
        ]),
        ...(config.oee ? oeeMetrics(config.oee) : []),
      ],
      properties: config.properties,
    };
  }

  private buildEdgeNode(): EdgeNode {
    const { northbound } = this.config;
    const db = this.opts.db;
    return new EdgeNode({
      config: northbound,
      devices: [...this.devices.values()].map((d) => this.deviceModel(d)),
      values: this.values,
      bdSeqStore: {
        load: () => {
          const v = readMeta(db, 'bdSeq');
          return v === undefined ? undefined : Number(v);
        },
        save: (bdSeq) => writeMeta(db, 'bdSeq', String(bdSeq)),
      },
      store: new SqliteStore(
        db,
        { maxBytes: northbound.store.maxBytes ?? defaultStoreBytes(this.opts.dataDir), maxAgeMs: northbound.store.maxAgeS && northbound.store.maxAgeS * 1000 },
        this.log.child({ component: 'store' }),
        this.clock,
      ),
      log: this.log,
      clock: this.clock,
      onDeviceCommand: (device, commands, from) => void this.onDeviceCommand(device, commands, from),
      onReboot: () => void this.reboot(),
    });
  }

  /** Gateway-wide read-only mode: the configuration's, or the one switched at run time (kept in the database). */
  get readOnly(): boolean {
    return this.config.writes.readOnly || readMeta(this.opts.db, 'readOnly') === 'true';
  }

  setReadOnly(enabled: boolean): void {
    writeMeta(this.opts.db, 'readOnly', String(enabled));
    this.log.warn({ readOnly: this.readOnly }, 'read-only mode switched');
  }

  private writeTarget(): WriteTarget {
    return {
      tag: (device, tag) => {
        const runtime = this.devices.get(device);
        if (!runtime) {
          const disabled = this.config.devices.find((d) => d.name === device);
          return disabled
            ? { code: 'PLX_WRITE_DEVICE_DISABLED', message: `device "${device}" is disabled` }
            : { code: 'PLX_WRITE_UNKNOWN_TAG', message: `there is no device "${device}"` };
        }
        const config = runtime.config.groups.flatMap((g) => g.tags).find((t) => t.name === tag);
        const pipeline = runtime.pipelines.get(tag);
        if (!config || !pipeline) return { code: 'PLX_WRITE_UNKNOWN_TAG', message: `device "${device}" has no tag "${tag}"` };
        return { config, pipeline };
      },
      refusal: (device) => {
        if (this.readOnly) return { code: 'PLX_WRITE_READ_ONLY_MODE', message: 'the gateway is in read-only mode: no writes' };
        if (this.devices.get(device)?.config.readOnly) return { code: 'PLX_WRITE_READ_ONLY_MODE', message: `device "${device}" is read-only: no writes` };
        return undefined;
      },
      write: (device, tag, raw) => {
        const runtime = this.runtimeFor(device);
        return runtime.queue.run(async () => {
          if (!runtime.driver) throw new WriteError('NOT_CONNECTED', `device "${device}" is not running`);
          await runtime.driver.write(tag, raw);
        });
      },
      readBack: (device, tags) => {
        const runtime = this.runtimeFor(device);
        const groups = runtime.config.groups.filter((g) => g.tags.some((t) => t.address !== undefined && tags.includes(t.name)));
        return runtime.queue.run(async () => {
          // Read back at once, and publish the new values now rather than at the next poll.
          for (const g of groups) {
            const samples = (await runtime.driver?.read(g.name)) ?? [];
            this.report(runtime, this.applySamples(runtime, samples));
          }
          return new Map(tags.map((t) => [t, this.values.get(device, t)]));
        });
      },
    };
  }

  /** A device's runtime, for a write that may race a configuration change that removed it. */
  private runtimeFor(device: string): DeviceRuntime {
    const runtime = this.devices.get(device);
    if (!runtime) throw new WriteError('NOT_CONNECTED', `device "${device}" was removed or reconfigured during the write`);
    return runtime;
  }

  private async onDeviceCommand(device: string, commands: DeviceCommand[], from: string): Promise<void> {
    const requests = commands.map((c) =>
      'error' in c
        ? { device, tag: c.tag, value: c.requested, refused: { code: 'PLX_WRITE_BAD_COMMAND', message: c.error } }
        : { device, tag: c.tag, value: c.value },
    );
    for (const result of await this.writes.writeAll(requests, { kind: 'dcmd', who: from })) {
      if (!result.ok) this.log.warn({ device, tag: result.tag, code: result.code, reason: result.message }, 'DCMD write refused');
    }
  }

  /** NCMD Node Control/Reboot: drivers and the Sparkplug session restart cleanly. */
  async reboot(): Promise<void> {
    this.log.warn('rebooting: restarting drivers and the Sparkplug session');
    for (const runtime of this.devices.values()) {
      for (const s of runtime.schedulers.values()) s.stop();
      runtime.schedulers.clear();
      await runtime.driver?.stop();
      runtime.up = false;
    }
    await this.edgeNode.stop();
    this.edgeNode.start();
    for (const runtime of this.devices.values()) await this.startDevice(runtime);
  }

  async start(): Promise<void> {
    const { config } = this;
    if (config.broker.enabled) {
      // aedes is loaded only when the embedded broker is wanted.
      const { EmbeddedBroker } = await import('./broker/embedded-broker.ts');
      this.broker = new EmbeddedBroker(config.broker);
      this.addresses.broker = await this.broker.start();
      this.log.info({ port: this.addresses.broker }, 'embedded MQTT broker listening');
    }
    for (const s of config.simulators) {
      const sim = (simulatorPlugins[s.protocol] as (typeof simulatorPlugins)[string]).create(s.config, { ...s, dataDir: this.opts.dataDir });
      let port: number;
      try {
        port = await sim.start();
      } catch (err) {
        // A simulator whose native part did not build here (node-snap7) is skipped; the gateway runs on.
        if ((err as { code?: string }).code !== 'PLX_SIMULATOR_UNAVAILABLE') throw err;
        this.log.warn({ protocol: s.protocol, reason: (err as Error).message }, 'simulator unavailable: skipped');
        continue;
      }
      this.simulators.push({ protocol: s.protocol, sim, port });
      this.addresses.simulators.push({ protocol: s.protocol, port });
      this.log.info({ protocol: s.protocol, port }, 'simulator listening');
    }
    this.bus.on(this, 'tag.updates', ({ device, updates }) => this.edgeNode.publishData(device, updates));
    this.edgeNode.start();
    for (const runtime of this.devices.values()) await this.startDevice(runtime);
    this.ensureWindowFlush();
    if (config.api.enabled) {
      this.api = await buildApp(this);
      const url = await this.api.listen({ host: config.api.host, port: config.api.port });
      this.addresses.api = url;
      this.log.info({ url }, 'HTTP API and web UI listening');
      this.auth.announce(url);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.api?.close();
    this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const runtime of this.devices.values()) {
      for (const s of runtime.schedulers.values()) s.stop();
      await runtime.driver?.stop();
      this.saveOee(runtime);
    }
    await this.edgeNode.stop();
    this.bus.removeOwner(this);
    for (const { sim } of this.simulators.splice(0)) await sim.stop();
    await this.broker?.stop();
  }

  /**
   * Runs a new (validated) configuration: only devices that were added, removed
   * or changed restart, each with its DDEATH/DBIRTH; a northbound change starts
   * a new Sparkplug session. The API, embedded broker and simulators change at
   * the next start.
   */
  async applyConfig(next: Readonly<Config>): Promise<ConfigChanges> {
    const changes = diffConfig(this.config, next);
    this.running = next;
    for (const name of [...changes.removed, ...changes.changed]) await this.removeDevice(name);
    if (changes.northbound) {
      await this.edgeNode.stop();
      this.edgeNode = this.buildEdgeNode();
    }
    for (const name of [...changes.added, ...changes.changed]) {
      const runtime = this.buildRuntime(runningDevices(next).find((d) => d.name === name) as DeviceConfig);
      this.devices.set(name, runtime);
      this.edgeNode.setDevice(this.deviceModel(runtime));
      if (!this.stopped) await this.startDevice(runtime);
    }
    if (changes.northbound && !this.stopped) {
      this.edgeNode.start();
      for (const d of this.devices.values()) if (d.up) this.edgeNode.deviceUp(d.config.name);
    }
    this.ensureWindowFlush();
    return changes;
  }

  /** Stops a device's driver; it dies upstream (DDEATH) and leaves the live values. */
  private async removeDevice(name: string): Promise<void> {
    const runtime = this.devices.get(name);
    if (!runtime) return;
    this.devices.delete(name);
    for (const s of runtime.schedulers.values()) s.stop();
    await runtime.queue.run(async () => runtime.driver?.stop());
    this.saveOee(runtime);
    this.edgeNode.removeDevice(name);
    this.values.forget(name);
  }

  /**
   * Connects to a device with settings that are not saved, reads its first
   * group once and disconnects: the "test connection" button.
   */
  async testConnection(config: DeviceConfig, timeoutMs = 8000): Promise<ConnectionTest> {
    const plugin = driverPlugins[config.protocol] as (typeof driverPlugins)[string];
    const started = this.clock.now();
    const group = config.groups.find((g) => g.tags.some((t) => t.address !== undefined));
    let settle: (state: ConnectionState) => void = () => {};
    const settled = new Promise<ConnectionState>((resolve) => {
      settle = resolve;
    });
    const driver = await plugin.create(
      {
        name: config.name,
        connection: config.connection,
        groups: group ? [{ ...group, tags: group.tags.flatMap((t) => (t.address === undefined ? [] : [{ ...t, address: t.address }])) }] : [],
      },
      {
        log: this.log.child({ device: config.name, test: true }),
        clock: this.clock,
        onStateChange: (state) => {
          if (state.state === 'connected' || state.state === 'backing-off') settle(state);
        },
        onSamples: () => {},
        shared: new SharedResources(),
        dataDir: this.opts.dataDir,
      },
    );
    const timer = this.clock.setTimeout(() => settle({ state: 'backing-off', retryInMs: 0, reason: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    try {
      driver.start();
      const state = await settled;
      if (state.state !== 'connected')
        return { ok: false, state: state.state, message: state.state === 'backing-off' ? state.reason : state.state, latencyMs: this.clock.now() - started };
      const connectedMs = this.clock.now() - started;
      if (!group) return { ok: true, state: 'connected', message: 'connected (no tags to read yet)', latencyMs: connectedMs };
      const samples = await driver.read(group.name);
      const good = samples.filter((x) => x.quality === 'good').length;
      return {
        ok: good > 0,
        state: 'connected',
        message: `connected; read ${good} of ${samples.length} tag(s) of group "${group.name}"`,
        latencyMs: connectedMs,
        values: samples.map((x) => ({ tag: x.tag, value: x.value, quality: x.quality, reason: x.reason })),
      };
    } catch (err) {
      return { ok: false, state: 'connected', message: (err as Error).message, latencyMs: this.clock.now() - started };
    } finally {
      this.clock.clearTimeout(timer);
      await driver.stop();
    }
  }

  /** The HTTP API once started (tests use its inject()). */
  get http(): FastifyInstance | undefined {
    return this.api;
  }

  deviceStatuses() {
    return [...this.devices.values()].map((d) => ({
      name: d.config.name,
      protocol: d.config.protocol,
      connection: d.driver?.connection ?? { state: 'stopped' },
      stats: d.driver?.stats(),
      groups: [...d.schedulers.entries()].map(([name, s]) => ({ name, ...s.stats })),
    }));
  }

  /** Lists a device's address space (OPC UA), for the tag picker. */
  async browse(device: string, request: BrowseRequest): Promise<BrowseNode[]> {
    const runtime = this.devices.get(device);
    if (!runtime) throw new PlexusError('PLX_NOT_FOUND', `there is no running device "${device}"`, 404);
    const driver = runtime.driver;
    if (!driver?.browse) throw new PlexusError('PLX_NOT_SUPPORTED', `${runtime.config.protocol} devices have no address space to browse`, 400);
    if (driver.connection.state !== 'connected') throw new PlexusError('PLX_NOT_CONNECTED', `device "${device}" is not connected`, 409);
    try {
      return await driver.browse(request);
    } catch (err) {
      throw new PlexusError('PLX_BROWSE_FAILED', `browsing ${device} failed: ${(err as Error).message}`, 502);
    }
  }

  private trustList(protocol: string) {
    const store = driverPlugins[protocol]?.certificates;
    if (!store) throw new PlexusError('PLX_NOT_FOUND', `${protocol} has no certificate trust list`, 404);
    return store;
  }

  /** The server certificates of a protocol (OPC UA): trusted, and refused ones waiting for a decision. */
  certificates(protocol: string): CertificateInfo[] {
    return this.trustList(protocol).list(this.opts.dataDir);
  }

  /** Trusts or rejects a server certificate; devices of the protocol waiting to reconnect try again at once. */
  setCertificateTrust(protocol: string, thumbprint: string, status: 'trusted' | 'rejected', who: string): CertificateInfo {
    const cert = this.trustList(protocol).setTrust(this.opts.dataDir, thumbprint, status);
    if (!cert) throw new PlexusError('PLX_NOT_FOUND', `there is no ${protocol} certificate with thumbprint ${thumbprint}`, 404);
    this.log.warn({ protocol, thumbprint: cert.thumbprint, subject: cert.subject, status, who }, 'server certificate trust changed');
    for (const d of this.devices.values()) if (d.config.protocol === protocol) d.driver?.retryNow?.();
    return cert;
  }

  /** The group of each of a running device's metrics. */
  tagGroups(device: string): ReadonlyMap<string, string> | undefined {
    return this.devices.get(device)?.tagGroups;
  }

  deviceValues(name: string): TagUpdate[] {
    return this.values.device(name);
  }

  /** Builds a device's pipelines once, when the configuration is applied. */
  private buildRuntime(config: DeviceConfig): DeviceRuntime {
    const lookup = (tag: string) => {
      const u = this.values.get(config.name, tag);
      if (u?.quality !== 'good' || u.value === null) throw new InputError(`input "${tag}" has no good value${u?.reason ? ` (${u.reason})` : ''}`);
      if (typeof u.value === 'string') throw new InputError(`input "${tag}" is not a number`);
      return typeof u.value === 'bigint' ? Number(u.value) : u.value;
    };
    const tags = config.groups.flatMap((g) => g.tags);
    const pipelines = new Map(tags.map((t) => [t.name, buildPipeline(t, { lookup })]));
    const oee = config.oee && this.buildOee(config, pipelines);
    // OEE metrics are shown with the group of the state tag (live-value filters by group).
    const oeeGroup = config.oee && config.groups.find((g) => g.tags.some((t) => t.name === config.oee?.state.tag))?.name;
    return {
      config,
      log: this.log.child({ device: config.name }),
      schedulers: new Map(),
      pipelines,
      computed: tags.flatMap((t) => {
        if (t.compute === undefined) return [];
        const formula = compileExpression(t.compute);
        return [{ name: t.name, formula, references: formula.references }];
      }),
      lookup,
      queue: new SerialQueue(),
      up: false,
      aggregates: tags.some((t) => (t.aggregates ?? []).length > 0),
      oee,
      tagGroups: new Map([
        ...config.groups.flatMap((g) =>
          g.tags.flatMap((t) => [[t.name, g.name] as const, ...(pipelines.get(t.name)?.aggregateMetrics ?? []).map((m) => [m.name, g.name] as const)]),
        ),
        ...(config.oee && oeeGroup ? oeeMetrics(config.oee).map((m) => [m.name, oeeGroup] as const) : []),
      ]),
    };
  }

  /** The device's OEE calculator, resuming what it had counted before a restart or a configuration change. */
  private buildOee(config: DeviceConfig, pipelines: Map<string, TagPipeline>): OeeCalculator | undefined {
    if (!config.oee) return undefined;
    const types = new Map([...pipelines].map(([name, p]) => [name, p.outputType]));
    const now = this.clock.now();
    const calc = new OeeCalculator(resolveOee(config.oee, types), now);
    const saved = readMeta(this.opts.db, `oee:${config.name}`);
    if (saved) {
      try {
        if (calc.restore(JSON.parse(saved) as OeeSnapshot, now)) this.log.info({ device: config.name }, 'OEE resumed from its saved state');
      } catch (err) {
        this.log.warn({ device: config.name, err }, 'the saved OEE state could not be read: starting afresh');
      }
    }
    return calc;
  }

  /** Keeps what the OEE has counted so far, for the next start. */
  private saveOee(runtime: DeviceRuntime) {
    if (!runtime.oee || !this.opts.db.open) return;
    writeMeta(this.opts.db, `oee:${runtime.config.name}`, JSON.stringify(runtime.oee.snapshot()));
  }

  private async startDevice(runtime: DeviceRuntime): Promise<void> {
    const { config } = runtime;
    const plugin = driverPlugins[config.protocol];
    if (!plugin) throw new Error(`unknown protocol ${config.protocol}`);
    // Computed tags have no address: the driver never sees them.
    const groups = config.groups.map((g) => ({
      name: g.name,
      intervalMs: g.intervalMs,
      mode: g.mode,
      subscription: g.subscription,
      tags: g.tags.flatMap((t) => (t.address === undefined ? [] : [{ name: t.name, address: t.address, type: t.type, byteOrder: t.byteOrder }])),
    }));
    const driver = await plugin.create(
      { name: config.name, connection: config.connection, groups },
      {
        log: runtime.log,
        clock: this.clock,
        onStateChange: (state) => this.onDeviceState(runtime, state),
        onSamples: (_group, samples) => this.accept(runtime, samples),
        shared: this.shared,
        dataDir: this.opts.dataDir,
      },
    );
    runtime.driver = driver;
    for (const group of groups) {
      if (group.tags.length === 0 || group.mode === 'subscribe') continue;
      const g = config.groups.find((x) => x.name === group.name) as DeviceConfig['groups'][number];
      runtime.schedulers.set(group.name, new GroupScheduler(g.intervalMs, () => this.poll(runtime, driver, group.name), this.clock));
    }
    driver.start();
    for (const s of runtime.schedulers.values()) s.start();
  }

  /**
   * Closes aggregate windows that no value closed, and moves OEE time on (its
   * figures go out every publishS), every second while a device has either.
   */
  private ensureWindowFlush() {
    if (this.flushTimer !== undefined || this.stopped || ![...this.devices.values()].some((d) => d.aggregates || d.oee)) return;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = undefined;
      const now = this.clock.now();
      for (const runtime of this.devices.values()) {
        if (!runtime.aggregates && !runtime.oee) continue;
        const out: TagUpdate[] = [];
        if (runtime.aggregates) for (const p of runtime.pipelines.values()) p.flush(now, out);
        if (runtime.oee?.advance(now, out)) this.saveOee(runtime);
        this.values.update(runtime.config.name, out);
        this.report(runtime, out);
      }
      this.ensureWindowFlush();
    }, WINDOW_FLUSH_MS);
  }

  private onDeviceState(runtime: DeviceRuntime, state: ConnectionState) {
    const name = runtime.config.name;
    this.bus.emit('device.state', { device: name, state });
    if (state.state === 'connected') {
      runtime.log.info('device connected');
      for (const s of runtime.schedulers.values()) s.pollNow();
      return;
    }
    if (state.state === 'backing-off') runtime.log.warn({ reason: state.reason, retryInMs: state.retryInMs }, 'device unreachable');
    if (!runtime.up) return;
    runtime.up = false;
    // Every tag goes bad with the reason; the values stay visible locally, the device dies upstream.
    const reason = state.state === 'backing-off' ? `device disconnected: ${state.reason}` : 'device stopped';
    const samples: Sample[] = [...runtime.pipelines.keys()].map((tag) => ({ tag, value: null, quality: 'bad', reason, sourceTs: this.clock.now() }));
    this.applySamples(runtime, samples);
    this.edgeNode.deviceDown(name);
  }

  private async poll(runtime: DeviceRuntime, driver: Driver, group: string): Promise<void> {
    if (driver.connection.state !== 'connected') return;
    let samples: Sample[];
    try {
      samples = await runtime.queue.run(() => driver.read(group));
    } catch (err) {
      runtime.log.error({ err, group }, 'read failed');
      return;
    }
    this.accept(runtime, samples);
  }

  /** Takes a group's samples, polled or pushed by a subscription. */
  private accept(runtime: DeviceRuntime, samples: Sample[]): void {
    // A device is born upstream once it answers with a value: an open socket to a
    // unit that never answers is not a device that is up.
    if (!runtime.up && !samples.some((s) => s.quality === 'good')) {
      this.applySamples(runtime, samples);
      return;
    }
    const updates = this.applySamples(runtime, samples);
    if (!runtime.up) {
      runtime.up = true;
      this.edgeNode.deviceUp(runtime.config.name); // DBIRTH carries these values
    } else {
      this.report(runtime, updates);
    }
  }

  /** Runs samples through their pipelines, then the computed tags that read what changed, then the OEE. */
  private applySamples(runtime: DeviceRuntime, samples: Sample[]): TagUpdate[] {
    const updates: TagUpdate[] = [];
    for (const sample of samples) runtime.pipelines.get(sample.tag)?.process(sample, updates);
    this.values.update(runtime.config.name, updates);
    if (updates.length === 0) return updates;
    const now = this.clock.now();
    if (runtime.computed.length > 0) {
      const changed = new Set(updates.map((u) => u.tag));
      for (const c of runtime.computed) {
        if (!c.references.some((r) => changed.has(r))) continue;
        const from = updates.length;
        runtime.pipelines.get(c.name)?.process(computeSample(c.name, c.formula, runtime.lookup, now), updates);
        const added = updates.slice(from);
        this.values.update(runtime.config.name, added);
        for (const u of added) changed.add(u.tag);
      }
    }
    if (runtime.oee) {
      // OEE time is the gateway's clock when the value arrives (a device's own clock may be off).
      const from = updates.length;
      for (let i = 0; i < from; i++) {
        const u = updates[i] as TagUpdate;
        runtime.oee.observe(u.tag, u.value, u.quality, u.reason, now, updates);
      }
      this.values.update(runtime.config.name, updates.slice(from));
    }
    return updates;
  }

  /** Hands updates to the live cache's listeners and the Sparkplug side (only while the device is up). */
  private report(runtime: DeviceRuntime, updates: TagUpdate[]) {
    if (updates.length > 0 && runtime.up) this.bus.emit('tag.updates', { device: runtime.config.name, updates });
  }
}
