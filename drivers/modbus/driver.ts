/**
 * The Modbus driver: one device (usually one unit) on a link it may share with
 * other devices. Reads each group through its read plan and turns every
 * failure of a request into bad samples for exactly the tags it covered. A
 * unit that stops answering costs its own timeouts only: after repeated
 * silence it is skipped for a back-off period, and the device is reported
 * unreachable until it answers again.
 */

import { Backoff } from '../backoff.ts';
import type { ByteOrder, ConnectionState, DeviceSpec, Driver, DriverDeps, DriverStats, Sample, TagValue } from '../contract.ts';
import { WriteError } from '../contract.ts';
import { emptyCounters, RoundTrips } from '../round-trips.ts';
import { NotConnectedError, RequestTimeoutError } from './client.ts';
import { decodeRegisters, decodeString, encodeRegisters, encodeString, registerBit } from './codec.ts';
import { ModbusLink } from './link.ts';
import {
  BadResponseError,
  checkWriteResponse,
  ModbusExceptionError,
  maskWriteRequest,
  packedBit,
  READ_FUNCTION,
  readRequest,
  readResponseData,
  writeCoilRequest,
  writeCoilsRequest,
  writeRegisterRequest,
  writeRegistersRequest,
} from './pdu.ts';
import { type PlannedTag, planReads, type ReadRequest, tagAddress } from './read-planner.ts';
import { interFrameDelayMs, linkKey, type ModbusConnection } from './settings.ts';
import { serialOpener, tcpOpener } from './streams.ts';

/** After this many unanswered requests in a row a unit is skipped for a back-off period. */
const SKIP_AFTER_TIMEOUTS = 3;

interface UnitHealth {
  timeoutsInARow: number;
  backoff: Backoff;
  /** While set, the unit is skipped (ms since the epoch when the next try is due). */
  skipUntil?: number;
  reason?: string;
  timer?: unknown;
}

export class ModbusDriver implements Driver {
  connection: ConnectionState = { state: 'stopped' };
  private readonly plans = new Map<string, ReadRequest[]>();
  private readonly points = new Map<string, Omit<PlannedTag, 'offset'>>();
  private readonly units = new Map<number, UnitHealth>();
  private readonly key: string;
  private link?: ModbusLink;
  private rmwWarned = false;
  private readonly roundTrips = new RoundTrips();
  private readonly counters = emptyCounters();
  private readonly onLinkState = () => this.updateState();

  constructor(
    private readonly device: DeviceSpec<ModbusConnection>,
    private readonly deps: DriverDeps,
  ) {
    const c = device.connection;
    this.key = linkKey(c);
    for (const group of device.groups) {
      const plan = planReads(group.tags, {
        maxRegisters: c.maxRegistersPerRequest,
        maxBits: c.maxBitsPerRequest,
        maxGap: c.maxGap,
        unitId: c.unitId,
        addressBase: c.addressBase,
      });
      this.plans.set(group.name, plan);
      for (const r of plan) if (!this.units.has(r.unitId)) this.units.set(r.unitId, { timeoutsInARow: 0, backoff: new Backoff() });
    }
    for (const tag of device.groups.flatMap((g) => g.tags)) this.points.set(tag.name, { tag, addr: tagAddress(tag, c.addressBase) });
  }

  /** The read plan of a group (for the status page and the benchmark). */
  plan(group: string): readonly ReadRequest[] {
    return this.plans.get(group) ?? [];
  }

  start(): void {
    const c = this.device.connection;
    const open =
      c.transport === 'rtu'
        ? serialOpener({ path: c.serialPort as string, baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits })
        : tcpOpener(c.host as string, c.port, this.deps.clock);
    const link = this.deps.shared.acquire(
      this.key,
      () => new ModbusLink({ name: this.key, open, framing: c.transport === 'tcp' ? 'mbap' : 'rtu', clock: this.deps.clock, log: this.deps.log }),
    );
    this.link = link;
    link.on('state', this.onLinkState);
    link.start();
    this.updateState();
  }

  async stop(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    for (const unit of this.units.values()) this.deps.clock.clearTimeout(unit.timer);
    if (link) {
      link.off('state', this.onLinkState);
      await this.deps.shared.release(this.key);
    }
    this.setState({ state: 'stopped' });
  }

  stats(): DriverStats {
    return {
      ...this.counters,
      exceptions: { ...this.counters.exceptions },
      reconnects: this.link?.reconnects ?? this.counters.reconnects,
      lastRoundTripMs: this.link?.lastRoundTripMs,
      ...this.roundTrips.summary(),
    };
  }

