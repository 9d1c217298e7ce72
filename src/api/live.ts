/**
 * Live values over a WebSocket (`GET /api/v1/live`), for the UI's device pages.
 *
 * A client subscribes to devices (optionally narrowed to groups); it gets one
 * snapshot per device, then the changes. Changes are coalesced per socket: the
 * latest update of each device/tag waits in a map and goes out at most every
 * 100 ms, and only while the socket's send buffer is nearly empty. A client that
 * reads slowly (or not at all) therefore costs at most one pending entry per
 * tag it watches, never a queue that grows with the update rate.
 */

import type { WebSocket } from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData } from 'ws';
import type { ConnectionState } from '../../drivers/contract.ts';
import { type Clock, systemClock } from '../clock.ts';
import { schemaErrors } from '../config/schema-errors.ts';
import type { ErrorDetail } from '../errors.ts';
import type { EventBus, TagUpdate } from '../events.ts';
import type { LiveValues } from '../live-values.ts';
import { jsonReplacer } from './json-safe.ts';

/** What the live route needs from the gateway (the Gateway class provides it). */
export interface LiveSource {
  values: Pick<LiveValues, 'device' | 'subscribe'>;
  bus: Pick<EventBus, 'on' | 'removeOwner'>;
  deviceStatuses(): readonly { name: string; connection: ConnectionState }[];
  /**
   * The group of every tag a device reports (aggregate metrics such as
   * `temp/avg_60s` under their source tag's group), for subscriptions narrowed
   * to groups. Without it a subscription naming groups is refused.
   */
  tagGroups?(device: string): ReadonlyMap<string, string> | undefined;
}

export interface LiveOptions {
  /** Least time between two sends to one socket (default 100 ms). */
  flushIntervalMs?: number;
  /** Nothing more is sent while this much is waiting in the socket's send buffer (default 1 MiB). */
  maxBufferedBytes?: number;
  clock?: Clock;
  /** Called with every new session (tests look at what it holds). */
  onSession?: (session: LiveSession) => void;
}

/** Client messages larger than this are refused (the socket stays open). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_DEVICES = 1000;

const Name = Type.String({ minLength: 1, maxLength: 200 });
const SubscribeMessage = Type.Object(
  {
    subscribe: Type.Object(
      {
        devices: Type.Array(Name, { maxItems: MAX_DEVICES, uniqueItems: true }),
        groups: Type.Optional(
          Type.Record(Type.String(), Type.Array(Name, { maxItems: 1000, uniqueItems: true, description: 'an empty list: connection states only' })),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

interface Subscribe {
  subscribe: { devices: string[]; groups?: Record<string, string[]> };
}

const text = (data: RawData) => (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');

/** What waits to be sent for one device. */
interface Pending {
  /** The device's snapshot is owed (it then carries every value: no separate changes). */
  snapshot: boolean;
  state?: ConnectionState;
  /** Latest update per tag. */
  values: Map<string, TagUpdate>;
}

export class LiveSession {
  /** Subscribed devices → the groups wanted (undefined: all). */
  private subscription = new Map<string, ReadonlySet<string> | undefined>();
  private readonly pending = new Map<string, Pending>();
  private timer: unknown;
  private lastFlush = Number.NEGATIVE_INFINITY;
  private unsubscribeValues?: () => void;
  private closed = false;
  /** Messages sent, and flushes held back because the client had not read what it was sent before. */
  readonly stats = { sent: 0, withheld: 0 };

  constructor(
    private readonly socket: WebSocket,
    private readonly source: LiveSource,
    private readonly opts: Required<Omit<LiveOptions, 'onSession'>>,
    private readonly log: FastifyRequest['log'],
  ) {}

  /** Pending tag updates, over all devices: bounded by the tags subscribed to. */
  get pendingValues(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.values.size;
    return n;
  }

