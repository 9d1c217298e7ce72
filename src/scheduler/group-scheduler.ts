/**
 * Polls one group at its interval. Due times are computed from the start, so
 * there is no drift; a cycle still running when the next is due makes that
 * slot be skipped and counted as an overrun, never queued.
 */
import type { Clock } from '../clock.ts';

export interface GroupSchedulerStats {
  cycles: number;
  overruns: number;
  lastDurationMs?: number;
}

export class GroupScheduler {
  readonly stats: GroupSchedulerStats = { cycles: 0, overruns: 0 };
  private timer: unknown;
  private running = false;
  private busy = false;
  private nextDue = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly poll: () => Promise<void>,
    private readonly clock: Clock,
  ) {}

  /** Starts polling; the first cycle runs at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.nextDue = this.clock.now();
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
  }

  /** Runs a cycle now (e.g. when a device reconnects) unless one is running; keeps the schedule. */
  pollNow(): void {
    if (this.running && !this.busy) void this.runCycle();
  }

  private tick = () => {
    if (!this.running) return;
    if (this.busy) this.stats.overruns++;
    else void this.runCycle();
    const now = this.clock.now();
    this.nextDue += this.intervalMs;
    if (this.nextDue <= now) {
      // The process was stalled past whole slots: skip them, count them.
      const missed = Math.floor((now - this.nextDue) / this.intervalMs) + 1;
      this.stats.overruns += missed;
      this.nextDue += missed * this.intervalMs;
    }
    this.timer = this.clock.setTimeout(this.tick, this.nextDue - now);
  };

  private async runCycle() {
    this.busy = true;
    const started = this.clock.now();
    try {
      await this.poll();
    } finally {
      this.stats.cycles++;
      this.stats.lastDurationMs = this.clock.now() - started;
      this.busy = false;
    }
  }
}