  async read(group: string): Promise<Sample[]> {
    const plan = this.plans.get(group);
    if (!plan) throw new Error(`unknown group ${group}`);
    const samples: Sample[] = [];
    for (const request of plan) {
      const sourceTs = this.deps.clock.now();
      const fc = READ_FUNCTION[request.area];
      try {
        const pdu = await this.send(request.unitId, readRequest(fc, request.start, request.count));
        const data = readResponseData(fc, request.count, pdu);
        for (const t of request.tags) samples.push(this.decode(data, t, request, sourceTs));
      } catch (err) {
        const reason = this.failed(err as Error, request.unitId);
        for (const t of request.tags) samples.push({ tag: t.tag.name, value: null, quality: 'bad', reason, sourceTs });
      }
    }
    return samples;
  }

  async write(tagName: string, value: TagValue): Promise<void> {
    const point = this.points.get(tagName);
    if (!point) throw new WriteError('UNKNOWN_TAG', `${tagName} is not a tag of ${this.device.name}`);
    const { tag, addr } = point;
    const unitId = addr.unitId ?? this.device.connection.unitId;
    if (addr.area === 'discrete' || addr.area === 'input')
      throw new WriteError('READ_ONLY', `${tag.address} is in the ${addr.area === 'input' ? 'input register' : 'discrete input'} area, which is read-only`);
    try {
      const multiple = this.device.connection.writeMultiple;
      if (addr.area === 'coil') {
        return await this.sendWrite(unitId, multiple ? writeCoilsRequest(addr.address, [Boolean(value)]) : writeCoilRequest(addr.address, Boolean(value)));
      }
      if (addr.bit !== undefined) return await this.writeBit(unitId, addr.address, addr.bit, Boolean(value));
      const data =
        tag.type === 'string'
          ? encodeString(String(value), addr.length as number, addr.stringMode ?? 'H')
          : encodeRegisters(value, tag.type, this.byteOrder(point));
      const request = data.length === 2 && !multiple ? writeRegisterRequest(addr.address, data.readUInt16BE(0)) : writeRegistersRequest(addr.address, data);
      await this.sendWrite(unitId, request);
    } catch (err) {
      this.failed(err as Error, unitId);
      throw toWriteError(err as Error);
    }
  }

  /** Counts and logs a failed request (timeouts are counted where they happen); returns the reason. */
  private failed(err: Error, unitId: number): string {
    if (!(err instanceof RequestTimeoutError)) this.counters.errors++;
    this.counters.lastError = { message: err.message, at: this.deps.clock.now() };
    if (!(err instanceof NotConnectedError)) this.deps.log.warn({ unitId, err: err.message }, 'request failed');
    return err.message;
  }

  /** FC 22 where the device has it; read-modify-write (with a warning) where it refuses it. */
  private async writeBit(unitId: number, address: number, bit: number, value: boolean): Promise<void> {
    const mask = 1 << bit;
    try {
      await this.sendWrite(unitId, maskWriteRequest(address, ~mask & 0xffff, value ? mask : 0));
      return;
    } catch (err) {
      if (!(err instanceof ModbusExceptionError && err.exceptionCode === 1)) throw err;
    }
    if (!this.rmwWarned) {
      this.rmwWarned = true;
      this.deps.log.warn(
        { unitId },
        'the device refuses mask write (function 22): bits of registers are written by read-modify-write, which can overwrite a change the device makes in between',
      );
    }
    const data = readResponseData(3, 1, await this.send(unitId, readRequest(3, address, 1)));
    const word = data.readUInt16BE(0);
    await this.sendWrite(unitId, writeRegisterRequest(address, value ? word | mask : word & ~mask));
  }

  private async sendWrite(unitId: number, request: Buffer): Promise<void> {
    checkWriteResponse(request, await this.send(unitId, request));
  }

  private byteOrder(t: Omit<PlannedTag, 'offset'>): ByteOrder {
    return t.addr.byteOrder ?? (t.tag.byteOrder as ByteOrder | undefined) ?? this.device.connection.byteOrder;
  }

  private decode(data: Buffer, t: PlannedTag, request: ReadRequest, sourceTs: number): Sample {
    let value: TagValue;
    try {
      if (request.area === 'coil' || request.area === 'discrete') value = packedBit(data, t.offset);
      else if (t.addr.bit !== undefined) value = registerBit(data, t.offset, t.addr.bit);
      else if (t.tag.type === 'string') value = decodeString(data, t.offset, t.addr.length as number, t.addr.stringMode ?? 'H');
      else value = decodeRegisters(data, t.offset, t.tag.type, this.byteOrder(t));
    } catch (err) {
      return { tag: t.tag.name, value: null, quality: 'bad', reason: (err as Error).message, sourceTs };
    }
    return { tag: t.tag.name, value, quality: 'good', sourceTs };
  }

