/** The latest value of every tag, as the pipeline reported it: for births, the API and the UI. */
import type { TagUpdate } from './events.ts';

export class LiveValues {
  private readonly values = new Map<string, Map<string, TagUpdate>>();

  update(device: string, updates: readonly TagUpdate[]): void {
    let tags = this.values.get(device);
    if (!tags) {
      tags = new Map();
      this.values.set(device, tags);
    }
    for (const u of updates) tags.set(u.tag, u);
  }

  get(device: string, tag: string): TagUpdate | undefined {
    return this.values.get(device)?.get(tag);
  }

  device(device: string): TagUpdate[] {
    return [...(this.values.get(device)?.values() ?? [])];
  }
}
