/**
 * A fast Modbus server for demos, tests and benchmarks: Modbus TCP on raw
 * sockets, RTU framed over TCP, or RTU on a serial port; several unit ids,
 * each with the full 65536-entry register and bit areas; points driven by
 * generators or a scenario; writable holding registers and coils; and faults
 * injected on purpose (exceptions, delays, silence, closed connections, wrong
 * transaction ids, truncated frames, garbage), changeable while it runs.
 * A request to a unit that is not configured gets no answer, like a dead
 * unit behind a serial gateway.
 */

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { ModbusArea } from '../../drivers/modbus/address.ts';
import { encodeRegisters } from '../../drivers/modbus/codec.ts';
import { encodeMbap, MbapFramer } from '../../drivers/modbus/mbap.ts';
import { MAX_READ_BITS, MAX_READ_REGISTERS } from '../../drivers/modbus/pdu.ts';
import { decodeRtu, encodeRtu, rtuFrameLength } from '../../drivers/modbus/rtu.ts';
import { type LinkStream, serialOpener } from '../../drivers/modbus/streams.ts';
import { type Clock, systemClock } from '../../src/clock.ts';
import { createGenerator, type Generator } from '../generators.ts';
import type { FaultConfig, ModbusSimulatorConfig, PointConfig } from './config.ts';

interface Point {
  area: ModbusArea;
  address: number;
  type: PointConfig['type'];
  byteOrder: PointConfig['byteOrder'];
  generator?: Generator;
  evaluatedAt?: number;
  /** Evaluated on every read, not once per millisecond. */
  perRead?: boolean;
}

class UnitImage {
  constructor(readonly maskWrite: boolean) {}

  readonly bits: Record<'coil' | 'discrete', Uint8Array> = { coil: new Uint8Array(65536), discrete: new Uint8Array(65536) };
  readonly registers: Record<'holding' | 'input', Buffer> = { holding: Buffer.alloc(131072), input: Buffer.alloc(131072) };
  readonly points: Point[] = [];
  /** Generated points per area, sorted by address, so a request refreshes only what it reads. */
  private generated = new Map<ModbusArea, Point[]>();

  /** Call once the points are all added. */
  index() {
    this.generated.clear();
    for (const p of this.points) {
      if (!p.generator) continue;
      const list = this.generated.get(p.area) ?? [];
      list.push(p);
      this.generated.set(p.area, list);
    }
    for (const list of this.generated.values()) list.sort((a, b) => a.address - b.address);
  }

  /** Brings the generated points a request reads up to `now`. */
  refresh(now: number, area: ModbusArea, start: number, count: number) {
    const list = this.generated.get(area);
    if (!list) return;
    // First point that may overlap: a point is at most 4 registers long.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as Point).address < start - 3) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.length; i++) {
      const p = list[i] as Point;
      if (p.address >= start + count) break;
      if (p.generator && (p.perRead || p.evaluatedAt !== now)) {
        p.evaluatedAt = now;
        this.store(p, p.generator(now));
      }
    }
  }

  store(p: Point, value: number | boolean) {
    if (p.area === 'coil' || p.area === 'discrete') {
      this.bits[p.area][p.address] = value ? 1 : 0;
      return;
    }
    const regs = this.registers[p.area];
    if (p.type === 'float32' && p.byteOrder === 'ABCD') {
      regs.writeFloatBE(Number(value), p.address * 2);
      return;
    }
    const bytes = p.type === 'bool' ? encodeRegisters(value ? 1 : 0, 'uint16', 'ABCD') : encodeRegisters(toRaw(Number(value), p.type), p.type, p.byteOrder);
    bytes.copy(regs, p.address * 2);
  }

  /** A client wrote here: points it touched keep the written value from now on. */
  freeze(area: ModbusArea, start: number, count: number) {
    for (const p of this.points) if (p.area === area && p.address < start + count && p.address + pointSize(p) > start) p.generator = undefined;
  }
}

function pointSize(p: Point): number {
  if (p.area === 'coil' || p.area === 'discrete' || p.type === 'bool' || p.type.endsWith('16')) return 1;
  return p.type.endsWith('64') ? 4 : 2;
}

