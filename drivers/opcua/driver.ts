/**
 * The OPC UA driver, on node-opcua's client. It makes the first connection
 * itself (so that a refusal has its real reason: an untrusted certificate, a
 * refused identity, a missing endpoint) and retries with back-off. Once
 * connected, node-opcua repairs lost channels and sessions and re-creates
 * subscriptions on a restarted server; a watchdog catches the silent failures
 * (a subscription that stops publishing) and starts over with a fresh
 * session, and a renumbered namespace table does the same.
 */

import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { ClientSession, ClientSubscription, DataValue, OPCUAClient, ReferenceDescription, UserIdentityInfo } from 'node-opcua';
import { coerce, ValueError } from '../../src/pipeline/values.ts';
import { Backoff } from '../backoff.ts';
import type {
  BrowseNode,
  BrowseRequest,
  ConnectionState,
  DeviceSpec,
  Driver,
  DriverDeps,
  DriverGroup,
  DriverStats,
  DriverTag,
  Sample,
  TagValue,
} from '../contract.ts';
import { WriteError } from '../contract.ts';
import { RoundTrips } from '../round-trips.ts';
import { loadOpcua, type NodeOpcua } from './load.ts';
import { formatNodeId, type ParsedNodeId, parseNodeId } from './node-id.ts';
import { ClientPki, pkiFolder } from './pki.ts';
import type { OpcuaConnection } from './settings.ts';
import { qualityOf, toTagValue, toUa, UA_TYPES } from './values.ts';

const OBJECTS_FOLDER = 'ns=0;i=85';
const NAMESPACE_ARRAY = 'ns=0;i=2255';
const MAX_NODES_PER_READ = 'ns=0;i=11705';
const DEFAULT_NODES_PER_READ = 1000;
const WATCHDOG_TICK_MS = 1000;
const ATTR = { DataType: 14, ValueRank: 15, AccessLevel: 17, UserAccessLevel: 18, Value: 13 } as const;

interface GroupSubscription {
  group: string;
  subscription: ClientSubscription;
  lastActivity: number;
  /** Silence longer than this means the subscription is dead. */
  silenceLimitMs: number;
}

export class OpcuaDriver implements Driver {
  connection: ConnectionState = { state: 'stopped' };
  private ua?: NodeOpcua;
  private pki?: ClientPki;
  private client?: OPCUAClient;
  private session?: ClientSession;
  private subscriptions: GroupSubscription[] = [];
  /** Each tag's NodeId as node-opcua takes it, or why it cannot be read. */
  private readonly nodes = new Map<string, string | { error: string }>();
  private readonly parsed = new Map<string, ParsedNodeId>();
  private readonly tags = new Map<string, DriverTag>();
  /** The node's own data type, learnt at the first write. */
  private readonly nodeTypes = new Map<string, number>();
  private namespaces: string[] = [];
  private nodesPerRead = DEFAULT_NODES_PER_READ;
  private readonly backoff = new Backoff();
  private retryTimer: unknown;
  private watchdogTimer: unknown;
  private guardTimer: unknown;
  /** Bumped by every (re)connection and by stop(): callbacks of an older one are ignored. */
  private generation = 0;
  private running = false;
  private readonly pending = new Map<string, Sample[]>();
  private readonly roundTrips = new RoundTrips();
  private readonly counters = { requests: 0, responses: 0, timeouts: 0, errors: 0, reconnects: 0 };
  private lastError?: { message: string; at: number };

  constructor(
    private readonly device: DeviceSpec<OpcuaConnection>,
    private readonly deps: DriverDeps,
  ) {
    for (const tag of device.groups.flatMap((g) => g.tags)) {
      this.tags.set(tag.name, tag);
      const p = parseNodeId(tag.address);
      if (p.ok) this.parsed.set(tag.name, p.node);
    }
  }

  start(): void {
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    for (const timer of [this.retryTimer, this.watchdogTimer, this.guardTimer]) this.deps.clock.clearTimeout(timer);
    await this.teardown(true);
    if (this.pki) await this.deps.shared.release(this.pkiKey);
    this.pki = undefined;
    this.setState({ state: 'stopped' });
  }

