/**
 * The composition root: builds every part from the configuration, starts them
 * in order (broker, simulators, northbound, devices, API) and stops them in
 * reverse. Constructors only store; start() opens sockets and timers.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ConnectionState, Driver, Sample } from '../drivers/contract.ts';
import { driverPlugins } from '../drivers/registry.ts';
import { type RunningSimulator, simulatorPlugins } from '../simulators/registry.ts';
import { buildApp } from './api/app.ts';
import { EmbeddedBroker } from './broker/embedded-broker.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config, DeviceConfig } from './config/schema.ts';
import { type Db, readMeta, writeMeta } from './database.ts';
import { EventBus, type TagUpdate } from './events.ts';
import { LiveValues } from './live-values.ts';
import { buildPipeline, type TagPipeline } from './pipeline/pipeline.ts';
import { GroupScheduler } from './scheduler/group-scheduler.ts';
import { EdgeNode } from './sparkplug/edge-node.ts';

export interface GatewayOptions {
  config: Readonly<Config>;
  db: Db;
  log: Logger;
  clock?: Clock;
}

interface DeviceRuntime {
  config: DeviceConfig;
  driver: Driver;
  log: Logger;
  schedulers: Map<string, GroupScheduler>;
  pipelines: Map<string, TagPipeline>;
  /** True once the device has been read after its connection came up. */
  up: boolean;
}

export interface GatewayAddresses {
  api?: string;
  broker?: number;
  simulators: { protocol: string; port: number }[];
}

export class Gateway {
  readonly values = new LiveValues();
  readonly bus: EventBus;
  readonly edgeNode: EdgeNode;
  private readonly devices = new Map<string, DeviceRuntime>();
  private readonly simulators: { protocol: string; sim: RunningSimulator; port: number }[] = [];
  private broker?: EmbeddedBroker;
  private api?: FastifyInstance;
  private readonly clock: Clock;
  private readonly log: Logger;
  readonly addresses: GatewayAddresses = { simulators: [] };

  constructor(private readonly opts: GatewayOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.bus = new EventBus(opts.log);
    const enabled = opts.config.devices.filter((d) => d.enabled);
    this.edgeNode = new EdgeNode({
      config: opts.config.northbound,
      devices: enabled.map((d) => ({ name: d.name, tags: d.groups.flatMap((g) => g.tags) })),
      values: this.values,
      bdSeqStore: {
        load: () => {
          const v = readMeta(opts.db, 'bdSeq');
          return v === undefined ? undefined : Number(v);
        },
        save: (bdSeq) => writeMeta(opts.db, 'bdSeq', String(bdSeq)),
      },
      log: opts.log,
      clock: this.clock,
    });
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    if (config.broker.enabled) {
      this.broker = new EmbeddedBroker(config.broker);
      this.addresses.broker = await this.broker.start();
      this.log.info({ port: this.addresses.broker }, 'embedded MQTT broker listening');
    }
    for (const s of config.simulators) {
      const sim = (simulatorPlugins[s.protocol] as (typeof simulatorPlugins)[string]).create(s.config, s);
      const port = await sim.start();
      this.simulators.push({ protocol: s.protocol, sim, port });
      this.addresses.simulators.push({ protocol: s.protocol, port });
      this.log.info({ protocol: s.protocol, port }, 'simulator listening');
    }
    this.bus.on(this, 'tag.updates', ({ device, updates }) => this.edgeNode.publishData(device, updates));
    this.edgeNode.start();
    for (const device of config.devices.filter((d) => d.enabled)) await this.startDevice(device);
    if (config.api.enabled) {
      this.api = buildApp(this);
      const url = await this.api.listen({ host: config.api.host, port: config.api.port });
      this.addresses.api = url;
      this.log.info({ url }, 'HTTP API listening');
    }
  }

  async stop(): Promise<void> {
    await this.api?.close();
    for (const runtime of this.devices.values()) {
      for (const s of runtime.schedulers.values()) s.stop();
      await runtime.driver.stop();
    }
    this.devices.clear();
    await this.edgeNode.stop();
    this.bus.removeOwner(this);
    for (const { sim } of this.simulators.splice(0)) await sim.stop();
    await this.broker?.stop();
  }

  deviceStatuses() {
    return [...this.devices.values()].map((d) => ({
      name: d.config.name,
      protocol: d.config.protocol,
      connection: d.driver.connection,
      stats: d.driver.stats(),
      groups: [...d.schedulers.entries()].map(([name, s]) => ({ name, ...s.stats })),
    }));
  }

  deviceValues(name: string): TagUpdate[] {
    return this.values.device(name);
  }

  private async startDevice(config: DeviceConfig): Promise<void> {
    const plugin = driverPlugins[config.protocol];
    if (!plugin) throw new Error(`unknown protocol ${config.protocol}`);
    const log = this.log.child({ device: config.name });
    const pipelines = new Map(config.groups.flatMap((g) => g.tags.map((t) => [t.name, buildPipeline()] as const)));
    const runtime: DeviceRuntime = { config, log, schedulers: new Map(), pipelines, up: false } as DeviceRuntime;
    runtime.driver = await plugin.create(
      { name: config.name, connection: config.connection, groups: config.groups },
      { log, clock: this.clock, onStateChange: (state) => this.onDeviceState(runtime, state) },
    );
    for (const group of config.groups) {
      runtime.schedulers.set(group.name, new GroupScheduler(group.intervalMs, () => this.poll(runtime, group.name), this.clock));
    }
    this.devices.set(config.name, runtime);
    runtime.driver.start();
    for (const s of runtime.schedulers.values()) s.start();
  }

  private onDeviceState(runtime: DeviceRuntime, state: ConnectionState) {
    const name = runtime.config.name;
    this.values.setState(name, state);
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

  private async poll(runtime: DeviceRuntime, group: string): Promise<void> {
    if (runtime.driver.connection.state !== 'connected') return;
    let samples: Sample[];
    try {
      samples = await runtime.driver.read(group);
    } catch (err) {
      runtime.log.error({ err, group }, 'read failed');
      return;
    }
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
    } else if (updates.length > 0) {
      this.bus.emit('tag.updates', { device: runtime.config.name, updates });
    }
  }

  private applySamples(runtime: DeviceRuntime, samples: Sample[]): TagUpdate[] {
    const updates: TagUpdate[] = [];
    for (const sample of samples) {
      const update = runtime.pipelines.get(sample.tag)?.process(sample);
      if (update) updates.push(update);
    }
    this.values.update(runtime.config.name, updates);
    return updates;
  }
}
