/**
 * A real NATS server (Debian package `nats-server`) with JetStream and its MQTT
 * listener on 127.0.0.1 and a port the test got from the OS; its own config and
 * JetStream store, so sessions and retained messages survive a restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, tempDir, waitForPort } from './net.ts';
import { endProcess } from './process.ts';

const NATS = fs.existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : fs.existsSync('/usr/bin/nats-server') ? '/usr/bin/nats-server' : 'nats-server';

export class NatsServer {
  /** The MQTT port. */
  port = 0;
  private child?: ChildProcess;
  private readonly dir = tempDir('plexus-nats-');

  /** Starts the server (on the same port and store as before when restarted). */
  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    const conf = path.join(this.dir, 'nats.conf');
    // MQTT needs a server name and JetStream (sessions, retained messages and QoS 1 live in streams).
    // The NATS client port is -1: any free port, it is not used by the tests.
    fs.writeFileSync(
      conf,
      [
        'server_name: plexus_test',
        'listen: "127.0.0.1:-1"',
        `jetstream { store_dir: ${JSON.stringify(path.join(this.dir, 'jetstream'))} }`,
        `mqtt { listen: "127.0.0.1:${this.port}" }`,
        '',
      ].join('\n'),
    );
    const child = spawn(NATS, ['-c', conf, '-l', path.join(this.dir, 'nats.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const exited = once(child, 'exit').then(() => {
      throw new Error(`nats-server exited at start: ${stderr}\n${this.log().slice(-4000)}`);
    });
    exited.catch(() => {});
    await Promise.race([waitForPort(this.port, 20_000), exited]);
    return this;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** The server's log (it names every client it refused and why). */
  log(): string {
    const file = path.join(this.dir, 'nats.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await endProcess(child, signal, 20_000);
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