  retryNow(): void {
    // Only between our own attempts: while node-opcua repairs a connection, it keeps its own schedule.
    if (this.running && !this.client && this.connection.state === 'backing-off') void this.connect();
  }

  stats(): DriverStats {
    const c = this.device.connection;
    return {
      ...this.counters,
      lastRoundTripMs: this.roundTrips.last,
      ...this.roundTrips.summary(),
      lastError: this.lastError,
      details: {
        endpointUrl: c.endpointUrl,
        securityMode: c.securityMode,
        securityPolicy: c.securityPolicy,
        subscriptions: this.subscriptions.length,
        nodesPerRead: this.nodesPerRead,
      },
    };
  }

  private get pkiKey() {
    return `opcua-pki:${pkiFolder(this.deps.dataDir)}`;
  }

  private setState(state: ConnectionState) {
    this.connection = state;
    this.deps.onStateChange(state);
  }

  private async connect(): Promise<void> {
    this.deps.clock.clearTimeout(this.retryTimer);
    const generation = ++this.generation;
    const c = this.device.connection;
    this.setState({ state: 'connecting' });
    const startedAt = this.deps.clock.now();
    // An attempt that hangs (a server that accepts the socket and says nothing) must not hang the device.
    const limitMs = 3 * c.timeoutMs;
    this.guardTimer = this.deps.clock.setTimeout(() => this.restart(`no answer from ${c.endpointUrl} within ${limitMs / 1000} s`, generation), limitMs);
    let client: OPCUAClient | undefined;
    // stop() or a restart may come at any await: the client this attempt made must not outlive it.
    const abandoned = async () => {
      if (generation === this.generation) return false;
      await client?.disconnect().catch(() => {});
      return true;
    };
    try {
      this.ua ??= loadOpcua(this.deps.log);
      const ua = this.ua;
      this.pki ??= this.deps.shared.acquire(this.pkiKey, () => new ClientPki(ua, this.deps.dataDir));
      const pki = this.pki;
      await pki.refresh();
      if (await abandoned()) return;
      client = ua.OPCUAClient.create({
        applicationName: 'Plexus',
        securityMode: ua.MessageSecurityMode[c.securityMode],
        securityPolicy: ua.SecurityPolicy[c.securityPolicy],
        endpointMustExist: false,
        keepSessionAlive: true,
        requestedSessionTimeout: c.sessionTimeoutMs,
        defaultTransactionTimeout: c.timeoutMs,
        clientCertificateManager: pki.manager,
        // No retry on the first connection: its failure reason is reported and we back off ourselves.
        connectionStrategy: { initialDelay: 1000, maxDelay: 20_000, maxRetry: 0, randomisationFactor: 0.1 },
      });
      this.client = client;
      this.listen(client, generation);
      await client.connect(c.endpointUrl);
      if (await abandoned()) return;
      // From here on node-opcua repairs the channel and the session by itself, trying at least every 5 s
      // (a restarted server is back in business within seconds).
      client.connectionStrategy.maxRetry = -1;
      client.connectionStrategy.maxDelay = 5000;
      const session = await client.createSession(this.identity(ua));
      if (await abandoned()) return;
      this.session = session;
      await this.learnServer(session);
      for (const group of this.device.groups) if (group.mode === 'subscribe' && group.tags.length > 0) await this.subscribe(ua, session, group, generation);
      if (await abandoned()) return;
      this.deps.clock.clearTimeout(this.guardTimer);
      this.backoff.reset();
      this.setState({ state: 'connected' });
      if (this.subscriptions.length > 0) this.armWatchdog(generation);
    } catch (err) {
      if (await abandoned()) return;
      this.deps.clock.clearTimeout(this.guardTimer);
      const reason = this.explain(err as Error, startedAt);
      this.noteError(reason);
      await this.teardown(false);
      this.retry(reason);
    }
  }

