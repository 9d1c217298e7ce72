/** Driver dependencies for tests and benchmarks that run a driver without a gateway. */
import os from 'node:os';
import pino from 'pino';
import type { DriverDeps } from '../../drivers/contract.ts';
import { systemClock } from '../../src/clock.ts';
import { SharedResources } from '../../src/shared-resources.ts';

export function driverDeps(overrides: Partial<DriverDeps> = {}): DriverDeps {
  return {
    log: pino({ level: 'silent' }),
    clock: systemClock,
    onStateChange: () => {},
    onSamples: () => {},
    shared: new SharedResources(),
    dataDir: os.tmpdir(),
    ...overrides,
  };
}
