/**
 * One S7 connection through nodes7, as promises: connect, read items, write
 * bytes or a bit, close. One operation at a time (the driver queues them).
 *
 * nodes7 0.3.18 carries the protocol (ISO-on-TCP, COTP, the S7 setup, the read
 * and write jobs); the session wraps three of its methods on the instance to
 * make it safe and to learn what the PLC said:
 *  - onResponse: TCP delivers bytes, not frames, and nodes7 takes each chunk as
 *    one frame; the wrapper hands it whole TPKT frames. It reads each item's
 *    return code (nodes7 keeps only "BAD 255") and the header error. And an item
 *    the PLC refused declares a data length (snap7 says 4, in bits for byte items)
 *    that nodes7 then skips as half a byte: the next item's offset becomes
 *    fractional and a RangeError escapes from the socket's data handler, killing
 *    the process. The wrapper sets a refused item's length to 0, as the protocol
 *    means it (there is no data), before nodes7 parses the frame.
 *  - onISOConnectReply and onPDUReply: nodes7 drops a refused connection without
 *    calling back; the wrappers notice the refusal and fail the connect with a reason.
 * nodes7 reconnects by itself on fixed timers; the session never lets it: a
 * connection that fails is disposed of (every nodes7 timer cleared) and the
 * driver opens a new session after its own back-off.
 */
import { EventEmitter } from 'node:events';
import type NodeS7 from 'nodes7';
import type { Clock } from '../../src/clock.ts';
import { nodes7Bit, nodes7Bytes, type S7Area } from './address.ts';
import {
  CONNECT_REFUSED,
  connectErrorText,
  S7ConnectError,
  S7ItemError,
  S7NotConnectedError,
  S7RequestError,
  S7TimeoutError,
  SETUP_REFUSED,
} from './errors.ts';

export interface SessionOptions {
  host: string;
  port: number;
  rack: number;
  slot: number;
  localTsap?: number;
  remoteTsap?: number;
  /** The PDU size to ask for; the PLC may offer less. */
  pduSize: number;
  timeoutMs: number;
  clock: Clock;
  /** Gives up a connection attempt (the driver is stopping). */
  signal?: AbortSignal;
}

export interface ItemRequest {
  area: S7Area;
  db: number;
  start: number;
  length: number;
}

/** One item's outcome: its bytes, or the PLC's return code. */
export type ItemResult = { ok: true; data: Buffer } | { ok: false; returnCode: number };

/** What the wrapper read from the last response frame. */
interface Captured {
  function: number;
  /** Header error class << 8 | code; 0 if none. */
  errorCode: number;
  items: { returnCode: number; data?: Buffer }[];
}

const AREA_CODE: Record<S7Area, number> = { I: 0x81, Q: 0x82, M: 0x83, DB: 0x84 };
const FUNCTION_READ = 0x04;
const FUNCTION_WRITE = 0x05;

type NodeS7Instance = InstanceType<typeof NodeS7>;

export class S7Session extends EventEmitter<{ close: [reason: string] }> {
  /** The PDU size the PLC agreed to. */
  pduSize = 0;
  private open = true;
  private captured?: Captured;
  /** Ends the operation in flight early (a request the PLC refused as a whole). */
  private current?: () => void;
  private pending: Buffer = Buffer.alloc(0);
  private closedReason = 'not connected';

  private constructor(
    private readonly conn: NodeS7Instance,
    private readonly opts: SessionOptions,
  ) {
    super();
  }

  /** Opens a connection; rejects with an S7ConnectError that says what to check. */
  static async connect(opts: SessionOptions): Promise<S7Session> {
    const { default: NodeS7Class } = await import('nodes7');
    const conn = new NodeS7Class({ silent: true });
    conn.requestMaxPDU = opts.pduSize;
    const session = new S7Session(conn, opts);
    await session.handshake();
    return session;
  }

  get connected(): boolean {
    return this.open && this.conn.isoConnectionState === 4;
  }

