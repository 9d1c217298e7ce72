import type { Clock } from '../../src/clock.ts';

/** A clock the test moves by hand; timers fire in due order as time passes. */
export class FakeClock implements Clock {
  private timers: { id: number; due: number; fn: () => void }[] = [];
  private nextId = 1;
  constructor(private current = 1_000_000) {}

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, due: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      // Let pending promise chains settle first, as real time between timers would.
      await new Promise((r) => setImmediate(r));
      this.timers.sort((a, b) => a.due - b.due || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.due > end) break;
      this.timers.shift();
      this.current = next.due;
      next.fn();
    }
    this.current = end;
    await new Promise((r) => setImmediate(r));
  }
}
