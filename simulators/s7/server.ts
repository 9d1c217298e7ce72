/**
 * An S7 PLC for demos, tests and benchmarks: snap7's server (node-snap7), a
 * real S7 stack, with data blocks, merkers, inputs and outputs whose values
 * come from the configuration and from generators. snap7 owns the memory and
 * answers clients itself (bounds, missing DBs, single-bit writes, PDU size);
 * the simulator brings generated values up to date every `updateIntervalMs`.
 * A value a client writes stays: its generator stops.
 *
 * node-snap7 is an optional native package. It loads when the simulator
 * starts; where it did not build, start() throws a SimulatorUnavailableError
 * that says so, and the rest of Plexus runs without it.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { oneOf, parseS7Address, type S7Address, type S7Area } from '../../drivers/s7/address.ts';
import { decodeS7, encodeS7 } from '../../drivers/s7/codec.ts';
import { type Clock, systemClock } from '../../src/clock.ts';
import { ConfigError, type ErrorDetail, PlexusError } from '../../src/errors.ts';
import { createGenerator, type Generator } from '../generators.ts';
import type { S7SimulatorConfig, S7ValueConfig } from './config.ts';

/** The S7 simulator cannot run here (node-snap7 is missing or did not build); the gateway runs on without it. */
export class SimulatorUnavailableError extends PlexusError {
  constructor(message: string) {
    super('PLX_SIMULATOR_UNAVAILABLE', message, 503);
    this.name = 'SimulatorUnavailableError';
  }
}

/** The parts of node-snap7's S7Server the simulator uses (the package has no types). */
export interface Snap7Server {
  SetParam(param: number, value: number): boolean;
  RegisterArea(area: number, index: number, buffer: Buffer): boolean;
  RegisterArea(area: number, buffer: Buffer): boolean;
  UnregisterArea(area: number, index?: number): boolean;
  GetArea(area: number, index?: number): Buffer;
  SetArea(area: number, index: number, buffer: Buffer): void;
  SetEventMask(mask: number): void;
  StartTo(ip: string, callback: (err: number | null) => void): void;
  Stop(callback: (err: number | null) => void): void;
  ErrorText(code: number): string;
  ClientsCount(): number;
  on(
    event: 'event',
    listener: (event: { EvtCode: number; EvtRetCode: number; EvtParam1: number; EvtParam2: number; EvtParam3: number; EvtParam4: number }) => void,
  ): void;
  removeAllListeners(event?: string): void;
  LocalPort: number;
  PDURequest: number;
  srvAreaPE: number;
  srvAreaPA: number;
  srvAreaMK: number;
  srvAreaDB: number;
  evcDataWrite: number;
}

export interface Snap7Module {
  S7Server: new () => Snap7Server;
}

export interface S7SimulatorOptions {
  host?: string;
  port?: number;
  clock?: Clock;
  /** How node-snap7 is loaded (tests replace it to see the simulator unavailable). */
  loadSnap7?: () => Snap7Module;
}

const loadNodeSnap7 = () => createRequire(import.meta.url)('node-snap7') as Snap7Module;

/**
 * node-snap7 keeps its event handles in process-wide globals: a second native
 * server would re-initialise them under the first. So a process has one,
 * reused by every simulator it starts, one at a time.
 */
let native: Snap7Server | undefined;
let owner: S7Simulator | undefined;

interface Memory {
  area: S7Area;
  db: number;
  /** node-snap7's area code. */
  code: number;
  size: number;
  points: Point[];
}

interface Point {
  addr: S7Address;
  generator?: Generator;
  /** What the simulator last stored (bytes, or the bit): anything else there was written by a client. */
  stored?: Buffer | boolean;
  /** The configured value, or the generator's at the start. */
  initial?: number | boolean | string;
}

export class S7Simulator {
  private readonly memories = new Map<string, Memory>();
  private readonly clock: Clock;
  private server?: Snap7Server;
  private timer: unknown;
  private actualPort = 0;
  /** Values clients wrote (counted from snap7's write events). */
  writesSeen = 0;

