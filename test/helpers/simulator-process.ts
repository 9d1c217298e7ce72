/** A bundled simulator as its own process (`plexus simulate …`), for tests that kill and restart it. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { RunningSimulator } from '../../simulators/registry.ts';
import { freePort, waitForPort } from './net.ts';
import { endProcess } from './process.ts';

export class SimulatorProcess implements RunningSimulator {
  private child?: ChildProcess;
  port = 0;

  constructor(
    private readonly protocol: string,
    private readonly dataDir: string,
  ) {}

  /** Starts the process (on the same port as before, after a kill) and waits until it listens. */
  async start(): Promise<number> {
    this.port ||= await freePort();
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('src/main.ts'), 'simulate', this.protocol, '--port', String(this.port), '--data-dir', this.dataDir],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port, 30_000);
    return this.port;
  }

  /** Kills the process, as a crash or a power cut would. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await endProcess(child, 'SIGKILL');
  }
}