  private retry(reason: string) {
    if (!this.running) return;
    const retryInMs = this.backoff.next();
    this.setState({ state: 'backing-off', retryInMs, reason });
    this.retryTimer = this.deps.clock.setTimeout(() => void this.connect(), retryInMs);
  }

  /** Gives up on the current client and session and starts over with new ones. */
  private restart(reason: string, generation: number) {
    if (generation !== this.generation || !this.running) return;
    this.generation++;
    this.counters.reconnects++;
    this.noteError(reason);
    this.deps.log.warn({ reason }, 'OPC UA connection restarted');
    this.deps.clock.clearTimeout(this.watchdogTimer);
    void this.teardown(false).then(() => this.retry(reason));
  }

  private listen(client: OPCUAClient, generation: number) {
    const current = () => generation === this.generation && this.running;
    client.on('connection_lost', () => {
      if (!current()) return;
      this.counters.reconnects++;
      this.setState({ state: 'backing-off', retryInMs: 0, reason: 'connection to the server lost; reconnecting' });
    });
    client.on('backoff', (attempt: number, delay: number) => {
      if (current()) this.setState({ state: 'backing-off', retryInMs: delay, reason: `server unreachable; reconnection attempt ${attempt + 1}` });
    });
    client.on('connection_reestablished', () => {
      if (current()) void this.afterReconnection(generation);
    });
  }

  /** node-opcua has a channel and a session again (and re-created the subscriptions on a restarted server). */
  private async afterReconnection(generation: number) {
    const session = this.session;
    if (!session) return;
    const before = this.namespaces.join('\n');
    try {
      await this.learnServer(session);
    } catch (err) {
      return this.restart(`the server did not answer after reconnecting: ${(err as Error).message}`, generation);
    }
    if (generation !== this.generation) return;
    if (this.namespaces.join('\n') !== before) return this.restart('the server renumbered its namespaces', generation);
    this.nodeTypes.clear();
    const now = this.deps.clock.now();
    for (const s of this.subscriptions) s.lastActivity = now;
    this.setState({ state: 'connected' });
  }

  private async teardown(graceful: boolean) {
    const client = this.client;
    const session = this.session;
    this.client = undefined;
    this.session = undefined;
    this.subscriptions = [];
    this.nodeTypes.clear();
    this.pending.clear();
    if (!client) return;
    // Delete our subscriptions with the session, so that none lingers on the server.
    if (graceful && session && this.connection.state === 'connected') await session.close(true).catch(() => {});
    await client.disconnect().catch(() => {});
  }

  private identity(ua: NodeOpcua): UserIdentityInfo {
    const id = this.device.connection.identity;
    switch (id.kind) {
      case 'anonymous':
        return { type: ua.UserTokenType.Anonymous };
      case 'username':
        return { type: ua.UserTokenType.UserName, userName: id.username, password: id.password };
      case 'certificate':
        return {
          type: ua.UserTokenType.Certificate,
          certificateData: new X509Certificate(fs.readFileSync(id.certificateFile)).raw,
          privateKey: fs.readFileSync(id.privateKeyFile, 'utf8'),
        };
    }
  }

  /** Reads the namespace table (to resolve nsu= NodeIds) and the server's read limit. */
  private async learnServer(session: ClientSession) {
    const [ns, limit] = await session.read([
      { nodeId: NAMESPACE_ARRAY, attributeId: ATTR.Value },
      { nodeId: MAX_NODES_PER_READ, attributeId: ATTR.Value },
    ]);
    this.namespaces = (ns?.value.value as string[] | null) ?? [];
    const serverLimit = Number(limit?.value.value ?? 0);
    this.nodesPerRead = this.device.connection.maxNodesPerRead || (serverLimit > 0 ? serverLimit : DEFAULT_NODES_PER_READ);
    for (const [name, p] of this.parsed) {
      const index = typeof p.namespace === 'number' ? p.namespace : this.namespaces.indexOf(p.namespace);
      this.nodes.set(name, index < 0 ? { error: `the server has no namespace ${p.namespace}` } : formatNodeId(p, index));
    }
  }

