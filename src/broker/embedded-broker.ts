/** The optional embedded MQTT broker (aedes) for the demo and for local subscribers. */

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { Aedes } from 'aedes';

export class EmbeddedBroker {
  private broker?: Aedes;
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly opts: { host: string; port: number }) {}

  async start(): Promise<number> {
    const broker = await Aedes.createBroker();
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
    this.broker = broker;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`embedded broker cannot listen on ${this.opts.host}:${this.opts.port}: ${err.message}`)));
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return this.port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    const broker = this.broker;
    this.server = undefined;
    this.broker = undefined;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}
