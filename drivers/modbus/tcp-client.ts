/**
 * A Modbus TCP client connection: one request in flight, each with its own
 * timeout, answers matched by transaction id (16 bits, so late answers to
 * timed-out requests are recognised and dropped).
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Clock } from '../../src/clock.ts';
import { encodeMbap, type FramingError, MbapFramer } from './mbap.ts';

export class RequestTimeoutError extends Error {}
export class NotConnectedError extends Error {}

interface Pending {
  unitId: number;
  pdu: Buffer;
  resolve(pdu: Buffer): void;
  reject(err: Error): void;
}

interface InFlight extends Pending {
  transactionId: number;
  timer: unknown;
  sentAt: number;
}

export interface TcpClientOptions {
  host: string;
  port: number;
  timeoutMs: number;
  connectTimeoutMs?: number;
  clock: Clock;
}

/** Emits 'close' (with the reason) when the connection ends for any reason after connect(). */
export class ModbusTcpClient extends EventEmitter<{ close: [reason: string]; discard: [reason: string] }> {
  private socket?: net.Socket;
  private framer = new MbapFramer();
  private queue: Pending[] = [];
  private inFlight?: InFlight;
  private nextTransactionId = 1;
  lastRoundTripMs?: number;

  constructor(private readonly opts: TcpClientOptions) {
    super();
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.opts.host, port: this.opts.port });
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      const timer = this.opts.clock.setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${this.opts.host}:${this.opts.port} timed out`));
      }, this.opts.connectTimeoutMs ?? 5000);
      socket.once('connect', () => {
        this.opts.clock.clearTimeout(timer);
        this.socket = socket;
        this.framer = new MbapFramer();
        socket.on('data', (chunk) => this.onData(chunk));
        socket.on('close', () => this.onClose('connection closed by the device'));
        resolve();
      });
      socket.once('error', (err) => {
        this.opts.clock.clearTimeout(timer);
        if (this.socket === socket) this.onClose(err.message);
        else reject(err);
      });
    });
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Sends a PDU to a unit; resolves with the response PDU (exceptions included). */
  request(unitId: number, pdu: Buffer): Promise<Buffer> {
    if (!this.socket) return Promise.reject(new NotConnectedError('not connected'));
    return new Promise((resolve, reject) => {
      this.queue.push({ unitId, pdu, resolve, reject });
      this.sendNext();
    });
  }

  close(reason = 'closed'): void {
    this.onClose(reason);
  }

  private sendNext(): void {
    if (this.inFlight || !this.socket) return;
    const next = this.queue.shift();
    if (!next) return;
    const transactionId = this.nextTransactionId;
    this.nextTransactionId = (this.nextTransactionId + 1) & 0xffff;
    const timer = this.opts.clock.setTimeout(() => {
      if (this.inFlight?.transactionId !== transactionId) return;
      this.inFlight = undefined;
      next.reject(new RequestTimeoutError(`no response within ${this.opts.timeoutMs} ms`));
      this.sendNext();
    }, this.opts.timeoutMs);
    this.inFlight = { ...next, transactionId, timer, sentAt: performance.now() };
    this.socket.write(encodeMbap(transactionId, next.unitId, next.pdu));
  }

  private onData(chunk: Buffer): void {
    let frames: ReturnType<MbapFramer['push']>;
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      // Out of step with the byte stream: only a new connection recovers it.
      this.onClose(`garbled response: ${(err as FramingError).message}`);
      return;
    }
    for (const frame of frames) {
      const current = this.inFlight;
      if (!current || frame.transactionId !== current.transactionId || frame.unitId !== current.unitId) {
        this.emit('discard', `unexpected response (transaction ${frame.transactionId}, unit ${frame.unitId})`);
        continue;
      }
      this.opts.clock.clearTimeout(current.timer);
      this.inFlight = undefined;
      this.lastRoundTripMs = performance.now() - current.sentAt;
      current.resolve(frame.pdu);
    }
    this.sendNext();
  }

  private onClose(reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.removeAllListeners();
    socket.on('error', () => {});
    socket.destroy();
    const failed = [...(this.inFlight ? [this.inFlight] : []), ...this.queue];
    if (this.inFlight) this.opts.clock.clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    this.queue = [];
    for (const p of failed) p.reject(new NotConnectedError(`connection lost: ${reason}`));
    this.emit('close', reason);
  }
}
