/**
 * The OPC UA simulator: a node-opcua server with a filling line (a state
 * machine, part counters, a temperature under a control loop with a writable
 * setpoint, a writable speed, alarms), a folder with one writable variable of
 * every supported type, and optionally thousands of changing variables for
 * benchmarks. Every NodeId is a stable string in the namespace
 * `urn:plexus:simulator`. Its certificate lives in `<dataDir>/opcua-simulator-pki`,
 * so a restarted simulator presents the same certificate.
 */
import path from 'node:path';
import type { OPCUAServer, UAObject, Variant } from 'node-opcua';
import { loadOpcua, type NodeOpcua } from '../../drivers/opcua/load.ts';
import { toWords } from '../../drivers/opcua/values.ts';
import { type Clock, systemClock } from '../../src/clock.ts';
import type { RunningSimulator } from '../registry.ts';
import { type OpcuaSimulatorConfig, SIMULATOR_NAMESPACE } from './config.ts';

export type LineState = 'Idle' | 'Running' | 'Stopped' | 'Fault';
const STATE_CODE: Record<LineState, number> = { Idle: 0, Running: 1, Stopped: 2, Fault: 3 };

/** The filling line's physics, advanced by tick(); pure apart from its random source. */
export class FillingLine {
  state: LineState = 'Idle';
  speed = 600;
  actualSpeed = 0;
  good = 0;
  bad = 0;
  temperature = 21;
  setpoint = 65;
  jam = false;
  batch = 1;
  batchStart: Date;
  private partials = 0;
  private seed = 12345;

  constructor(
    private readonly jamEveryS: number,
    now: number,
  ) {
    this.batchStart = new Date(now);
  }

  get total(): bigint {
    return BigInt(this.good + this.bad);
  }

  get highTemperature(): boolean {
    return this.temperature > this.setpoint + 5;
  }

  get batchId(): string {
    return `B${String(this.batch).padStart(5, '0')}`;
  }

  /** Applies an operator command; returns why it was refused, if it was. */
  command(cmd: string): string | undefined {
    if (cmd === 'start' && (this.state === 'Idle' || this.state === 'Stopped')) this.state = 'Running';
    else if (cmd === 'stop' && this.state === 'Running') this.state = 'Stopped';
    else if (cmd === 'reset' && this.state !== 'Running') {
      this.state = 'Idle';
      this.jam = false;
    } else return `cannot ${cmd} while ${this.state}`;
    return undefined;
  }

  tick(dtS: number, now: number): void {
    const target = this.state === 'Running' ? this.speed : 0;
    const maxStep = 200 * dtS; // bottles/min per second of acceleration
    this.actualSpeed += Math.max(-maxStep, Math.min(maxStep, target - this.actualSpeed));
    this.partials += (this.actualSpeed / 60) * dtS;
    while (this.partials >= 1) {
      this.partials -= 1;
      if (this.random() < 0.02) this.bad++;
      else this.good++;
      if ((this.good + this.bad) % 1000 === 0) {
        this.batch++;
        this.batchStart = new Date(now);
      }
    }
    // First-order heater loop towards the setpoint, with a little sensor noise.
    this.temperature += ((this.setpoint - this.temperature) * dtS) / 20 + (this.random() - 0.5) * 0.05;
    if (this.state === 'Running' && this.jamEveryS > 0 && this.random() < dtS / this.jamEveryS) {
      this.state = 'Fault';
      this.jam = true;
    }
  }

  get stateCode(): number {
    return STATE_CODE[this.state];
  }

  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }
}

/** Initial values of the Types folder: one writable variable per OPC UA type the gateway maps. */
const TYPE_SAMPLES: [name: string, value: unknown][] = [
  ['Boolean', true],
  ['SByte', -100],
  ['Byte', 200],
  ['Int16', -30000],
  ['UInt16', 60000],
  ['Int32', -2000000000],
  ['UInt32', 4000000000],
  ['Int64', toWords(-8589934591n)],
  ['UInt64', toWords(17592186044416n)],
  ['Float', 1.5],
  ['Double', Math.PI],
  ['String', 'hello'],
  ['DateTime', new Date('2026-01-02T03:04:05.678Z')],
  ['ByteString', Buffer.from([0xde, 0xad, 0xbe, 0xef])],
];

export class OpcuaSimulator implements RunningSimulator {
  readonly line: FillingLine;
  private server?: OPCUAServer;
  private timer: unknown;
  private readonly clock: Clock;
  private readonly t0: number;

  constructor(
    private readonly config: OpcuaSimulatorConfig,
    private readonly opts: { host?: string; port?: number; clock?: Clock; dataDir?: string } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.t0 = this.clock.now();
    this.line = new FillingLine(config.jamEveryS, this.t0);
    if (config.startRunning) this.line.command('start');
  }

  get endpointUrl(): string {
    return `opc.tcp://${this.opts.host ?? '127.0.0.1'}:${this.server?.endpoints[0]?.port}`;
  }

  /** Sessions and subscriptions the server holds now (restarts must not pile them up). */
  get counts(): { sessions: number; subscriptions: number } {
    const engine = this.server?.engine;
    return { sessions: engine?.currentSessionCount ?? 0, subscriptions: engine?.currentSubscriptionCount ?? 0 };
  }

