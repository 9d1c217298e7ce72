/** A virtual serial port pair made by socat (Debian package), for Modbus RTU tests without hardware. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './net.ts';
import { waitFor } from './wait.ts';

export class SerialPair {
  private child?: ChildProcess;
  private readonly dir = tempDir('plexus-serial-');
  readonly a = path.join(this.dir, 'a');
  readonly b = path.join(this.dir, 'b');

  async start(): Promise<this> {
    this.child = spawn('socat', [`pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], { stdio: 'ignore' });
    await waitFor(() => fs.existsSync(this.a) && fs.existsSync(this.b), 'socat to create the serial pair');
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
