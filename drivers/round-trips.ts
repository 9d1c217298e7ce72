import type { DriverStats } from './contract.ts';

/** The request counters every driver keeps, all at zero. */
export const emptyCounters = (): DriverStats & { exceptions: Record<string, number> } => ({
  requests: 0,
  responses: 0,
  timeouts: 0,
  errors: 0,
  reconnects: 0,
  exceptions: {},
});

/** The latest round-trip times of a driver's requests, for the median and 99th percentile in the device status. */
const WINDOW = 512;

export class RoundTrips {
  private readonly times: number[] = [];
  last?: number;

  record(ms: number): void {
    if (this.times.length >= WINDOW) this.times.shift();
    this.times.push(ms);
    this.last = ms;
  }

  summary(): { roundTripMedianMs?: number; roundTripP99Ms?: number } {
    const sorted = [...this.times].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : undefined);
    return { roundTripMedianMs: at(0.5), roundTripP99Ms: at(0.99) };
  }
}
