/**
 * Resources that several devices share (a Modbus TCP gateway or an RS-485 line
 * in front of many units), reference-counted: created by the first device that
 * asks, stopped when the last one lets go.
 */
export interface Stoppable {
  stop(): Promise<void>;
}

export class SharedResources {
  private readonly entries = new Map<string, { value: Stoppable; refs: number }>();

  acquire<T extends Stoppable>(key: string, create: () => T): T {
    const entry = this.entries.get(key);
    if (entry) {
      entry.refs++;
      return entry.value as T;
    }
    const value = create();
    this.entries.set(key, { value, refs: 1 });
    return value;
  }

  async release(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (--entry.refs > 0) return;
    this.entries.delete(key);
    await entry.value.stop();
  }

  get size(): number {
    return this.entries.size;
  }
}
