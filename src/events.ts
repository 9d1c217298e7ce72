import type { Logger } from 'pino';
import type { ConnectionState, Quality, TagValue } from '../drivers/contract.ts';

/** A value after the pipeline, ready for the live cache and the wire. */
export interface TagUpdate {
  tag: string;
  value: TagValue | null;
  quality: Quality;
  reason?: string;
  sourceTs: number;
}

export interface EventMap {
  /** A device's connection changed state. */
  'device.state': { device: string; state: ConnectionState };
  /** Values of one device that passed the pipeline (report by exception already applied). */
  'tag.updates': { device: string; updates: TagUpdate[] };
}

type Listener<K extends keyof EventMap> = (payload: EventMap[K]) => void;

/**
 * A typed event bus. A listener that throws is logged and cannot take the
 * others down; `removeOwner` drops everything an owner registered.
 */
export class EventBus {
  private readonly listeners = new Map<keyof EventMap, { owner: object; fn: Listener<never> }[]>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof EventMap>(owner: object, event: K, fn: Listener<K>): void {
    const list = this.listeners.get(event) ?? [];
    list.push({ owner, fn: fn as Listener<never> });
    this.listeners.set(event, list);
  }

  emit<K extends keyof EventMap>(event: K, payload: EventMap[K]): void {
    for (const { fn } of this.listeners.get(event) ?? []) {
      try {
        (fn as Listener<K>)(payload);
      } catch (err) {
        this.log.error({ err, event }, 'event listener failed');
      }
    }
  }

  removeOwner(owner: object): void {
    for (const [event, list] of this.listeners) {
      this.listeners.set(
        event,
        list.filter((l) => l.owner !== owner),
      );
    }
  }
}
