/**
 * One Modbus connection (TCP, RTU over TCP, or RTU on a serial line): one
 * request in flight, each with its own timeout, a minimum gap between
 * requests where a device or the RTU line needs one, answers matched to the
 * request in flight (by transaction id where the framing has one), and late
 * or stray answers dropped.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../src/clock.ts';
import { createFramer, type Framer, type FramingError, type FramingKind } from './framing.ts';
import { BadResponseError } from './pdu.ts';
import type { LinkStream, StreamOpener } from './streams.ts';

export class RequestTimeoutError extends Error {}
export class NotConnectedError extends Error {}

export interface RequestOptions {
  timeoutMs: number;
  /** Quiet time the line needs before this request (ms since the last byte). */
  gapMs?: number;
  /** Told the time from sending the request to its answer (not counting the wait in the queue). */
  onRoundTrip?: (ms: number) => void;
}

interface Pending {
  unitId: number;
  pdu: Buffer;
  opts: RequestOptions;
  resolve(pdu: Buffer): void;
  reject(err: Error): void;
}

interface InFlight extends Pending {
  transactionId: number;
  timer: unknown;
  sentAt: number;
}

export interface ClientOptions {
  open: StreamOpener;
  framing: FramingKind;
  clock: Clock;
}

/** Emits 'close' (with the reason) when an open connection ends, 'discard' for stray answers. */
export class ModbusClient extends EventEmitter<{ close: [reason: string]; discard: [reason: string] }> {
  private stream?: LinkStream;
  private framer: Framer;
  private queue: Pending[] = [];
  private inFlight?: InFlight;
  private gapTimer: unknown;
  private nextTransactionId = 1;
  private lastActivity = 0;
  lastRoundTripMs?: number;

  constructor(private readonly opts: ClientOptions) {
    super();
    this.framer = createFramer(opts.framing);
  }

  async connect(): Promise<void> {
    const stream = await this.opts.open();
    this.stream = stream;
    this.framer = createFramer(this.opts.framing);
    stream.onData((chunk) => this.onData(chunk));
    stream.onClose((reason) => this.onClose(reason));
  }

  get connected(): boolean {
    return this.stream !== undefined;
  }

  /** Sends a PDU to a unit; resolves with the response PDU (exception responses included). */
  request(unitId: number, pdu: Buffer, opts: RequestOptions): Promise<Buffer> {
    if (!this.stream) return Promise.reject(new NotConnectedError('not connected'));
    return new Promise((resolve, reject) => {
      this.queue.push({ unitId, pdu, opts, resolve, reject });
      this.sendNext();
    });
  }

  close(reason = 'closed'): void {
    this.onClose(reason);
  }

  private sendNext(): void {
    if (this.inFlight || !this.stream || this.gapTimer !== undefined) return;
    const next = this.queue[0];
    if (!next) return;
    const wait = (next.opts.gapMs ?? 0) - (performance.now() - this.lastActivity);
    if (wait > 0) {
      this.gapTimer = this.opts.clock.setTimeout(() => {
        this.gapTimer = undefined;
        this.sendNext();
      }, Math.ceil(wait));
      return;
    }
    this.queue.shift();
    const transactionId = this.nextTransactionId;
    this.nextTransactionId = (this.nextTransactionId + 1) & 0xffff;
    const timer = this.opts.clock.setTimeout(() => {
      if (this.inFlight?.transactionId !== transactionId) return;
      this.inFlight = undefined;
      this.lastActivity = performance.now();
      // Bytes of an answer that never completed belong to this request: drop them, or they would garble the next one.
      this.framer.reset();
      next.reject(new RequestTimeoutError(`no response within ${next.opts.timeoutMs} ms`));
      this.sendNext();
    }, next.opts.timeoutMs);
    if (this.opts.framing === 'rtu') this.framer.reset();
    this.inFlight = { ...next, transactionId, timer, sentAt: performance.now() };
    this.stream.write(this.framer.encode(transactionId, next.unitId, next.pdu));
  }

  private finish(current: InFlight, outcome: { pdu: Buffer } | { error: Error }) {
    this.opts.clock.clearTimeout(current.timer);
    this.inFlight = undefined;
    this.lastActivity = performance.now();
    this.lastRoundTripMs = this.lastActivity - current.sentAt;
    current.opts.onRoundTrip?.(this.lastRoundTripMs);
    if ('pdu' in outcome) current.resolve(outcome.pdu);
    else current.reject(outcome.error);
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = performance.now();
    let events: ReturnType<Framer['push']>;
    try {
      events = this.framer.push(chunk, this.inFlight);
    } catch (err) {
      // Out of step with the byte stream: only a new connection recovers it.
      this.onClose(`garbled response: ${(err as FramingError).message}`);
      return;
    }
    for (const event of events) {
      const current = this.inFlight;
      if (event.kind === 'discard') this.emit('discard', event.reason);
      else if (!current) this.emit('discard', 'a response with no request in flight');
      else if (event.kind === 'bad') this.finish(current, { error: new BadResponseError(event.reason) });
      else if ((event.transactionId !== undefined && event.transactionId !== current.transactionId) || event.unitId !== current.unitId) {
        this.emit('discard', `unexpected response (transaction ${event.transactionId ?? '-'}, unit ${event.unitId})`);
      } else this.finish(current, { pdu: event.pdu });
    }
    this.sendNext();
  }

  private onClose(reason: string): void {
    const stream = this.stream;
    if (!stream) return;
    this.stream = undefined;
    stream.close();
    this.opts.clock.clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    const failed = [...(this.inFlight ? [this.inFlight] : []), ...this.queue];
    if (this.inFlight) this.opts.clock.clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    this.queue = [];
    for (const p of failed) p.reject(new NotConnectedError(`connection lost: ${reason}`));
    this.emit('close', reason);
  }
}
