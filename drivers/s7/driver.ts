/**
 * The S7 driver: one PLC, one connection, one request in flight. Opens the
 * connection itself and reopens it after exponential back-off; plans each
 * group's reads for the PDU size the PLC granted (again after a reconnect);
 * turns a refused item into bad samples for exactly its tags, isolating the
 * refused bytes so that they cannot take their neighbours down again.
 */

import { Backoff } from '../backoff.ts';
import type { ConnectionState, DeviceSpec, Driver, DriverDeps, DriverStats, Sample, TagValue } from '../contract.ts';
import { WriteError } from '../contract.ts';
import { emptyCounters, RoundTrips } from '../round-trips.ts';
import { placeName, type S7Area, tagAddress } from './address.ts';
import { decodeS7, encodeS7, encodeStringBody } from './codec.ts';
import { itemErrorText, S7ConnectError, S7ItemError, S7NotConnectedError, S7RequestError, S7TimeoutError } from './errors.ts';
import { type PlannedTag, planReads, type ReadItem, type ReadRequest, type Span, spansOf } from './read-planner.ts';
import { type ItemResult, S7Session } from './session.ts';
import { type S7Connection, tsap } from './settings.ts';

interface GroupPlan {
  spans: Span[];
  /** Spans the PLC refused once: read alone from now on (until the next connection). */
  isolated: Set<string>;
  requests?: ReadRequest[];
  /** The PDU size `requests` was planned for. */
  pduSize?: number;
}

export class S7Driver implements Driver {
  connection: ConnectionState = { state: 'stopped' };
  private session?: S7Session;
  private running = false;
  private retryTimer: unknown;
  private connecting?: AbortController;
  private readonly backoff = new Backoff();
  /** One operation at a time on the connection (nodes7 cannot overlap them). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly groups = new Map<string, GroupPlan>();
  private readonly points = new Map<string, PlannedTag>();
  private readonly roundTrips = new RoundTrips();
  private pduSize?: number;
  private readonly counters = emptyCounters();

  constructor(
    private readonly device: DeviceSpec<S7Connection>,
    private readonly deps: DriverDeps,
  ) {
    for (const group of device.groups) {
      this.groups.set(group.name, { spans: spansOf(group.tags), isolated: new Set() });
      for (const tag of group.tags) this.points.set(tag.name, { tag, addr: tagAddress(tag) });
    }
  }

  /** The read plan of a group at the negotiated PDU size (for the status page and the benchmark). */
  plan(group: string): readonly ReadRequest[] {
    const g = this.groups.get(group);
    return g ? this.requestsOf(g, this.pduSize ?? this.device.connection.pduSize) : [];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.deps.clock.clearTimeout(this.retryTimer);
    this.connecting?.abort();
    this.session?.close();
    this.session = undefined;
    await this.queue;
    this.setState({ state: 'stopped' });
  }

  stats(): DriverStats {
    const details: Record<string, number> = {};
    if (this.pduSize !== undefined) {
      details.pduSize = this.pduSize;
      details.readRequestsPerCycle = [...this.groups.values()].reduce((n, g) => n + this.requestsOf(g, this.pduSize as number).length, 0);
    }
    return {
      ...this.counters,
      exceptions: { ...this.counters.exceptions },
      lastRoundTripMs: this.roundTrips.last,
      ...this.roundTrips.summary(),
      details,
    };
  }

  read(group: string): Promise<Sample[]> {
    const g = this.groups.get(group);
    if (!g) return Promise.reject(new Error(`unknown group ${group}`));
    return this.exclusive(() => this.readGroup(g));
  }

  async write(tagName: string, value: TagValue): Promise<void> {
    const point = this.points.get(tagName);
    if (!point) throw new WriteError('UNKNOWN_TAG', `${tagName} is not a tag of ${this.device.name}`);
    const a = point.addr;
    let bytes: Buffer | undefined;
    try {
      if (a.type !== 'bool' && a.s7Type !== 'STRING') bytes = encodeS7(value, a);
      else if (a.s7Type === 'STRING') encodeStringBody(String(value), a.length as number);
    } catch (err) {
      throw new WriteError('BAD_VALUE', (err as Error).message);
    }
    const place = placeName(a);
    await this.exclusive(async () => {
      const session = this.session;
      if (!session?.connected) throw new WriteError('NOT_CONNECTED', this.notConnectedReason());
      const started = performance.now();
      this.counters.requests++;
      try {
        if (a.type === 'bool') await session.writeBit(a.area, a.db, a.offset, a.bit ?? 0, Boolean(value), place);
        else if (bytes) await session.writeBytes(a.area, a.db, a.offset, bytes, place);
        else await this.writeString(session, point, String(value));
        this.counters.responses++;
        this.recordRtt(performance.now() - started);
      } catch (err) {
        this.failed(err as Error);
        throw toWriteError(err as Error);
      }
    });
  }