  private async subscribe(ua: NodeOpcua, session: ClientSession, group: DriverGroup, generation: number) {
    const intervalMs = group.intervalMs ?? 1000;
    // A keep-alive at least every 5 s, so that a dead subscription is noticed within about 15 s.
    const keepAliveCount = Math.max(1, Math.ceil(5000 / intervalMs));
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: intervalMs,
      requestedMaxKeepAliveCount: keepAliveCount,
      requestedLifetimeCount: keepAliveCount * 10,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    const entry: GroupSubscription = {
      group: group.name,
      subscription,
      lastActivity: this.deps.clock.now(),
      silenceLimitMs: 3 * intervalMs * keepAliveCount + this.device.connection.timeoutMs,
    };
    this.subscriptions.push(entry);
    const touch = () => {
      entry.lastActivity = this.deps.clock.now();
    };
    subscription.on('keepalive', touch);
    subscription.on('received_notifications', touch);
    subscription.on('terminated', () => this.restart(`the server ended the subscription of group ${group.name}`, generation));

    const items: DriverTag[] = [];
    const unresolved: Sample[] = [];
    for (const tag of group.tags) {
      const node = this.nodes.get(tag.name);
      if (typeof node === 'string') items.push(tag);
      else unresolved.push(this.bad(tag.name, node?.error ?? 'not a NodeId'));
    }
    if (unresolved.length > 0) this.push(group.name, unresolved);
    if (items.length === 0) return;
    const deadband = group.subscription?.deadband;
    const monitored = ua.ClientMonitoredItemGroup.create(
      subscription,
      items.map((t) => ({ nodeId: this.nodes.get(t.name) as string, attributeId: ATTR.Value })),
      {
        samplingInterval: intervalMs,
        queueSize: group.subscription?.queueSize ?? 10,
        discardOldest: true,
        filter: deadband
          ? new ua.DataChangeFilter({
              trigger: ua.DataChangeTrigger.StatusValue,
              deadbandType: deadband.kind === 'absolute' ? ua.DeadbandType.Absolute : ua.DeadbandType.Percent,
              deadbandValue: deadband.value,
            })
          : undefined,
      },
      ua.TimestampsToReturn.Both,
    );
    await new Promise<void>((resolve, reject) => {
      monitored.once('initialized', resolve);
      monitored.once('err', (message: string) => reject(new Error(`monitored items of group ${group.name}: ${message}`)));
    });
    // Items the server refused (unknown node, bad filter) go bad with the server's status.
    const refused = monitored.monitoredItems.flatMap((m, i) => (m.statusCode.isGood() ? [] : [this.bad((items[i] as DriverTag).name, m.statusCode.name)]));
    if (refused.length > 0) this.push(group.name, refused);
    monitored.on('changed', (_item, dataValue, index) => {
      const tag = items[index];
      if (tag && generation === this.generation) this.push(group.name, [this.sample(tag, dataValue)]);
    });
  }

  /** Queues pushed samples and hands them over once the current publish response has been taken apart. */
  private push(group: string, samples: Sample[]) {
    const queued = this.pending.get(group);
    if (queued) {
      queued.push(...samples);
      return;
    }
    this.pending.set(group, samples);
    queueMicrotask(() => {
      const batch = this.pending.get(group);
      this.pending.delete(group);
      if (batch && this.running) this.deps.onSamples(group, batch);
    });
  }

  private armWatchdog(generation: number) {
    this.watchdogTimer = this.deps.clock.setTimeout(() => {
      if (generation !== this.generation) return;
      const now = this.deps.clock.now();
      if (this.connection.state === 'connected') {
        const dead = this.subscriptions.find((s) => now - s.lastActivity > s.silenceLimitMs);
        if (dead)
          return this.restart(`group ${dead.group}: no publish response or keep-alive for ${Math.round((now - dead.lastActivity) / 1000)} s`, generation);
      }
      this.armWatchdog(generation);
    }, WATCHDOG_TICK_MS);
  }