  constructor(
    private readonly config: S7SimulatorConfig,
    private readonly opts: S7SimulatorOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    const add = (area: S7Area, db: number, size: number) => {
      if (size > 0) this.memories.set(memoryKey(area, db), { area, db, code: -1, size, points: [] });
    };
    for (const db of config.dataBlocks) add('DB', db.number, db.size);
    add('M', 0, config.merkerBytes);
    add('I', 0, config.inputBytes);
    add('Q', 0, config.outputBytes);
    const problems: ErrorDetail[] = [];
    const t0 = this.clock.now();
    config.values.forEach((v, i) => {
      const problem = this.addValue(v, t0);
      if (problem) problems.push({ path: `values[${i}]`, message: problem });
    });
    if (problems.length > 0) throw new ConfigError('invalid S7 simulator configuration', problems);
  }

  /** Places a configured value (repeated `count` times); returns what is wrong with it, if anything. */
  private addValue(v: S7ValueConfig, t0: number): string | undefined {
    const parsed = parseS7Address(v.address, v.type);
    if (!parsed.ok) return `address: ${parsed.error}`;
    const first = parsed.address;
    if (v.type && !first.accepts.includes(v.type)) return `type: ${v.address} (${first.holds}) holds ${oneOf(first.accepts)}, not ${v.type}`;
    const memory = this.memories.get(memoryKey(first.area, first.db));
    if (!memory)
      return `address: ${first.area === 'DB' ? `DB${first.db} is not among the dataBlocks` : `the ${first.area} area has no bytes (see ${first.area === 'M' ? 'merker' : first.area === 'I' ? 'input' : 'output'}Bytes)`}`;
    if (v.value !== undefined && v.generator) return 'give a value or a generator, not both';
    if (typeof v.value === 'string' && first.type !== 'string') return `value: ${v.address} holds ${first.type}, not text`;
    if (v.value !== undefined && typeof v.value !== 'string' && first.type === 'string') return `value: ${v.address} holds text`;
    for (let i = 0; i < v.count; i++) {
      const addr = step(first, i);
      if (addr.offset + addr.size > memory.size)
        return `address: ${v.address}${v.count > 1 ? ` (copy ${i + 1})` : ''} runs past the ${memory.size} bytes of ${first.area === 'DB' ? `DB${first.db}` : `the ${first.area} area`}`;
      const point: Point = { addr };
      if (v.generator) {
        const cfg = v.generator.kind === 'sine' ? { ...v.generator, phase: v.generator.phase + i / v.count } : v.generator;
        point.generator = createGenerator(cfg, t0, addr.db * 65536 + addr.offset * 8 + (addr.bit ?? 0) + 1);
      }
      point.initial = v.value ?? point.generator?.(t0) ?? (addr.type === 'string' ? '' : 0);
      memory.points.push(point);
    }
    return undefined;
  }

  get port(): number {
    return this.actualPort;
  }

