/**
 * The live-values WebSocket (GET /api/v1/live): keeps one socket open,
 * reconnects with exponential back-off and jitter (1 s doubling to 20 s,
 * ±10 %), and sends the current subscription again after every reconnect.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConnectionState, TagValue } from './components/gateway-types.ts';

export type LiveMessage =
  | { type: 'snapshot'; device: string; values: TagValue[] }
  | { type: 'values'; device: string; values: TagValue[] }
  | { type: 'state'; device: string; connection: ConnectionState }
  | { type: 'error'; message: string };

/** `retryAt` (ms since the epoch) is when the next attempt starts. */
export type LiveStatus = { state: 'connecting' } | { state: 'open' } | { state: 'closed'; retryAt: number; attempt: number };

export interface LiveSubscription {
  devices: string[];
  /** Narrows a device to some of its groups. */
  groups?: Record<string, string[]>;
}

export interface LiveOptions {
  onMessage: (m: LiveMessage) => void;
  onStatus?: (s: LiveStatus) => void;
  url?: string;
  initialDelayMs?: number;
  maxDelayMs?: number;
  randomisation?: number;
}

/** A socket that stayed open this long counts as a success: the back-off starts again from the beginning. */
const STABLE_MS = 5000;

const liveUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;

export class LiveClient {
  private socket?: WebSocket;
  private timer?: ReturnType<typeof setTimeout>;
  private attempt = 0;
  private openedAt = 0;
  private running = false;
  private subscription: LiveSubscription = { devices: [] };

  constructor(private readonly opts: LiveOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      s.close();
    }
  }

  /** Replaces the subscription (also on the server, at once when connected). */
  subscribe(sub: LiveSubscription): void {
    this.subscription = sub;
    this.send();
  }

  /** Tries again now instead of waiting for the back-off. */
  retryNow(): void {
    if (!this.running || this.socket) return;
    clearTimeout(this.timer);
    this.connect();
  }

  private send() {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    const { devices, groups } = this.subscription;
    this.socket.send(JSON.stringify({ subscribe: groups ? { devices, groups } : { devices } }));
  }

  private connect() {
    this.opts.onStatus?.({ state: 'connecting' });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.opts.url ?? liveUrl());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.openedAt = Date.now();
      this.opts.onStatus?.({ state: 'open' });
      this.send();
    };
    socket.onmessage = (e) => {
      let msg: LiveMessage;
      try {
        msg = JSON.parse(String(e.data)) as LiveMessage;
      } catch {
        return;
      }
      this.opts.onMessage(msg);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.openedAt && Date.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
      this.openedAt = 0;
      if (this.running) this.scheduleRetry();
    };
  }

  private scheduleRetry() {
    const { initialDelayMs = 1000, maxDelayMs = 20_000, randomisation = 0.1 } = this.opts;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** this.attempt);
    const delay = Math.round(base * (1 - randomisation + 2 * randomisation * Math.random()));
    this.attempt++;
    this.opts.onStatus?.({ state: 'closed', retryAt: Date.now() + delay, attempt: this.attempt });
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

/**
 * One live connection for the lifetime of a component. `subscription` is
 * compared by value: a new object with the same devices sends nothing.
 * `onMessage` may change between renders.
 */
export function useLive(
  subscription: LiveSubscription | undefined,
  onMessage: (m: LiveMessage) => void,
  opts: { pauseWhenHidden?: boolean } = {},
): { status: LiveStatus; retryNow: () => void } {
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const client = useRef<LiveClient | undefined>(undefined);
  const key = subscription ? JSON.stringify(subscription) : '';

  useEffect(() => {
    const c = new LiveClient({ onMessage: (m) => handler.current(m), onStatus: setStatus });
    client.current = c;
    return () => {
      c.stop();
      client.current = undefined;
    };
  }, []);

  // The socket opens with the first subscription; later ones are sent on it.
  useEffect(() => {
    if (!key) return;
    client.current?.subscribe(JSON.parse(key) as LiveSubscription);
    if (!(opts.pauseWhenHidden && document.hidden)) client.current?.start();
  }, [key, opts.pauseWhenHidden]);

  // A page in a background tab need not cost the gateway anything: the socket closes, and the snapshot on return catches up.
  useEffect(() => {
    if (!opts.pauseWhenHidden || !key) return;
    const onVisibility = () => {
      if (document.hidden) client.current?.stop();
      else client.current?.start();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [opts.pauseWhenHidden, key]);

  return { status, retryNow: () => client.current?.retryNow() };
}