  async read(group: string): Promise<Sample[]> {
    const tags = this.device.groups.find((g) => g.name === group)?.tags;
    if (!tags) throw new Error(`unknown group ${group}`);
    const session = this.session;
    if (!session || this.connection.state !== 'connected') return tags.map((t) => this.bad(t.name, 'not connected'));
    const samples: Sample[] = [];
    const readable: DriverTag[] = [];
    for (const tag of tags) {
      const node = this.nodes.get(tag.name);
      if (typeof node === 'string') readable.push(tag);
      else samples.push(this.bad(tag.name, node?.error ?? 'not a NodeId'));
    }
    for (let i = 0; i < readable.length; i += this.nodesPerRead) {
      const chunk = readable.slice(i, i + this.nodesPerRead);
      try {
        const values = await this.request(() => session.read(chunk.map((t) => ({ nodeId: this.nodes.get(t.name) as string, attributeId: ATTR.Value }))));
        chunk.forEach((t, j) => {
          samples.push(this.sample(t, values[j] as DataValue));
        });
      } catch (err) {
        for (const t of chunk) samples.push(this.bad(t.name, (err as Error).message));
      }
    }
    return samples;
  }

  async write(tagName: string, value: TagValue): Promise<void> {
    const tag = this.tags.get(tagName);
    if (!tag) throw new WriteError('UNKNOWN_TAG', `${tagName} is not a tag of ${this.device.name}`);
    const session = this.session;
    const ua = this.ua;
    if (!session || !ua || this.connection.state !== 'connected') throw new WriteError('NOT_CONNECTED', `${this.device.name} is not connected`);
    const nodeId = this.nodes.get(tagName);
    if (typeof nodeId !== 'string') throw new WriteError('BAD_VALUE', nodeId?.error ?? `${tag.address} is not a NodeId`);
    const uaType = await this.nodeType(session, tagName, nodeId);
    const type = UA_TYPES[uaType]?.type;
    if (!type) throw new WriteError('BAD_VALUE', `${tag.address} holds ${UA_TYPES[uaType]?.name ?? `data type ${uaType}`} values, which cannot be written`);
    let converted: TagValue;
    try {
      converted = coerce(value, type);
    } catch (err) {
      throw new WriteError('BAD_VALUE', `the node holds ${UA_TYPES[uaType]?.name}: ${(err as Error).message}`);
    }
    const variant = new ua.Variant({ dataType: uaType, arrayType: ua.VariantArrayType.Scalar, value: toUa(uaType, converted) });
    let status: { isGood(): boolean; name: string; value: number };
    try {
      status = await this.request(() => session.write({ nodeId, attributeId: ATTR.Value, value: { value: variant } }));
    } catch (err) {
      throw new WriteError(/timeout/i.test((err as Error).message) ? 'TIMEOUT' : 'NOT_CONNECTED', (err as Error).message);
    }
    if (status.isGood()) return;
    const readOnly = status.name === 'BadNotWritable' || status.name === 'BadUserAccessDenied';
    throw new WriteError(
      readOnly ? 'READ_ONLY' : 'DEVICE_EXCEPTION',
      `the server refused the write: ${status.name} (0x${status.value.toString(16).padStart(8, '0')})`,
    );
  }

  /** The node's data type (scalar only); learnt once per connection. */
  private async nodeType(session: ClientSession, tagName: string, nodeId: string): Promise<number> {
    const known = this.nodeTypes.get(tagName);
    if (known !== undefined) return known;
    const [dataType, valueRank] = await this.request(() =>
      session.read([
        { nodeId, attributeId: ATTR.DataType },
        { nodeId, attributeId: ATTR.ValueRank },
      ]),
    );
    if (!dataType?.statusCode.isGood()) throw new WriteError('DEVICE_EXCEPTION', `cannot learn the data type of ${nodeId}: ${dataType?.statusCode.name}`);
    if (valueRank?.value.value !== -1 && valueRank?.statusCode.isGood())
      throw new WriteError('BAD_VALUE', `${nodeId} holds an array; arrays cannot be written (Sparkplug arrays are not supported)`);
    const id = dataType.value.value as { namespace: number; value: unknown };
    const uaType = id.namespace === 0 && typeof id.value === 'number' ? id.value : -1;
    this.nodeTypes.set(tagName, uaType);
    return uaType;
  }