/** Rounds and wraps a generated number into the range of an integer type. */
function toRaw(value: number, type: PointConfig['type']): number | bigint {
  const bits = Number(/\d+/.exec(type)?.[0] ?? 16);
  if (type.startsWith('float')) return value;
  const n = BigInt(Math.round(value));
  const wrapped = type.startsWith('u') ? BigInt.asUintN(bits, n) : BigInt.asIntN(bits, n);
  return bits === 64 ? wrapped : Number(wrapped);
}

const exception = (fc: number, code: number) => Buffer.from([fc | 0x80, code]);

export interface SimulatorOptions {
  host?: string;
  port?: number;
  clock?: Clock;
}

/** One request as the server sees it, for matching faults. */
interface RequestView {
  unitId: number;
  fc: number;
  start: number;
  count: number;
}

const AREA_OF_FUNCTION: Record<number, ModbusArea> = {
  1: 'coil',
  2: 'discrete',
  3: 'holding',
  4: 'input',
  5: 'coil',
  6: 'holding',
  15: 'coil',
  16: 'holding',
  22: 'holding',
};

function viewOf(unitId: number, pdu: Buffer): RequestView {
  const fc = pdu[0] as number;
  const start = pdu.length >= 3 ? pdu.readUInt16BE(1) : 0;
  const count = fc <= 4 || fc === 15 || fc === 16 ? (pdu.length >= 5 ? pdu.readUInt16BE(3) : 1) : 1;
  return { unitId, fc, start, count };
}

function matches(f: FaultConfig, r: RequestView): boolean {
  if (f.unit !== undefined && f.unit !== r.unitId) return false;
  if (f.area !== undefined && f.area !== AREA_OF_FUNCTION[r.fc]) return false;
  return r.start <= f.end && r.start + r.count - 1 >= f.start;
}

export class ModbusSimulator {
  private readonly units = new Map<number, UnitImage>();
  private readonly streams = new Set<LinkStream>();
  private readonly timers = new Set<unknown>();
  private server?: net.Server;
  private readonly clock: Clock;
  private faults: FaultConfig[];
  requestsServed = 0;
  /** Requests served per function code (for tests). */
  readonly functionCounts: Record<number, number> = {};

  constructor(
    private readonly config: ModbusSimulatorConfig,
    private readonly opts: SimulatorOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.faults = [...config.faults];
    const t0 = this.clock.now();
    for (const unit of config.units) {
      const image = new UnitImage(unit.maskWrite);
      for (const pc of unit.points) {
        for (let i = 0; i < pc.count; i++) {
          const p: Point = { area: pc.area, address: pc.address, type: pc.type, byteOrder: pc.byteOrder };
          p.address = pc.address + i * pointSize(p);
          if (pc.generator) {
            // Spread sine phases and random seeds over repeated points so they differ.
            const cfg = pc.generator.kind === 'sine' ? { ...pc.generator, phase: pc.generator.phase + i / pc.count } : pc.generator;
            p.generator = createGenerator(cfg, t0, unit.id * 65536 + p.address + 1);
            p.perRead = cfg.kind === 'counter' && cfg.perRead;
          }
          image.points.push(p);
          image.store(p, pc.value ?? (p.perRead ? 0 : p.generator?.(t0)) ?? 0);
        }
      }
      image.index();
      this.units.set(unit.id, image);
    }
  }