  /** Starts serving; returns the TCP port. */
  async start(): Promise<number> {
    if (owner && owner !== this) throw new Error('an S7 simulator already runs in this process: node-snap7 serves one at a time');
    let snap7: Snap7Module;
    try {
      snap7 = (this.opts.loadSnap7 ?? loadNodeSnap7)();
    } catch (err) {
      throw new SimulatorUnavailableError(
        `the S7 simulator needs the optional native package node-snap7, which did not build on this platform (or was not installed): ${(err as Error).message}`,
      );
    }
    owner = this;
    try {
      native ??= new snap7.S7Server();
      const server = native;
      this.server = server;
      const host = this.opts.host ?? '127.0.0.1';
      // snap7 cannot say which port it bound to: pick a free one when asked for any.
      this.actualPort = this.opts.port ? this.opts.port : await freePort(host);
      server.SetParam(server.LocalPort, this.actualPort);
      server.SetParam(server.PDURequest, this.config.pduSize);
      for (const m of this.memories.values()) {
        m.code = m.area === 'DB' ? server.srvAreaDB : m.area === 'M' ? server.srvAreaMK : m.area === 'I' ? server.srvAreaPE : server.srvAreaPA;
        const image = Buffer.alloc(m.size);
        for (const p of m.points) this.store(image, p, p.initial ?? 0);
        const ok = m.area === 'DB' ? server.RegisterArea(m.code, m.db, image) : server.RegisterArea(m.code, image);
        if (!ok) throw new Error(`snap7 refused to register ${memoryKey(m.area, m.db)}`);
      }
      server.removeAllListeners('event');
      server.SetEventMask(server.evcDataWrite);
      server.on('event', (e) => {
        if (e.EvtCode === server.evcDataWrite && e.EvtRetCode === 0) this.written(e.EvtParam1, e.EvtParam2, e.EvtParam3, e.EvtParam4);
      });
      await new Promise<void>((resolve, reject) =>
        server.StartTo(host, (err) =>
          err ? reject(new Error(`the S7 simulator cannot listen on ${host}:${this.actualPort}: ${server.ErrorText(err)}`)) : resolve(),
        ),
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.schedule();
    return this.actualPort;
  }

  async stop(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => server.Stop(() => resolve()));
      server.removeAllListeners('event');
      for (const m of this.memories.values()) {
        if (m.area === 'DB') server.UnregisterArea(m.code, m.db);
        else server.UnregisterArea(m.code);
      }
    }
    if (owner === this) owner = undefined;
  }

  /** The value at an address (tag syntax), as a client would read it now. */
  valueAt(address: string, type?: S7Address['type']): unknown {
    const { memory, addr } = this.locate(address, type);
    return decodeS7(this.image(memory), addr.offset, addr);
  }

  /** Sets the value at an address (tag syntax) as the PLC program would; a generator there stops. */
  setValue(address: string, value: number | bigint | boolean | string, type?: S7Address['type']): void {
    const { memory, addr } = this.locate(address, type);
    const image = this.image(memory);
    for (const p of memory.points) if (overlaps(p.addr, addr.offset, addr.size)) p.generator = undefined;
    this.store(image, { addr }, value);
    this.server?.SetArea(memory.code, memory.db, image);
  }

  /** Raw bytes of a DB or area. */
  bytes(area: S7Area, db: number, start: number, length: number): Buffer {
    const memory = this.memories.get(memoryKey(area, db));
    if (!memory) throw new Error(`${memoryKey(area, db)} is not configured`);
    return this.image(memory).subarray(start, start + length);
  }

  private locate(address: string, type?: S7Address['type']) {
    const parsed = parseS7Address(address, type);
    if (!parsed.ok) throw new Error(parsed.error);
    const memory = this.memories.get(memoryKey(parsed.address.area, parsed.address.db));
    if (!memory) throw new Error(`${address}: not in the simulator's memory`);
    return { memory, addr: parsed.address };
  }

  private image(memory: Memory): Buffer {
    if (!this.server) throw new Error('the S7 simulator is not running');
    return memory.area === 'DB' ? this.server.GetArea(memory.code, memory.db) : this.server.GetArea(memory.code);
  }

  /** A client wrote: the values it touched keep what it wrote. */
  private written(areaCode: number, db: number, start: number, size: number) {
    this.writesSeen++;
    const area = AREA_OF_CODE[areaCode];
    const memory = area ? this.memories.get(memoryKey(area, area === 'DB' ? db : 0)) : undefined;
    for (const p of memory?.points ?? []) if (overlaps(p.addr, start, Math.max(1, size))) p.generator = undefined;
  }

  private schedule() {
    if (![...this.memories.values()].some((m) => m.points.some((p) => p.generator))) return;
    this.timer = this.clock.setTimeout(() => {
      this.update();
      if (this.server) this.schedule();
    }, this.config.updateIntervalMs);
  }