  async browse(request: BrowseRequest): Promise<BrowseNode[]> {
    const session = this.session;
    if (!session || this.connection.state !== 'connected') throw new Error(`${this.device.name} is not connected`);
    let from = OBJECTS_FOLDER;
    if (request.from) {
      const p = parseNodeId(request.from);
      if (!p.ok) throw new Error(p.error);
      const index = typeof p.node.namespace === 'number' ? p.node.namespace : this.namespaces.indexOf(p.node.namespace);
      if (index < 0) throw new Error(`the server has no namespace ${p.node.namespace}`);
      from = formatNodeId(p.node, index);
    }
    let budget = request.limit;
    const expand = async (parents: string[], level: number): Promise<BrowseNode[][]> => {
      const lists: BrowseNode[][] = [];
      for (const refs of await this.children(session, parents)) {
        const taken = refs.slice(0, Math.max(0, budget));
        budget -= taken.length;
        lists.push(await this.describe(session, taken));
      }
      const containers = lists.flat().filter((n) => n.hasChildren);
      if (level < request.depth && containers.length > 0 && budget > 0) {
        const grand = await expand(
          containers.map((n) => n.address),
          level + 1,
        );
        containers.forEach((n, i) => {
          n.children = grand[i] ?? [];
          n.hasChildren = n.children.length > 0;
        });
      }
      return lists;
    };
    const [top = []] = await expand([from], 1);
    return request.search ? prune(top, request.search.toLowerCase()) : top;
  }

  private async children(session: ClientSession, nodeIds: string[]): Promise<ReferenceDescription[][]> {
    const results = await this.request(() =>
      session.browse(
        nodeIds.map((nodeId) => ({
          nodeId,
          browseDirection: 0, // forward
          referenceTypeId: 'HierarchicalReferences',
          includeSubtypes: true,
          nodeClassMask: 1 | 2, // objects and variables
          resultMask: 63,
        })),
      ),
    );
    const out: ReferenceDescription[][] = [];
    for (const result of results) {
      const refs = [...(result.references ?? [])];
      let next = result.continuationPoint;
      while (next && next.length > 0) {
        const more = await this.request(() => session.browseNext(next as Buffer, false));
        refs.push(...(more.references ?? []));
        next = more.continuationPoint;
      }
      out.push(refs);
    }
    return out;
  }

  private async describe(session: ClientSession, refs: ReferenceDescription[]): Promise<BrowseNode[]> {
    const variables = refs.filter((r) => r.nodeClass === 2);
    const attributes = variables.length
      ? await this.request(() =>
          session.read(
            variables.flatMap((r) => [
              { nodeId: r.nodeId, attributeId: ATTR.DataType },
              { nodeId: r.nodeId, attributeId: ATTR.UserAccessLevel },
              { nodeId: r.nodeId, attributeId: ATTR.ValueRank },
            ]),
          ),
        )
      : [];
    return refs.map((r) => {
      const node: BrowseNode = {
        address: r.nodeId.toString(),
        browseName: r.browseName.name ?? '',
        displayName: r.displayName.text ?? r.browseName.name ?? '',
        nodeClass: r.nodeClass === 2 ? 'Variable' : 'Object',
        isVariable: r.nodeClass === 2,
        hasChildren: r.nodeClass !== 2,
      };
      const v = variables.indexOf(r);
      if (v >= 0) {
        const dataType = attributes[3 * v]?.value.value as { namespace: number; value: unknown } | null;
        const builtIn = dataType?.namespace === 0 && typeof dataType.value === 'number' ? UA_TYPES[dataType.value] : undefined;
        // Only scalars (ValueRank -1) map to a tag type: arrays are listed but cannot become tags.
        const scalar = attributes[3 * v + 2]?.value.value === -1;
        node.dataType = builtIn ? `${builtIn.name}${scalar ? '' : '[]'}` : dataType ? String(dataType) : undefined;
        node.type = scalar ? builtIn?.type : undefined;
        const access = Number(attributes[3 * v + 1]?.value.value ?? 0);
        node.access = access & 1 ? (access & 2 ? 'readwrite' : 'read') : access & 2 ? 'write' : 'none';
      }
      return node;
    });
  }