  async start(): Promise<number> {
    const ua = loadOpcua();
    const { config } = this;
    const serverCertificateManager = new ua.OPCUACertificateManager({
      rootFolder: path.join(this.opts.dataDir ?? 'data', 'opcua-simulator-pki'),
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    });
    await serverCertificateManager.initialize();
    const host = this.opts.host ?? '127.0.0.1';
    const server = new ua.OPCUAServer({
      port: this.opts.port ?? 4840,
      host,
      hostname: host,
      serverCertificateManager,
      securityModes: config.securityModes.map((m) => ua.MessageSecurityMode[m]),
      securityPolicies: config.securityPolicies.map((p) => ua.SecurityPolicy[p]),
      allowAnonymous: config.allowAnonymous,
      userManager: { isValidUser: (username: string, password: string) => config.users.some((u) => u.username === username && u.password === password) },
      buildInfo: { productName: 'Plexus OPC UA simulator', manufacturerName: 'Plexus' },
      serverCapabilities: { maxSessions: 50, operationLimits: { maxNodesPerRead: 1000, maxNodesPerWrite: 1000, maxNodesPerBrowse: 1000 } },
    });
    this.server = server;
    await server.initialize();
    this.build(ua, server);
    await server.start();
    let last = this.clock.now();
    const tick = () => {
      const now = this.clock.now();
      this.line.tick((now - last) / 1000, now);
      last = now;
      this.timer = this.clock.setTimeout(tick, config.tickMs);
    };
    this.timer = this.clock.setTimeout(tick, config.tickMs);
    return server.endpoints[0]?.port as number;
  }

  async stop(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await server.shutdown(0);
    await server.serverCertificateManager.dispose();
  }

  private build(ua: NodeOpcua, server: OPCUAServer) {
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('the OPC UA server has no address space');
    const ns = addressSpace.registerNamespace(SIMULATOR_NAMESPACE);
    const objects = addressSpace.rootFolder.objects;
    const { line } = this;
    const variable = (
      parent: UAObject,
      id: string,
      dataType: keyof typeof ua.DataType,
      get: () => unknown,
      set?: (value: unknown) => string | undefined,
      valueRank = -1,
    ) => {
      const type = ua.DataType[dataType];
      ns.addVariable({
        componentOf: parent,
        browseName: id.split('.').at(-1) as string,
        nodeId: `s=${id}`,
        dataType,
        valueRank,
        arrayDimensions: valueRank === 1 ? [0] : undefined,
        minimumSamplingInterval: 50,
        accessLevel: set ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
        userAccessLevel: set ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
        value: {
          get: () => new ua.Variant({ dataType: type, arrayType: valueRank === 1 ? ua.VariantArrayType.Array : ua.VariantArrayType.Scalar, value: get() }),
          set: set
            ? (v: Variant) => {
                const refused = set(v.value);
                return refused ? ua.StatusCodes.BadOutOfRange : ua.StatusCodes.Good;
              }
            : undefined,
        },
      });
    };
    const folder = (id: string, parent?: UAObject) => {
      const where = parent ? { componentOf: parent } : { organizedBy: objects };
      return ns.addObject({ ...where, browseName: id.split('.').at(-1) as string, nodeId: `s=${id}` });
    };

    const fl = folder('FillingLine');
    variable(fl, 'FillingLine.State', 'String', () => line.state);
    variable(fl, 'FillingLine.StateCode', 'Int32', () => line.stateCode);
    variable(
      fl,
      'FillingLine.Command',
      'String',
      () => '',
      (v) => line.command(String(v)),
    );
    variable(
      fl,
      'FillingLine.Speed',
      'Double',
      () => line.speed,
      (v) => {
        if (typeof v !== 'number' || v < 0 || v > 1200) return 'speed is 0..1200 bottles/min';
        line.speed = v;
        return undefined;
      },
    );
    variable(fl, 'FillingLine.ActualSpeed', 'Double', () => line.actualSpeed);
    variable(fl, 'FillingLine.GoodCount', 'UInt32', () => line.good);
    variable(fl, 'FillingLine.BadCount', 'UInt32', () => line.bad);
    variable(fl, 'FillingLine.TotalCount', 'UInt64', () => toWords(line.total));
    variable(fl, 'FillingLine.Temperature', 'Double', () => line.temperature);
    variable(
      fl,
      'FillingLine.TemperatureSetpoint',
      'Double',
      () => line.setpoint,
      (v) => {
        if (typeof v !== 'number' || v < 20 || v > 120) return 'setpoint is 20..120 °C';
        line.setpoint = v;
        return undefined;
      },
    );
    variable(fl, 'FillingLine.BatchId', 'String', () => line.batchId);
    variable(fl, 'FillingLine.BatchStart', 'DateTime', () => line.batchStart);
    const alarms = folder('FillingLine.Alarms', fl);
    variable(alarms, 'FillingLine.Alarms.HighTemperature', 'Boolean', () => line.highTemperature);
    variable(alarms, 'FillingLine.Alarms.Jam', 'Boolean', () => line.jam);

    const types = folder('Types');
    for (const [name, initial] of TYPE_SAMPLES) {
      let value = initial;
      variable(
        types,
        `Types.${name}`,
        name as keyof typeof ua.DataType,
        () => value,
        (v) => {
          value = v;
          return undefined;
        },
      );
    }
    variable(types, 'Types.ReadOnlyInt32', 'Int32', () => 42);
    let array = [1.5, 2.5, 3.5];
    variable(
      types,
      'Types.DoubleArray',
      'Double',
      () => array,
      (v) => {
        array = [...(v as number[])];
        return undefined;
      },
      1,
    );

    const diagnostics = folder('Simulator');
    variable(diagnostics, 'Simulator.Sessions', 'UInt32', () => this.counts.sessions);
    variable(diagnostics, 'Simulator.Subscriptions', 'UInt32', () => this.counts.subscriptions);

    const { count, changeEveryMs } = this.config.bulk;
    if (count > 0) {
      const bulk = folder('Bulk');
      for (let i = 0; i < count; i++) variable(bulk, `Bulk.V${i}`, 'Double', () => Math.floor((this.clock.now() - this.t0) / changeEveryMs) + i);
    }
  }
}