  private handshake(): Promise<void> {
    const { conn, opts } = this;
    const proto = Object.getPrototypeOf(conn) as NodeS7Instance;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const abort = () => settle('connection attempt abandoned');
      const settle = (err?: string) => {
        if (settled) return;
        settled = true;
        opts.clock.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', abort);
        if (err === undefined) return resolve();
        this.dispose();
        reject(new S7ConnectError(err));
      };
      // TCP connect, COTP and the S7 setup each get the timeout; nodes7 has no overall one.
      const timer = opts.clock.setTimeout(
        () => settle(`no answer to the S7 connection request from ${opts.host}:${opts.port} within ${3 * opts.timeoutMs} ms`),
        3 * opts.timeoutMs,
      );
      opts.signal?.addEventListener('abort', abort, { once: true });
      conn.onISOConnectReply = (data: Buffer) => {
        // A connection confirm is TPDU code 0xD0; anything else is a refusal (usually a disconnect request, 0x80).
        const refused = data.length < 6 || data[5] !== 0xd0;
        proto.onISOConnectReply.call(conn, data);
        if (refused) settle(CONNECT_REFUSED);
      };
      conn.onPDUReply = (data: Buffer) => {
        proto.onPDUReply.call(conn, data);
        if (conn.isoConnectionState !== 4 && !(data.length === 7 && data[5] === 0xf0)) settle(SETUP_REFUSED);
      };
      conn.onResponse = (chunk: Buffer) => this.receive(chunk, proto);
      conn.initiateConnection(
        {
          host: opts.host,
          port: opts.port,
          rack: opts.rack,
          slot: opts.slot,
          ...(opts.localTsap !== undefined && opts.remoteTsap !== undefined ? { localTSAP: opts.localTsap, remoteTSAP: opts.remoteTsap } : {}),
          timeout: opts.timeoutMs,
          doNotOptimize: true,
        },
        (err) => {
          if (err !== undefined && err !== null) return settle(connectErrorText(err, opts.host, opts.port, opts.timeoutMs));
          this.pduSize = conn.maxPDU;
          conn.isoclient?.on('close', () => this.lost('the PLC closed the connection'));
          settle();
        },
      );
    });
  }

  /** Reads byte ranges in one request; one result per item, in the order given. */
  async read(items: readonly ItemRequest[]): Promise<ItemResult[]> {
    // nodes7 sends items sorted by area code, DB and offset: sort alike to match the response to them.
    const order = items.map((item, index) => ({ item, index })).sort((a, b) => compareItems(a.item, b.item));
    const conn = this.conn;
    const captured = await this.run(FUNCTION_READ, (done) => {
      conn.removeItems();
      conn.addItems(order.map(({ item }) => nodes7Bytes(item.area, item.db, item.start, item.length)));
      conn.readAllItems(() => done());
    });
    if (captured.items.length !== items.length) {
      this.lost(`the PLC answered ${captured.items.length} items to a read of ${items.length}`);
      throw new S7NotConnectedError(`bad response: ${captured.items.length} items for ${items.length}`);
    }
    const results: ItemResult[] = new Array(items.length);
    order.forEach(({ item, index }, wire) => {
      const got = captured.items[wire] as Captured['items'][number];
      results[index] =
        got.returnCode === 0xff && got.data && got.data.length === item.length ? { ok: true, data: got.data } : { ok: false, returnCode: got.returnCode };
    });
    return results;
  }

  /** Writes bytes; throws S7ItemError with the PLC's return code if it refuses them. */
  async writeBytes(area: S7Area, db: number, start: number, data: Buffer, place: string): Promise<void> {
    const address = nodes7Bytes(area, db, start, data.length);
    await this.write(address, data.length === 1 ? data[0] : [...data], place);
  }

  /** Writes one bit with transport size BIT: the PLC changes that bit and no other. */
  async writeBit(area: S7Area, db: number, offset: number, bit: number, value: boolean, place: string): Promise<void> {
    await this.write(nodes7Bit(area, db, offset, bit), value, place);
  }

  private async write(address: string, value: unknown, place: string): Promise<void> {
    const conn = this.conn;
    const captured = await this.run(FUNCTION_WRITE, (done) => {
      if (conn.writeItems(address, value, () => done()) !== 0) throw new Error('nodes7 refused to queue the write');
    });
    const code = captured.items[0]?.returnCode;
    if (code !== 0xff) throw new S7ItemError(code ?? 0, place);
  }

  /** Runs one nodes7 job; resolves with what the PLC answered to it. */
  private run(fn: number, start: (done: () => void) => void): Promise<Captured> {
    if (!this.connected) return Promise.reject(new S7NotConnectedError('not connected'));
    const { clock, timeoutMs } = this.opts;
    this.captured = undefined;
    return new Promise<Captured>((resolve, reject) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        this.current = undefined;
        clock.clearTimeout(guard);
        const captured = this.captured;
        this.captured = undefined;
        if (!captured && !this.open) return reject(new S7NotConnectedError(this.closedReason));
        if (captured && captured.errorCode !== 0) {
          const error = new S7RequestError(captured.errorCode);
          // nodes7 drops the connection after a refused request: so do we, with the reason.
          if (this.conn.isoConnectionState !== 4) this.lost(error.message);
          return reject(error);
        }
        if (!captured || captured.function !== fn) {
          // nodes7 answers a timeout with bad values and drops the connection.
          const reason = `no response within ${timeoutMs} ms`;
          this.lost(reason);
          return reject(new S7TimeoutError(reason));
        }
        if (this.conn.isoConnectionState !== 4) this.lost('nodes7 dropped the connection');
        resolve(captured);
      };
      this.current = finish;
      // nodes7 times out each packet itself; this guard is for a callback that never comes.
      const guard = clock.setTimeout(finish, timeoutMs + 1000);
      try {
        start(finish);
      } catch (err) {
        clock.clearTimeout(guard);
        finished = true;
        reject(err);
      }
    });
  }

  /** TCP chunks in, whole TPKT frames out to nodes7, each inspected (and refused items normalised) first. */
  private receive(chunk: Buffer, proto: NodeS7Instance) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 4) {
      if (this.pending[0] !== 0x03) {
        this.pending = Buffer.alloc(0);
        this.lost('the byte stream from the PLC is not ISO-on-TCP');
        return;
      }
      const length = this.pending.readUInt16BE(2);
      if (length < 7) {
        this.pending = Buffer.alloc(0);
        this.lost(`bad TPKT length ${length}`);
        return;
      }
      if (this.pending.length < length) return;
      const frame = Buffer.from(this.pending.subarray(0, length));
      this.pending = this.pending.subarray(length);
      this.inspect(frame);
      if (!this.open) return;
      proto.onResponse.call(this.conn, frame);
      if (this.captured && this.captured.errorCode !== 0) this.current?.();
    }
  }

  /** Reads the header error and each item's return code (and data) of an S7 ack-data frame. */
  private inspect(frame: Buffer) {
    // TPKT (4) + COTP data (3) + S7 header: 0x32, ROSCTR, 2 reserved, PDU ref, param length, data length, error class, error code.
    if (frame.length < 19 || frame[5] !== 0xf0 || frame[7] !== 0x32 || (frame[8] !== 0x02 && frame[8] !== 0x03)) return;
    const paramLength = frame.readUInt16BE(13);
    const errorCode = frame.readUInt16BE(17);
    if (paramLength < 2 || frame.length < 21) {
      this.captured = { function: -1, errorCode: errorCode || 0xffff, items: [] };
      return;
    }
    const fn = frame[19] as number;
    const count = frame[20] as number;
    const items: Captured['items'] = [];
    let at = 19 + paramLength;
    for (let i = 0; i < count && at < frame.length; i++) {
      const returnCode = frame[at] as number;
      if (fn === FUNCTION_WRITE) {
        items.push({ returnCode });
        at += 1;
        continue;
      }
      if (fn !== FUNCTION_READ || at + 4 > frame.length) break;
      const transport = frame[at + 1] as number;
      const declared = frame.readUInt16BE(at + 2);
      // Transport sizes 3, 4, 5 (bit, byte/word/dword, integer) count the length in bits.
      const bytes = returnCode !== 0xff ? 0 : transport === 3 || transport === 4 || transport === 5 ? Math.ceil(declared / 8) : declared;
      if (returnCode !== 0xff) frame.writeUInt16BE(0, at + 2);
      items.push(returnCode === 0xff ? { returnCode, data: frame.subarray(at + 4, at + 4 + bytes) } : { returnCode });
      at += 4 + bytes + (i < count - 1 && bytes % 2 === 1 ? 1 : 0);
    }
    this.captured = { function: fn, errorCode, items };
  }

  private lost(reason: string) {
    if (!this.open) return;
    this.closedReason = reason;
    this.dispose();
    this.emit('close', reason);
  }

  /** Closes the connection and every nodes7 timer; the session is done. */
  close(): void {
    this.closedReason = 'connection closed';
    this.dispose();
    this.removeAllListeners();
  }

  private dispose() {
    this.open = false;
    const c = this.conn;
    for (const t of [c.reconnectTimer, c.rereadTimer, c.connectTimeout, c.PDUTimeout, c.resetTimeout, c.dropConnectionTimer]) if (t) clearTimeout(t);
    c.reconnectTimer = c.rereadTimer = c.resetTimeout = undefined;
    c.dropConnectionTimer = null;
    c.connectionCleanup();
    // An operation in flight gets no callback from nodes7 now: end it here.
    this.current?.();
  }
}

function compareItems(a: ItemRequest, b: ItemRequest): number {
  return AREA_CODE[a.area] - AREA_CODE[b.area] || a.db - b.db || a.start - b.start || b.length - a.length;
}