  /** One service call, counted and timed. */
  private async request<T>(call: () => Promise<T>): Promise<T> {
    this.counters.requests++;
    const t0 = performance.now();
    try {
      const result = await call();
      this.counters.responses++;
      this.roundTrips.record(performance.now() - t0);
      return result;
    } catch (err) {
      if (/timeout/i.test((err as Error).message)) this.counters.timeouts++;
      else this.counters.errors++;
      this.noteError((err as Error).message);
      throw err;
    }
  }

  private sample(tag: DriverTag, dv: DataValue): Sample {
    const sourceTs = dv.sourceTimestamp?.getTime() ?? this.deps.clock.now();
    const status = dv.statusCode;
    const quality = qualityOf(status.value);
    if (quality === 'bad') return { tag: tag.name, value: null, quality, reason: status.name, sourceTs };
    const variant = dv.value;
    if (variant.arrayType !== 0) return this.bad(tag.name, 'the node holds an array; arrays are not supported (Sparkplug arrays cannot be sent)', sourceTs);
    if (variant.dataType === 0) return this.bad(tag.name, 'the node has no value (Null)', sourceTs);
    try {
      const value = toTagValue(variant.dataType, variant.value, tag.type);
      return quality === 'good' ? { tag: tag.name, value, quality, sourceTs } : { tag: tag.name, value, quality, reason: status.name, sourceTs };
    } catch (err) {
      if (err instanceof ValueError) return this.bad(tag.name, err.message, sourceTs);
      throw err;
    }
  }

  private bad(tag: string, reason: string, sourceTs = this.deps.clock.now()): Sample {
    return { tag, value: null, quality: 'bad', reason, sourceTs };
  }

  private noteError(message: string) {
    this.lastError = { message, at: this.deps.clock.now() };
  }

  /** A connection failure in words an engineer can act on. */
  private explain(err: Error, since: number): string {
    const c = this.device.connection;
    const message = err.message;
    if (/BadCertificate/.test(message)) {
      const status = /Bad\w+/.exec(message)?.[0];
      const refused = this.pki?.refusedSince(since).at(-1);
      const which = refused ? `"${refused.subject}" (thumbprint ${refused.thumbprint})` : 'its certificate';
      return `the server's certificate ${which} is not trusted (${status}): trust it with POST /api/v1/protocols/opcua/certificates/${refused?.thumbprint ?? '<thumbprint>'}/trust, or move it from ${pkiFolder(this.deps.dataDir)}/rejected to trusted/certs`;
    }
    if (/cannot find endpoint/i.test(message)) return `the server offers no endpoint with security mode ${c.securityMode} and policy ${c.securityPolicy}`;
    if (/BadIdentityToken|BadUserAccessDenied/.test(message)) {
      return `the server refused the ${c.identity.kind} identity (${/Bad\w+/.exec(message)?.[0]}): check the user name, password or user certificate`;
    }
    if (/ENOENT/.test(message)) return message;
    const cause = /Err = \((.*)\)/s.exec(message)?.[1] ?? message;
    return cause.replace(/\s+/g, ' ').trim();
  }
}

/** Keeps the nodes whose name contains the search text, with the ancestors that lead to them. */
function prune(nodes: BrowseNode[], search: string): BrowseNode[] {
  return nodes.flatMap((n) => {
    const children = n.children ? prune(n.children, search) : [];
    const hit = n.browseName.toLowerCase().includes(search) || n.displayName.toLowerCase().includes(search);
    return hit || children.length > 0 ? [{ ...n, children }] : [];
  });
}
