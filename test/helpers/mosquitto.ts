/** A real Mosquitto broker (Debian package) on 127.0.0.1 and a port the test got from the OS. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, tempDir, waitForPort } from './net.ts';
import { endProcess } from './process.ts';

/** Debian installs the broker in /usr/sbin, which is not on every user's PATH. */
const MOSQUITTO = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
const MOSQUITTO_PASSWD = 'mosquitto_passwd';

export class Mosquitto {
  private child?: ChildProcess;
  port = 0;
  private readonly dir = tempDir('plexus-mosquitto-');

  /**
   * `persistent`: sessions survive a restart of the broker, and QoS 0 messages
   * queue for a subscriber that is away (so a test host misses nothing).
   */
  constructor(
    private readonly opts: {
      persistent?: boolean;
      /** A TLS listener with this certificate; `requireClientCert` asks for a client certificate signed by `ca`. */
      tls?: { ca: string; cert: string; key: string; requireClientCert?: boolean };
      /** Only these users (no anonymous clients), with a mosquitto ACL file's text. */
      users?: Record<string, string>;
      acl?: string;
      /** More mosquitto.conf lines (e.g. `max_packet_size 2000`). */
      extra?: string[];
    } = {},
  ) {}

  /** Starts the broker (on the same port as before when restarted). */
  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    const conf = path.join(this.dir, 'mosquitto.conf');
    const persistence = this.opts.persistent
      ? `persistence true\npersistence_location ${this.dir}/\nautosave_interval 1\nqueue_qos0_messages true\nmax_queued_messages 0\n`
      : 'persistence false\n';
    const { tls, users, acl, extra = [] } = this.opts;
    const lines = [`listener ${this.port} 127.0.0.1`, `allow_anonymous ${users ? 'false' : 'true'}`, 'set_tcp_nodelay true'];
    if (tls) lines.push(`cafile ${tls.ca}`, `certfile ${tls.cert}`, `keyfile ${tls.key}`, `require_certificate ${tls.requireClientCert ? 'true' : 'false'}`);
    if (users) {
      const file = path.join(this.dir, 'passwd');
      fs.writeFileSync(file, '');
      for (const [user, password] of Object.entries(users)) execFileSync(MOSQUITTO_PASSWD, ['-b', file, user, password]);
      lines.push(`password_file ${file}`);
    }
    if (acl) {
      fs.writeFileSync(path.join(this.dir, 'acl'), acl);
      lines.push(`acl_file ${path.join(this.dir, 'acl')}`);
    }
    // Started as root, mosquitto reads these files as the mosquitto user.
    if (users || acl) for (const f of [this.dir, ...fs.readdirSync(this.dir).map((f) => path.join(this.dir, f))]) fs.chmodSync(f, 0o755);
    fs.writeFileSync(conf, `${[...lines, ...extra].join('\n')}\n${persistence}log_dest none\n`);
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
    return `${this.opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the broker process. */
  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await endProcess(child, signal);
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