  /** Writes a STRING's length and characters, within the maximum the PLC declares for it (read first). */
  private async writeString(session: S7Session, { tag, addr: a }: PlannedTag, value: string): Promise<void> {
    const [header] = await session.read([{ area: a.area, db: a.db, start: a.offset, length: 2 }]);
    this.counters.requests++;
    if (!header?.ok) throw new S7ItemError(header?.returnCode ?? 0, placeName(a));
    const plcMax = header.data[0] as number;
    if (plcMax === 0) throw new WriteError('BAD_VALUE', `${tag.address}: the PLC declares a maximum length of 0 there; is it a STRING?`);
    const body = encodeStringBody(value, Math.min(plcMax, a.length as number));
    await session.writeBytes(a.area, a.db, a.offset + 1, body, placeName(a));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private requestsOf(g: GroupPlan, pduSize: number): ReadRequest[] {
    if (!g.requests || g.pduSize !== pduSize) {
      const c = this.device.connection;
      g.requests = planReads(g.spans, { pduSize, maxItems: c.maxItemsPerRequest, maxGap: c.maxGap, isolated: g.isolated });
      g.pduSize = pduSize;
    }
    return g.requests;
  }

  private async readGroup(g: GroupPlan): Promise<Sample[]> {
    const samples: Sample[] = [];
    const session = this.session;
    if (!session?.connected) {
      const reason = this.notConnectedReason();
      const sourceTs = this.deps.clock.now();
      for (const span of g.spans) for (const t of span.tags) samples.push({ tag: t.tag.name, value: null, quality: 'bad', reason, sourceTs });
      return samples;
    }
    const refused: Span[] = [];
    for (const request of this.requestsOf(g, session.pduSize)) {
      for (const { item, result, sourceTs, reason } of await this.request(session, request)) {
        if (result?.ok) {
          for (const span of item.spans) this.decode(span, result.data, item.start, sourceTs, samples);
        } else if (result && item.spans.length > 1) {
          // One of several spans sharing the item is refused: read each alone to learn which.
          refused.push(...item.spans);
        } else {
          const why = reason ?? itemErrorText((result as { returnCode: number }).returnCode, where(item, result));
          for (const span of item.spans) this.bad(span, why, sourceTs, samples);
        }
      }
    }
    if (refused.length > 0) {
      for (const span of refused) g.isolated.add(span.key);
      g.requests = undefined;
      this.deps.log.info({ spans: refused.length }, 'the PLC refused an item shared by several tags: reading them apart');
      for (const request of planReads(refused, { pduSize: session.pduSize, maxItems: this.device.connection.maxItemsPerRequest, isolated: g.isolated })) {
        for (const { item, result, sourceTs, reason } of await this.request(session, request)) {
          const why = result?.ok ? undefined : (reason ?? itemErrorText((result as { returnCode: number }).returnCode, where(item, result)));
          for (const span of item.spans) {
            if (result?.ok) this.decode(span, result.data, item.start, sourceTs, samples);
            else this.bad(span, why as string, sourceTs, samples);
          }
        }
      }
    }
    return samples;
  }

  /** One read request; a failure of the whole request becomes a reason for each of its items. */
  private async request(session: S7Session, request: ReadRequest): Promise<{ item: ReadItem; result?: ItemResult; sourceTs: number; reason?: string }[]> {
    const sourceTs = this.deps.clock.now();
    const started = performance.now();
    this.counters.requests++;
    try {
      const results = await session.read(request.items);
      this.counters.responses++;
      this.recordRtt(performance.now() - started);
      return request.items.map((item, i) => {
        const result = results[i] as ItemResult;
        if (!result.ok) this.countItemError(result.returnCode);
        return { item, result, sourceTs };
      });
    } catch (err) {
      const reason = this.failed(err as Error);
      return request.items.map((item) => ({ item, sourceTs, reason }));
    }
  }

  private decode(span: Span, data: Buffer, itemStart: number, sourceTs: number, samples: Sample[]) {
    for (const { tag, addr } of span.tags) {
      try {
        samples.push({ tag: tag.name, value: decodeS7(data, addr.offset - itemStart, addr), quality: 'good', sourceTs });
      } catch (err) {
        samples.push({ tag: tag.name, value: null, quality: 'bad', reason: (err as Error).message, sourceTs });
      }
    }
  }

  private bad(span: Span, reason: string, sourceTs: number, samples: Sample[]) {
    for (const { tag } of span.tags) samples.push({ tag: tag.name, value: null, quality: 'bad', reason, sourceTs });
  }

  private countItemError(returnCode: number) {
    this.counters.errors++;
    const key = `0x${returnCode.toString(16).padStart(2, '0')}`;
    this.counters.exceptions[key] = (this.counters.exceptions[key] ?? 0) + 1;
  }

  /** Counts and logs a failed request; returns the reason. */
  private failed(err: Error): string {
    if (err instanceof S7TimeoutError) this.counters.timeouts++;
    else this.counters.errors++;
    if (err instanceof S7ItemError) this.countItemError(err.returnCode);
    else if (err instanceof S7RequestError)
      this.counters.exceptions[`0x${err.errorCode.toString(16)}`] = (this.counters.exceptions[`0x${err.errorCode.toString(16)}`] ?? 0) + 1;
    this.counters.lastError = { message: err.message, at: this.deps.clock.now() };
    if (!(err instanceof S7NotConnectedError)) this.deps.log.warn({ err: err.message }, 'S7 request failed');
    return err.message;
  }

  private recordRtt(ms: number) {
    this.roundTrips.record(Math.round(ms * 1000) / 1000);
  }

  private notConnectedReason(): string {
    const c = this.connection;
    return c.state === 'backing-off' ? `not connected: ${c.reason}` : 'not connected';
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.setState({ state: 'connecting' });
    const c = this.device.connection;
    let session: S7Session;
    const attempt = new AbortController();
    this.connecting = attempt;
    try {
      session = await S7Session.connect({
        host: c.host,
        port: c.port,
        rack: c.rack,
        slot: c.slot,
        localTsap: tsap(c.localTsap),
        remoteTsap: tsap(c.remoteTsap),
        pduSize: c.pduSize,
        timeoutMs: c.timeoutMs,
        clock: this.deps.clock,
        signal: attempt.signal,
      });
    } catch (err) {
      if (!this.running) return;
      const reason = err instanceof S7ConnectError ? err.message : `connection failed: ${(err as Error).message}`;
      this.deps.log.warn({ err: reason }, 'S7 connection failed');
      this.retry(reason);
      return;
    }
    this.connecting = undefined;
    if (!this.running) {
      session.close();
      return;
    }
    this.session = session;
    this.pduSize = session.pduSize;
    this.backoff.reset();
    // A new connection may be to a changed PLC program: trust every span again.
    for (const g of this.groups.values()) {
      g.isolated.clear();
      g.requests = undefined;
    }
    session.on('close', (reason) => {
      if (this.session !== session) return;
      this.session = undefined;
      this.counters.reconnects++;
      this.deps.log.warn({ reason }, 'S7 connection lost');
      this.retry(reason);
    });
    this.deps.log.info({ pduSize: session.pduSize }, 'S7 connected');
    this.setState({ state: 'connected' });
  }

  private retry(reason: string) {
    if (!this.running) return;
    const retryInMs = this.backoff.next();
    this.counters.lastError = { message: reason, at: this.deps.clock.now() };
    this.setState({ state: 'backing-off', retryInMs, reason });
    this.retryTimer = this.deps.clock.setTimeout(() => void this.connect(), retryInMs);
  }

  private setState(state: ConnectionState) {
    const previous = this.connection;
    this.connection = state;
    if (previous.state !== state.state || (state.state === 'backing-off' && previous.state === 'backing-off' && previous.reason !== state.reason)) {
      this.deps.onStateChange(state);
    }
  }
}

/** Where a refused item is, for its reason: a whole DB when the PLC says it does not exist. */
function where(item: ReadItem, result: ItemResult | undefined): string {
  const code = result && !result.ok ? result.returnCode : 0;
  if (code === 0x0a && item.area === 'DB') return `DB${item.db}`;
  const end = item.start + item.length - 1;
  return item.area === 'DB' ? `DB${item.db} bytes ${item.start}..${end}` : `${areaName(item.area)} bytes ${item.start}..${end}`;
}

const areaName = (area: S7Area) => (area === 'M' ? 'merker' : area === 'I' ? 'input' : 'output');

function toWriteError(err: Error): WriteError {
  if (err instanceof WriteError) return err;
  if (err instanceof S7TimeoutError) return new WriteError('TIMEOUT', `write not confirmed: ${err.message}`);
  if (err instanceof S7ItemError || err instanceof S7RequestError) return new WriteError('DEVICE_EXCEPTION', `the PLC refused the write: ${err.message}`);
  if (err instanceof S7NotConnectedError) return new WriteError('NOT_CONNECTED', err.message);
  if (err instanceof RangeError || err instanceof TypeError) return new WriteError('BAD_VALUE', err.message);
  return new WriteError('BAD_RESPONSE', err.message);
}