  /** Starts serving; returns the TCP port (0 for a serial port). */
  async start(): Promise<number> {
    this.startScenario();
    const c = this.config;
    if (c.transport === 'rtu') {
      if (!c.serialPort) throw new Error('the rtu transport needs serialPort');
      const open = serialOpener({ path: c.serialPort, baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits });
      this.serve(await open(), 'rtu');
      return 0;
    }
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this.port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    for (const s of this.streams) s.close();
    this.streams.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Open client connections (TCP) or lines (serial). */
  get connections(): number {
    return this.streams.size;
  }

  /** Replaces the injected faults while the simulator runs. */
  setFaults(faults: FaultConfig[]): void {
    this.faults = [...faults];
  }

  /** Reads registers of a unit as wire bytes (for tests). */
  registers(unitId: number, area: 'holding' | 'input', address: number, count: number): Buffer {
    const unit = this.unit(unitId);
    unit.refresh(this.clock.now(), area, address, count);
    return Buffer.from(unit.registers[area].subarray(address * 2, (address + count) * 2));
  }

  bit(unitId: number, area: 'coil' | 'discrete', address: number): boolean {
    const unit = this.unit(unitId);
    unit.refresh(this.clock.now(), area, address, 1);
    return unit.bits[area][address] === 1;
  }

  private unit(id: number): UnitImage {
    const unit = this.units.get(id);
    if (!unit) throw new Error(`unit ${id} is not configured`);
    return unit;
  }

  private later(fn: () => void, ms: number) {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private startScenario() {
    const scenario = this.config.scenario;
    if (!scenario || scenario.steps.length === 0) return;
    const period = Math.max(...scenario.steps.map((s) => s.atMs)) + 1;
    const run = () => {
      for (const step of scenario.steps) {
        this.later(() => {
          const unit = this.units.get(step.unit);
          if (!unit) return;
          const p: Point = { area: step.area, address: step.address, type: step.type, byteOrder: step.byteOrder };
          unit.freeze(step.area, step.address, pointSize(p));
          unit.store(p, step.value);
        }, step.atMs);
      }
      if (scenario.loop) this.later(run, period);
    };
    run();
  }

  private accept(socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    let closeFn: ((reason: string) => void) | undefined;
    socket.on('close', () => closeFn?.('closed'));
    this.serve(
      {
        write: (b) => socket.write(b),
        close: () => socket.destroy(),
        onData: (fn) => socket.on('data', fn),
        onClose: (fn) => {
          closeFn = fn;
        },
      },
      this.config.transport === 'tcp' ? 'mbap' : 'rtu',
    );
  }

  /** Serves requests arriving on a byte stream, in the given framing. */
  private serve(stream: LinkStream, framing: 'mbap' | 'rtu') {
    this.streams.add(stream);
    stream.onClose(() => this.streams.delete(stream));
    const framer = new MbapFramer();
    let rtuBuffer = Buffer.alloc(0);
    const answer = (transactionId: number, unitId: number, pdu: Buffer) => {
      const unit = this.units.get(unitId);
      if (!unit) return;
      this.requestsServed++;
      this.functionCounts[pdu[0] as number] = (this.functionCounts[pdu[0] as number] ?? 0) + 1;
      const fault = this.faults.find((f) => matches(f, viewOf(unitId, pdu)) && (f.probability >= 1 || Math.random() < f.probability));
      const frame = (tid: number, uid: number, response: Buffer) => (framing === 'mbap' ? encodeMbap(tid, uid, response) : encodeRtu(uid, response));
      if (!fault) {
        stream.write(frame(transactionId, unitId, this.handle(unit, pdu)));
        return;
      }
      switch (fault.kind) {
        case 'exception':
          stream.write(frame(transactionId, unitId, exception(pdu[0] as number, fault.code)));
          return;
        case 'delay': {
          const response = frame(transactionId, unitId, this.handle(unit, pdu));
          this.later(() => this.streams.has(stream) && stream.write(response), fault.delayMs + Math.random() * fault.jitterMs);
          return;
        }
        case 'drop':
          return;
        case 'close':
          stream.close();
          return;
        case 'wrongTransactionId':
          stream.write(
            framing === 'mbap'
              ? frame((transactionId + 1) & 0xffff, unitId, this.handle(unit, pdu))
              : frame(transactionId, (unitId + 1) & 0xff, this.handle(unit, pdu)),
          );
          return;
        case 'truncate': {
          const whole = frame(transactionId, unitId, this.handle(unit, pdu));
          stream.write(whole.subarray(0, Math.ceil(whole.length / 2)));
          return;
        }
        case 'garbage':
          stream.write(Buffer.from('\xff\xfeNOT MODBUS\r\n', 'latin1'));
          return;
      }
    };
    stream.onData((chunk) => {
      if (framing === 'mbap') {
        let frames: ReturnType<MbapFramer['push']>;
        try {
          frames = framer.push(chunk);
        } catch {
          stream.close();
          return;
        }
        for (const f of frames) answer(f.transactionId, f.unitId, f.pdu);
        return;
      }
      rtuBuffer = Buffer.concat([rtuBuffer, chunk]);
      for (;;) {
        const length = rtuFrameLength(rtuBuffer, false);
        if (length === undefined || rtuBuffer.length < length) {
          if (rtuBuffer.length > 256 || (length === undefined && rtuBuffer.length >= 7)) rtuBuffer = Buffer.alloc(0);
          return;
        }
        const raw = rtuBuffer.subarray(0, length);
        rtuBuffer = rtuBuffer.subarray(length);
        try {
          const { unitId, pdu } = decodeRtu(raw);
          answer(0, unitId, pdu);
        } catch {
          rtuBuffer = Buffer.alloc(0); // a CRC error: wait for the line to resynchronise
          return;
        }
      }
    });
  }

  /** Serves one request PDU and returns the response PDU. */
  handle(unit: UnitImage, pdu: Buffer): Buffer {
    const fc = pdu[0] as number;
    if (pdu.length < 5) return exception(fc, 3);
    const start = pdu.readUInt16BE(1);
    const qty = pdu.readUInt16BE(3);
    switch (fc) {
      case 1:
      case 2: {
        if (qty < 1 || qty > MAX_READ_BITS) return exception(fc, 3);
        if (start + qty > 65536) return exception(fc, 2);
        unit.refresh(this.clock.now(), fc === 1 ? 'coil' : 'discrete', start, qty);
        const bits = unit.bits[fc === 1 ? 'coil' : 'discrete'];
        const out = Buffer.alloc(2 + Math.ceil(qty / 8));
        out[0] = fc;
        out[1] = out.length - 2;
        for (let i = 0; i < qty; i++) if (bits[start + i]) out[2 + (i >> 3)] = (out[2 + (i >> 3)] as number) | (1 << (i & 7));
        return out;
      }
      case 3:
      case 4: {
        if (qty < 1 || qty > MAX_READ_REGISTERS) return exception(fc, 3);
        if (start + qty > 65536) return exception(fc, 2);
        unit.refresh(this.clock.now(), fc === 3 ? 'holding' : 'input', start, qty);
        const out = Buffer.allocUnsafe(2 + qty * 2);
        out[0] = fc;
        out[1] = qty * 2;
        unit.registers[fc === 3 ? 'holding' : 'input'].copy(out, 2, start * 2, (start + qty) * 2);
        return out;
      }
      case 5: {
        if (qty !== 0xff00 && qty !== 0) return exception(fc, 3);
        unit.freeze('coil', start, 1);
        unit.bits.coil[start] = qty ? 1 : 0;
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 6: {
        unit.freeze('holding', start, 1);
        unit.registers.holding.writeUInt16BE(qty, start * 2);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 15: {
        const byteCount = pdu[5] ?? 0;
        if (qty < 1 || qty > 1968 || byteCount !== Math.ceil(qty / 8) || pdu.length < 6 + byteCount) return exception(fc, 3);
        if (start + qty > 65536) return exception(fc, 2);
        unit.freeze('coil', start, qty);
        for (let i = 0; i < qty; i++) unit.bits.coil[start + i] = ((pdu[6 + (i >> 3)] as number) >> (i & 7)) & 1;
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 16: {
        const byteCount = pdu[5] ?? 0;
        if (qty < 1 || qty > 123 || byteCount !== qty * 2 || pdu.length < 6 + byteCount) return exception(fc, 3);
        if (start + qty > 65536) return exception(fc, 2);
        unit.freeze('holding', start, qty);
        pdu.copy(unit.registers.holding, start * 2, 6, 6 + byteCount);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 22: {
        if (!unit.maskWrite) return exception(fc, 1);
        if (pdu.length < 7) return exception(fc, 3);
        const and = pdu.readUInt16BE(3);
        const or = pdu.readUInt16BE(5);
        unit.freeze('holding', start, 1);
        const current = unit.registers.holding.readUInt16BE(start * 2);
        unit.registers.holding.writeUInt16BE((current & and) | (or & ~and & 0xffff), start * 2);
        return Buffer.from(pdu.subarray(0, 7));
      }
      default:
        return exception(fc, 1);
    }
  }
}
