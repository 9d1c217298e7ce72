/** A real Mosquitto broker (Debian package) on 127.0.0.1 and a port the test got from the OS. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, tempDir, waitForPort } from './net.ts';

/** Debian installs the broker in /usr/sbin, which is not on every user's PATH. */
const MOSQUITTO = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

export class Mosquitto {
  private child?: ChildProcess;
  port = 0;
  private readonly dir = tempDir('plexus-mosquitto-');

  /**
   * `persistent`: sessions survive a restart of the broker, and QoS 0 messages
   * queue for a subscriber that is away (so a test host misses nothing).
   */
  constructor(private readonly opts: { persistent?: boolean } = {}) {}

  /** Starts the broker (on the same port as before when restarted). */
  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    const conf = path.join(this.dir, 'mosquitto.conf');
    const persistence = this.opts.persistent
      ? `persistence true\npersistence_location ${this.dir}/\nautosave_interval 1\nqueue_qos0_messages true\nmax_queued_messages 0\n`
      : 'persistence false\n';
    fs.writeFileSync(conf, `listener ${this.port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n${persistence}log_dest none\n`);
    const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const exited = once(child, 'exit').then(() => {
      throw new Error(`mosquitto exited at start: ${stderr}`);
    });
    await Promise.race([waitForPort(this.port), exited]);
    exited.catch(() => {});
    return this;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the broker process. */
  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