  /** True when the session holds a timer. */
  get flushScheduled(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    // Listeners are attached at once: @fastify/websocket hands over a socket that may already have messages.
    this.socket.on('message', (data, isBinary) => this.guard('live values message failed', () => this.onMessage(data, isBinary)));
    this.socket.on('close', () => this.close());
    this.socket.on('error', (err) => this.log.warn({ err }, 'live values socket failed'));
    // Guarded: LiveValues calls its listeners inline, in the gateway's read path.
    this.unsubscribeValues = this.source.values.subscribe((device, updates) => this.guard('live values update failed', () => this.onValues(device, updates)));
    this.source.bus.on(this, 'device.state', ({ device, state }) => {
      if (!this.subscription.has(device)) return;
      this.entry(device).state = state;
      this.schedule();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribeValues?.();
    this.source.bus.removeOwner(this);
    this.pending.clear();
    this.subscription.clear();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const msg = this.read(data, isBinary);
    if ('error' in msg) {
      // A client that does not read its messages gets no more of them.
      if (this.socket.bufferedAmount < this.opts.maxBufferedBytes) this.send({ type: 'error', message: msg.error, details: msg.details ?? [] });
      return;
    }
    this.subscribe(msg);
  }

  /** A valid subscribe message, or what is wrong with it. */
  private read(data: RawData, isBinary: boolean): Subscribe | { error: string; details?: ErrorDetail[] } {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (size > MAX_MESSAGE_BYTES) return { error: `the message has ${size} bytes; at most ${MAX_MESSAGE_BYTES} are accepted` };
    if (isBinary) return { error: 'expected a text message with JSON' };
    let msg: unknown;
    try {
      msg = JSON.parse(text(data));
    } catch (err) {
      return { error: `the message is not JSON: ${(err as Error).message}` };
    }
    const details = schemaErrors(SubscribeMessage, msg);
    if (details.length === 0) details.push(...this.crossCheck(msg as Subscribe));
    if (details.length === 0) return msg as Subscribe;
    const shown = details.slice(0, 10).map((d) => `${d.path}: ${d.message}`);
    if (details.length > shown.length) shown.push(`and ${details.length - shown.length} more`);
    return { error: `invalid message (expected {"subscribe": {"devices": [...], "groups"?: {device: [group, ...]}}}): ${shown.join('; ')}`, details };
  }

  /** What the schema cannot say. */
  private crossCheck({ subscribe }: Subscribe): ErrorDetail[] {
    const groups = Object.keys(subscribe.groups ?? {});
    if (groups.length > 0 && !this.source.tagGroups) return [{ path: 'subscribe.groups', message: 'narrowing to groups is not available' }];
    const devices = new Set(subscribe.devices);
    return groups.filter((d) => !devices.has(d)).map((d) => ({ path: `subscribe.groups.${d}`, message: 'names a device that is not in subscribe.devices' }));
  }

  /** Replaces the subscription: every device's snapshot is owed, older changes are moot. */
  private subscribe({ subscribe }: Subscribe): void {
    const groups = subscribe.groups ?? {};
    // hasOwn: a device may be called "constructor".
    this.subscription = new Map(subscribe.devices.map((d) => [d, Object.hasOwn(groups, d) ? new Set(groups[d]) : undefined]));
    this.pending.clear();
    const states = new Map(this.source.deviceStatuses().map((s) => [s.name, s.connection]));
    for (const device of subscribe.devices) this.pending.set(device, { snapshot: true, state: states.get(device), values: new Map() });
    this.schedule();
  }

  /** The pending entry of a subscribed device, made when missing. */
  private entry(device: string): Pending {
    let p = this.pending.get(device);
    if (!p) {
      p = { snapshot: false, values: new Map() };
      this.pending.set(device, p);
    }
    return p;
  }

  private onValues(device: string, updates: readonly TagUpdate[]): void {
    if (!this.subscription.has(device) || this.pending.get(device)?.snapshot) return; // an owed snapshot will carry them
    const wanted = this.filter(device);
    let p: Pending | undefined;
    for (const u of updates) {
      if (!wanted(u.tag)) continue;
      p ??= this.entry(device);
      p.values.set(u.tag, u);
    }
    if (p) this.schedule();
  }

  /** Which tags of a device the subscription wants. */
  private filter(device: string): (tag: string) => boolean {
    const groups = this.subscription.get(device);
    if (!groups) return () => true;
    const groupOf = this.source.tagGroups?.(device);
    return (tag) => {
      const group = groupOf?.get(tag);
      return group !== undefined && groups.has(group);
    };
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed || this.pending.size === 0) return;
    const wait = Math.max(0, this.lastFlush + this.opts.flushIntervalMs - this.opts.clock.now());
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.guard('live values send failed', () => this.flush());
    }, wait);
  }

  private flush(): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.lastFlush = this.opts.clock.now();
    if (this.socket.bufferedAmount >= this.opts.maxBufferedBytes) {
      // The client has not read what it got: keep coalescing, look again later.
      this.stats.withheld++;
      this.schedule();
      return;
    }
    for (const [device, p] of this.pending) {
      if (p.snapshot) {
        const wanted = this.filter(device);
        this.send({ type: 'snapshot', device, values: this.source.values.device(device).filter((u) => wanted(u.tag)) });
      }
      if (p.state) this.send({ type: 'state', device, connection: p.state });
      if (!p.snapshot && p.values.size > 0) this.send({ type: 'values', device, values: [...p.values.values()] });
    }
    this.pending.clear();
  }

  /** A bug here is logged; it must not take the gateway's read path or the process down. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, what);
    }
  }

  private send(msg: object): void {
    this.socket.send(JSON.stringify(msg, jsonReplacer));
    this.stats.sent++;
  }
}

/** Adds `GET /api/v1/live` (WebSocket; needs @fastify/websocket registered first). */
export function registerLive(app: FastifyInstance, gateway: LiveSource, options: LiveOptions = {}): void {
  const opts = {
    flushIntervalMs: options.flushIntervalMs ?? 100,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    clock: options.clock ?? systemClock,
  };
  app.get(
    '/api/v1/live',
    {
      websocket: true,
      config: { role: 'viewer' },
      schema: {
        description:
          'WebSocket of live values. Send {"subscribe": {"devices": [...], "groups"?: {device: [group...]}}}; receive snapshot, values, state and error messages.',
      },
    },
    (socket, req) => {
      const session = new LiveSession(socket, gateway, opts, req.log);
      session.start();
      options.onSession?.(session);
    },
  );
}