  /** One request to a unit, with the device's retries, gap and timeout; keeps the statistics and the unit's health. */
  private async send(unitId: number, pdu: Buffer): Promise<Buffer> {
    const c = this.device.connection;
    const unit = this.units.get(unitId) ?? { timeoutsInARow: 0, backoff: new Backoff() };
    this.units.set(unitId, unit);
    if (unit.skipUntil !== undefined) {
      throw new NotConnectedError(`${unit.reason}; next try in ${Math.max(0, Math.round((unit.skipUntil - this.deps.clock.now()) / 1000))} s`);
    }
    const link = this.link;
    if (!link) throw new NotConnectedError('device not connected');
    const gapMs = Math.max(c.delayBetweenRequestsMs, interFrameDelayMs(c));
    for (let attempt = 0; ; attempt++) {
      this.counters.requests++;
      try {
        const response = await link.request(unitId, pdu, { timeoutMs: c.timeoutMs, gapMs, onRoundTrip: this.recordRtt });
        this.counters.responses++;
        if (response[0] === ((pdu[0] as number) | 0x80)) {
          const code = String(response[1]);
          this.counters.exceptions[code] = (this.counters.exceptions[code] ?? 0) + 1;
        }
        this.unitAnswered(unit);
        return response;
      } catch (err) {
        const error = err as Error;
        if (error instanceof RequestTimeoutError) {
          this.counters.timeouts++;
          if (attempt < c.retries) continue;
          this.unitSilent(unitId, unit);
        } else if (error instanceof BadResponseError) {
          this.unitAnswered(unit);
        }
        throw error;
      }
    }
  }

  private readonly recordRtt = (ms: number) => this.roundTrips.record(ms);

  private unitAnswered(unit: UnitHealth) {
    unit.timeoutsInARow = 0;
    unit.backoff.reset();
  }

  private unitSilent(unitId: number, unit: UnitHealth) {
    if (++unit.timeoutsInARow < SKIP_AFTER_TIMEOUTS) return;
    const delay = unit.backoff.next();
    unit.skipUntil = this.deps.clock.now() + delay;
    unit.reason = `unit ${unitId} does not answer (${unit.timeoutsInARow} requests in a row timed out)`;
    this.deps.log.warn({ unitId, retryInMs: delay }, 'unit does not answer: skipped for a while');
    unit.timer = this.deps.clock.setTimeout(() => {
      // Time for one more try: the next poll probes the unit.
      unit.skipUntil = undefined;
      unit.timeoutsInARow = SKIP_AFTER_TIMEOUTS - 1;
      this.updateState();
    }, delay);
    this.updateState();
  }

  /** The device is reachable when its link is up and at least one of its units is not being skipped. */
  private updateState() {
    const linkState = this.link?.state ?? { state: 'stopped' };
    if (linkState.state !== 'connected') return this.setState(linkState);
    const skipped = [...this.units.values()].filter((u) => u.skipUntil !== undefined);
    if (skipped.length > 0 && skipped.length === this.units.size) {
      const next = Math.min(...skipped.map((u) => u.skipUntil as number));
      return this.setState({ state: 'backing-off', retryInMs: Math.max(0, next - this.deps.clock.now()), reason: skipped[0]?.reason ?? 'not answering' });
    }
    this.setState({ state: 'connected' });
  }

  private setState(state: ConnectionState) {
    const previous = this.connection;
    this.connection = state;
    if (previous.state !== state.state || (state.state === 'backing-off' && previous.state === 'backing-off' && previous.reason !== state.reason)) {
      this.deps.onStateChange(state);
    }
  }
}

function toWriteError(err: Error): WriteError {
  if (err instanceof WriteError) return err;
  if (err instanceof RequestTimeoutError) return new WriteError('TIMEOUT', `write not confirmed: ${err.message}`);
  if (err instanceof ModbusExceptionError) return new WriteError('DEVICE_EXCEPTION', `the device refused the write: ${err.message}`);
  if (err instanceof BadResponseError) return new WriteError('BAD_RESPONSE', `write not confirmed: ${err.message}`);
  if (err instanceof NotConnectedError) return new WriteError('NOT_CONNECTED', err.message);
  if (err instanceof RangeError || err instanceof TypeError) return new WriteError('BAD_VALUE', err.message);
  throw err;
}