  /** Brings generated values up to date, leaving alone any a client changed since. */
  update(): void {
    const server = this.server;
    if (!server) return;
    const now = this.clock.now();
    for (const memory of this.memories.values()) {
      const live = memory.points.filter((p) => p.generator);
      if (live.length === 0) continue;
      const image = this.image(memory);
      let changed = false;
      for (const p of live) {
        if (!sameAsStored(image, p)) {
          p.generator = undefined; // written by a client before its write event arrived
          continue;
        }
        const before = Buffer.from(image.subarray(p.addr.offset, p.addr.offset + p.addr.size));
        this.store(image, p, (p.generator as Generator)(now));
        changed ||= !before.equals(image.subarray(p.addr.offset, p.addr.offset + p.addr.size));
      }
      // snap7 copies the whole area: a client write landing between GetArea and SetArea would be lost. The window is a
      // few microseconds per update, and only in areas with generated values.
      if (changed) server.SetArea(memory.code, memory.db, image);
    }
  }

  /** Writes a value into an image and remembers what was written. */
  private store(image: Buffer, p: Point, raw: number | bigint | boolean | string) {
    const a = p.addr;
    if (a.type === 'bool') {
      const mask = 1 << (a.bit ?? 0);
      image[a.offset] = raw ? (image[a.offset] as number) | mask : (image[a.offset] as number) & ~mask;
      p.stored = Boolean(raw);
      return;
    }
    if (a.s7Type === 'STRING') {
      const chars = Buffer.from(String(raw).slice(0, a.length), 'latin1');
      image[a.offset] = a.length as number;
      image[a.offset + 1] = chars.length;
      image.fill(0, a.offset + 2, a.offset + a.size);
      chars.copy(image, a.offset + 2);
    } else {
      encodeS7(fit(raw, a.type), a).copy(image, a.offset);
    }
    p.stored = Buffer.from(image.subarray(a.offset, a.offset + a.size));
  }
}

/** S7 area codes, as snap7's events report them. */
const AREA_OF_CODE: Record<number, S7Area | undefined> = { 129: 'I', 130: 'Q', 131: 'M', 132: 'DB' };

const memoryKey = (area: S7Area, db: number) => (area === 'DB' ? `DB${db}` : area);

/** The address of the i-th copy: the next bit for bits, the next value for the rest. */
function step(a: S7Address, i: number): S7Address {
  if (i === 0) return a;
  if (a.type === 'bool') {
    const bit = (a.bit ?? 0) + i;
    return { ...a, offset: a.offset + (bit >> 3), bit: bit & 7 };
  }
  return { ...a, offset: a.offset + i * a.size };
}

function overlaps(a: S7Address, start: number, size: number): boolean {
  return a.offset < start + size && a.offset + a.size > start;
}

function sameAsStored(image: Buffer, p: Point): boolean {
  const a = p.addr;
  if (p.stored === undefined) return true;
  if (typeof p.stored === 'boolean') return ((((image[a.offset] as number) >> (a.bit ?? 0)) & 1) === 1) === p.stored;
  return p.stored.equals(image.subarray(a.offset, a.offset + a.size));
}

/** A generated or configured value in the range and kind of its type: integers rounded and wrapped. */
function fit(raw: number | bigint | boolean | string, type: S7Address['type']): number | bigint | string {
  if (type === 'string') return String(raw);
  if (type.startsWith('float')) return Number(raw);
  if (type === 'bcd16' || type === 'bcd32') return Math.min(type === 'bcd16' ? 9999 : 99_999_999, Math.max(0, Math.round(Number(raw))));
  const bits = Number(/\d+/.exec(type)?.[0] ?? 16);
  const n = typeof raw === 'bigint' ? raw : BigInt(Math.round(Number(raw)));
  const wrapped = type.startsWith('u') ? BigInt.asUintN(bits, n) : BigInt.asIntN(bits, n);
  return bits === 64 ? wrapped : Number(wrapped);
}

async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
