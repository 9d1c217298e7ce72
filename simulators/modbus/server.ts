/**
 * A fast Modbus TCP server on raw sockets for demos, tests and benchmarks:
 * several unit ids, each with the full 65536-entry register and bit areas,
 * points driven by generators, and writable holding registers and coils.
 * A request to a unit that is not configured gets no answer, like a dead
 * unit behind a serial gateway.
 */

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { ModbusArea } from '../../drivers/modbus/address.ts';
import { encodeRegisters } from '../../drivers/modbus/codec.ts';
import { encodeMbap, MbapFramer } from '../../drivers/modbus/mbap.ts';
import { MAX_READ_BITS, MAX_READ_REGISTERS } from '../../drivers/modbus/pdu.ts';
import { type Clock, systemClock } from '../../src/clock.ts';
import { createGenerator, type Generator } from '../generators.ts';
import type { ModbusSimulatorConfig, PointConfig } from './config.ts';

interface Point {
  area: ModbusArea;
  address: number;
  type: PointConfig['type'];
  byteOrder: PointConfig['byteOrder'];
  generator?: Generator;
}

class UnitImage {
  readonly bits: Record<'coil' | 'discrete', Uint8Array> = { coil: new Uint8Array(65536), discrete: new Uint8Array(65536) };
  readonly registers: Record<'holding' | 'input', Buffer> = { holding: Buffer.alloc(131072), input: Buffer.alloc(131072) };
  readonly points: Point[] = [];
  private refreshedAt = -1;

  /** Brings generated points up to `now` (at most once per millisecond). */
  refresh(now: number) {
    if (now === this.refreshedAt) return;
    this.refreshedAt = now;
    for (const p of this.points) if (p.generator) this.store(p, p.generator(now));
  }

  store(p: Point, value: number | boolean) {
    if (p.area === 'coil' || p.area === 'discrete') {
      this.bits[p.area][p.address] = value ? 1 : 0;
      return;
    }
    const bytes = p.type === 'bool' ? encodeRegisters(value ? 1 : 0, 'uint16', 'ABCD') : encodeRegisters(toRaw(Number(value), p.type), p.type, p.byteOrder);
    bytes.copy(this.registers[p.area], p.address * 2);
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

export class ModbusSimulator {
  private readonly units = new Map<number, UnitImage>();
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;
  private readonly clock: Clock;
  requestsServed = 0;

  constructor(
    config: ModbusSimulatorConfig,
    private readonly opts: SimulatorOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    const t0 = this.clock.now();
    for (const unit of config.units) {
      const image = new UnitImage();
      for (const pc of unit.points) {
        for (let i = 0; i < pc.count; i++) {
          const p: Point = { area: pc.area, address: pc.address, type: pc.type, byteOrder: pc.byteOrder };
          p.address = pc.address + i * pointSize(p);
          if (pc.generator) {
            // Spread sine phases and random seeds over repeated points so they differ.
            const cfg = pc.generator.kind === 'sine' ? { ...pc.generator, phase: pc.generator.phase + i / pc.count } : pc.generator;
            p.generator = createGenerator(cfg, t0, unit.id * 65536 + p.address + 1);
          }
          image.points.push(p);
          image.store(p, pc.value ?? p.generator?.(t0) ?? 0);
        }
      }
      this.units.set(unit.id, image);
    }
  }

  async start(): Promise<number> {
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
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Reads registers of a unit as wire bytes (for tests). */
  registers(unitId: number, area: 'holding' | 'input', address: number, count: number): Buffer {
    const unit = this.unit(unitId);
    unit.refresh(this.clock.now());
    return Buffer.from(unit.registers[area].subarray(address * 2, (address + count) * 2));
  }

  bit(unitId: number, area: 'coil' | 'discrete', address: number): boolean {
    const unit = this.unit(unitId);
    unit.refresh(this.clock.now());
    return unit.bits[area][address] === 1;
  }

  private unit(id: number): UnitImage {
    const unit = this.units.get(id);
    if (!unit) throw new Error(`unit ${id} is not configured`);
    return unit;
  }

  private accept(socket: net.Socket) {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const framer = new MbapFramer();
    socket.on('data', (chunk) => {
      let frames: ReturnType<MbapFramer['push']>;
      try {
        frames = framer.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        const unit = this.units.get(frame.unitId);
        if (!unit) continue;
        this.requestsServed++;
        socket.write(encodeMbap(frame.transactionId, frame.unitId, this.handle(unit, frame.pdu)));
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
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
        unit.refresh(this.clock.now());
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
        unit.refresh(this.clock.now());
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
      default:
        return exception(fc, 1);
    }
  }
}
