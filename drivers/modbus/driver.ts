/**
 * The Modbus TCP driver: keeps one connection per device (reconnecting with
 * back-off), reads each group through its read plan, and turns every failure
 * of a request into bad samples for exactly the tags it covered.
 */

import { Backoff } from '../backoff.ts';
import type { ConnectionState, DeviceSpec, Driver, DriverDeps, DriverStats, Sample } from '../contract.ts';
import { decodeRegisters, registerBit } from './codec.ts';
import { BadResponseError, ModbusExceptionError, packedBit, READ_FUNCTION, readRequest, readResponseData } from './pdu.ts';
import { planReads, type ReadRequest } from './read-planner.ts';
import type { ModbusConnection } from './settings.ts';
import { ModbusTcpClient, NotConnectedError, RequestTimeoutError } from './tcp-client.ts';

/** After this many timeouts in a row with no answer at all, the connection is presumed dead. */
const DEAD_AFTER_TIMEOUTS = 3;

export class ModbusDriver implements Driver {
  connection: ConnectionState = { state: 'stopped' };
  private readonly plans = new Map<string, ReadRequest[]>();
  private readonly backoff = new Backoff();
  private client?: ModbusTcpClient;
  private retryTimer: unknown;
  private running = false;
  private timeoutsInARow = 0;
  private readonly counters: DriverStats = { requests: 0, responses: 0, timeouts: 0, errors: 0, reconnects: 0 };

  constructor(
    private readonly device: DeviceSpec<ModbusConnection>,
    private readonly deps: DriverDeps,
  ) {
    const c = device.connection;
    for (const group of device.groups) {
      this.plans.set(group.name, planReads(group.tags, { maxRegisters: c.maxRegistersPerRequest, maxBits: c.maxBitsPerRequest, maxGap: c.maxGap }));
    }
  }

  /** The read plan of a group (for the status page and the benchmark). */
  plan(group: string): readonly ReadRequest[] {
    return this.plans.get(group) ?? [];
  }

  start(): void {
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.deps.clock.clearTimeout(this.retryTimer);
    this.client?.removeAllListeners();
    this.client?.close('driver stopped');
    this.client = undefined;
    this.setState({ state: 'stopped' });
  }

  stats(): DriverStats {
    return { ...this.counters, lastRoundTripMs: this.client?.lastRoundTripMs };
  }

  async read(group: string): Promise<Sample[]> {
    const plan = this.plans.get(group);
    if (!plan) throw new Error(`unknown group ${group}`);
    const samples: Sample[] = [];
    for (const request of plan) {
      const sourceTs = this.deps.clock.now();
      try {
        const data = await this.send(request);
        for (const t of request.tags) samples.push({ tag: t.tag.name, value: this.decode(data, t, request), quality: 'good', sourceTs });
      } catch (err) {
        const reason = (err as Error).message;
        for (const t of request.tags) samples.push({ tag: t.tag.name, value: null, quality: 'bad', reason, sourceTs });
      }
    }
    return samples;
  }

  private decode(data: Buffer, t: ReadRequest['tags'][number], request: ReadRequest) {
    if (request.area === 'coil' || request.area === 'discrete') return packedBit(data, t.offset);
    if (t.addr.bit !== undefined) return registerBit(data, t.offset, t.addr.bit);
    return decodeRegisters(data, t.offset, t.tag.type, (t.tag.byteOrder ?? this.device.connection.byteOrder) as never);
  }

  private async send(request: ReadRequest): Promise<Buffer> {
    const client = this.client;
    if (!client?.connected) throw new NotConnectedError('device not connected');
    const fc = READ_FUNCTION[request.area];
    this.counters.requests++;
    try {
      const pdu = await client.request(this.device.connection.unitId, readRequest(fc, request.start, request.count));
      this.counters.responses++;
      this.timeoutsInARow = 0;
      return readResponseData(fc, request.count, pdu);
    } catch (err) {
      this.countError(err as Error);
      if (err instanceof RequestTimeoutError && ++this.timeoutsInARow >= DEAD_AFTER_TIMEOUTS) {
        client.close(`${DEAD_AFTER_TIMEOUTS} requests in a row timed out`);
      }
      throw err;
    }
  }

  private countError(err: Error) {
    if (err instanceof RequestTimeoutError) this.counters.timeouts++;
    else this.counters.errors++;
    if (err instanceof BadResponseError || err instanceof ModbusExceptionError || err instanceof RequestTimeoutError) {
      this.deps.log.warn({ err: err.message }, 'request failed');
    }
    this.counters.lastError = { message: err.message, at: this.deps.clock.now() };
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const c = this.device.connection;
    this.setState({ state: 'connecting' });
    const client = new ModbusTcpClient({ host: c.host, port: c.port, timeoutMs: c.timeoutMs, clock: this.deps.clock });
    try {
      await client.connect();
    } catch (err) {
      this.retry((err as Error).message);
      return;
    }
    if (!this.running) {
      client.close('driver stopped');
      return;
    }
    this.client = client;
    this.timeoutsInARow = 0;
    this.backoff.reset();
    client.on('discard', (reason) => this.deps.log.warn({ reason }, 'discarded a response'));
    client.on('close', (reason) => {
      this.client = undefined;
      this.counters.reconnects++;
      this.counters.lastError = { message: reason, at: this.deps.clock.now() };
      this.retry(reason);
    });
    this.setState({ state: 'connected' });
  }

  private retry(reason: string) {
    if (!this.running) return;
    const retryInMs = this.backoff.next();
    this.setState({ state: 'backing-off', retryInMs, reason });
    this.retryTimer = this.deps.clock.setTimeout(() => void this.connect(), retryInMs);
  }

  private setState(state: ConnectionState) {
    this.connection = state;
    this.deps.onStateChange(state);
  }
}
