/** The latest value of every tag, as the pipeline reported it: for births, the API and the UI. */
import type { TagUpdate } from './events.ts';

export type ValuesListener = (device: string, updates: readonly TagUpdate[]) => void;

export class LiveValues {
  private readonly values = new Map<string, Map<string, TagUpdate>>();
  private readonly listeners = new Set<ValuesListener>();

  update(device: string, updates: readonly TagUpdate[]): void {
    if (updates.length === 0) return;
    let tags = this.values.get(device);
    if (!tags) {
      tags = new Map();
      this.values.set(device, tags);
    }
    for (const u of updates) tags.set(u.tag, u);
    for (const fn of this.listeners) fn(device, updates);
  }

  /** Calls `fn` with every change (good or bad, whether or not the device is up); returns the unsubscribe function. */
  subscribe(fn: ValuesListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Forgets a device's values (it was removed or reconfigured). */
  forget(device: string): void {
    this.values.delete(device);
  }

  get(device: string, tag: string): TagUpdate | undefined {
    return this.values.get(device)?.get(tag);
  }

  device(device: string): TagUpdate[] {
    return [...(this.values.get(device)?.values() ?? [])];
  }
}
