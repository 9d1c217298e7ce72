/**
 * A Modbus link: one connection that one or more devices share, opened and
 * re-opened by itself with back-off. A link with no answer to anything for
 * several requests in a row is presumed dead and re-opened; a single silent
 * unit among answering ones is not (the driver skips that unit instead).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../../src/clock.ts';
import { Backoff } from '../backoff.ts';
import type { ConnectionState } from '../contract.ts';
import { ModbusClient, NotConnectedError, type RequestOptions, RequestTimeoutError } from './client.ts';
import type { FramingKind } from './framing.ts';
import type { StreamOpener } from './streams.ts';

const DEAD_AFTER_TIMEOUTS = 3;

export interface LinkOptions {
  name: string;
  open: StreamOpener;
  framing: FramingKind;
  clock: Clock;
  log: Logger;
}

export class ModbusLink extends EventEmitter<{ state: [ConnectionState] }> {
  state: ConnectionState = { state: 'stopped' };
  reconnects = 0;
  private client?: ModbusClient;
  private readonly backoff = new Backoff();
  private retryTimer: unknown;
  private running = false;
  private timeoutsInARow = 0;

  constructor(private readonly opts: LinkOptions) {
    super();
    this.setMaxListeners(1000);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.opts.clock.clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners();
    client?.close('link stopped');
    this.setState({ state: 'stopped' });
  }

  get lastRoundTripMs(): number | undefined {
    return this.client?.lastRoundTripMs;
  }

  async request(unitId: number, pdu: Buffer, opts: RequestOptions): Promise<Buffer> {
    const client = this.client;
    if (!client?.connected) throw new NotConnectedError('device not connected');
    try {
      const response = await client.request(unitId, pdu, opts);
      this.timeoutsInARow = 0;
      return response;
    } catch (err) {
      if (err instanceof RequestTimeoutError && ++this.timeoutsInARow >= DEAD_AFTER_TIMEOUTS) {
        client.close(`${DEAD_AFTER_TIMEOUTS} requests in a row got no answer`);
      } else if (!(err instanceof RequestTimeoutError)) {
        this.timeoutsInARow = 0;
      }
      throw err;
    }
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.setState({ state: 'connecting' });
    const client = new ModbusClient({ open: this.opts.open, framing: this.opts.framing, clock: this.opts.clock });
    try {
      await client.connect();
    } catch (err) {
      this.retry((err as Error).message);
      return;
    }
    if (!this.running) {
      client.close('link stopped');
      return;
    }
    this.client = client;
    this.timeoutsInARow = 0;
    this.backoff.reset();
    client.on('discard', (reason) => this.opts.log.warn({ link: this.opts.name, reason }, 'discarded a response'));
    client.on('close', (reason) => {
      this.client = undefined;
      this.reconnects++;
      this.retry(reason);
    });
    this.setState({ state: 'connected' });
  }

  private retry(reason: string) {
    if (!this.running) return;
    const retryInMs = this.backoff.next();
    this.setState({ state: 'backing-off', retryInMs, reason });
    this.retryTimer = this.opts.clock.setTimeout(() => void this.connect(), retryInMs);
  }

  private setState(state: ConnectionState) {
    this.state = state;
    this.emit('state', state);
  }
}
