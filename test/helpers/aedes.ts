/**
 * The embedded broker we ship (aedes, src/broker/embedded-broker.ts) with the
 * same start/stop/dispose shape as the process helpers, so that a test can
 * restart it on the same port. It keeps nothing across a restart: its
 * persistence is in memory.
 */
import { EmbeddedBroker } from '../../src/broker/embedded-broker.ts';

export class AedesBroker {
  port = 0;
  private broker?: EmbeddedBroker;

  async start(): Promise<this> {
    const broker = new EmbeddedBroker({ host: '127.0.0.1', port: this.port });
    this.port = await broker.start();
    this.broker = broker;
    return this;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const broker = this.broker;
    this.broker = undefined;
    await broker?.stop();
  }

  async dispose(): Promise<void> {
    await this.stop();
  }
}
