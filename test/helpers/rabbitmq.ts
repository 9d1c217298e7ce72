/**
 * A real RabbitMQ node (Debian package `rabbitmq-server`) with its MQTT plugin
 * on 127.0.0.1 and a port the test got from the OS: its own node name, Erlang
 * cookie, data, logs and port mapper (epmd), never the system service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, tempDir, waitForPort } from './net.ts';
import { endProcess } from './process.ts';

/** The script behind /usr/sbin/rabbitmq-server, which would switch to the rabbitmq user and log to /var/log. */
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD = fs.existsSync('/usr/bin/epmd') ? '/usr/bin/epmd' : 'epmd';

export class RabbitMq {
  port = 0;
  private amqpPort = 0;
  private distPort = 0;
  private epmdPort = 0;
  private child?: ChildProcess;
  private epmd?: ChildProcess;
  private readonly dir = tempDir('plexus-rabbitmq-');
  private readonly node = `plexus-test-${process.pid}@localhost`;

  /** Starts the node (on the same port and data as before when restarted); resolves once its MQTT listener accepts connections. */
  async start(): Promise<this> {
    if (!this.port) {
      this.port = await freePort();
      this.amqpPort = await freePort();
      this.distPort = await freePort();
      this.epmdPort = await freePort();
      this.writeFiles();
    }
    await this.startEpmd();
    // RABBITMQ_ALLOW_INPUT makes the script exec the Erlang VM (one process, which stops cleanly on SIGTERM)
    // instead of keeping a shell in front of it; -noinput keeps the VM off the (absent) console.
    const child = spawn(SERVER, [], { stdio: ['ignore', 'ignore', 'pipe'], env: this.env() });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const exited = once(child, 'exit').then(() => {
      throw new Error(`rabbitmq-server exited at start: ${stderr}\n${this.logTail()}`);
    });
    exited.catch(() => {});
    // A first boot creates the node's database: several seconds on two cores.
    await Promise.race([waitForPort(this.port, 60_000), exited]);
    return this;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Stops the node (SIGTERM: an orderly shutdown that closes every client connection). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await endProcess(child, signal, 20_000);
  }

  /** Stops the node and its port mapper, and removes every file it made. */
  async dispose(): Promise<void> {
    await this.stop();
    const epmd = this.epmd;
    this.epmd = undefined;
    await endProcess(epmd, 'SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Our own epmd in the foreground, as a child we can stop: the node would otherwise start a daemon that outlives the test. */
  private async startEpmd() {
    if (this.epmd && this.epmd.exitCode === null) return;
    this.epmd = spawn(EPMD, ['-port', String(this.epmdPort)], { stdio: 'ignore', env: { ...process.env, ERL_EPMD_ADDRESS: '127.0.0.1' } });
    await waitForPort(this.epmdPort);
  }

  private writeFiles() {
    const home = path.join(this.dir, 'home');
    fs.mkdirSync(home);
    // The node refuses a cookie file that others can read.
    fs.writeFileSync(path.join(home, '.erlang.cookie'), `plexus-test-cookie-${process.pid}`, { mode: 0o400 });
    fs.writeFileSync(
      path.join(this.dir, 'rabbitmq.conf'),
      [
        'listeners.tcp = none',
        `mqtt.listeners.tcp.default = 127.0.0.1:${this.port}`,
        'mqtt.allow_anonymous = true',
        // Without it the plugin turns the dot of spBv1.0 into a topic level: subscribers would get spBv1/0/….
        'mqtt.sparkplug = true',
        'log.console = false',
        'log.file.level = warning',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(this.dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
    fs.writeFileSync(path.join(this.dir, 'rabbitmq-env.conf'), '');
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: path.join(this.dir, 'home'),
      RABBITMQ_NODENAME: this.node,
      // The AMQP port: set so that nothing is derived from the default 5672, though listeners.tcp = none keeps it closed.
      RABBITMQ_NODE_PORT: String(this.amqpPort),
      RABBITMQ_DIST_PORT: String(this.distPort),
      ERL_EPMD_PORT: String(this.epmdPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      RABBITMQ_MNESIA_BASE: path.join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONF_ENV_FILE: path.join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_ALLOW_INPUT: '1',
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-noinput -kernel inet_dist_use_interface {127,0,0,1}',
    };
  }

  private logTail(): string {
    const file = path.join(this.dir, 'log', `${this.node}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-4000) : '';
  }
}
