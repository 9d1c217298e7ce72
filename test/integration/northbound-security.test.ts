/**
 * The northbound connection against real Mosquitto brokers: TLS checked
 * against a CA with host name verification, each refusal named (unknown CA,
 * expired, wrong name, unreadable file, wrong passphrase, missing client
 * certificate, wrong password, a subscription the ACL denies), mutual TLS,
 * MQTT 5 with the broker's packet size limit, a dead connection found within
 * about 1.5 keepalive periods, and a broken setting fixed through the API
 * without a restart, nothing stored lost. Secrets never reach the log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Aedes } from 'aedes';
import pino from 'pino';
import { TokenStore } from '../../src/api/tokens.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { type Db, openDatabase } from '../../src/database.ts';
import { Gateway } from '../../src/gateway.ts';
import { makeCerts, type TestCerts } from '../helpers/certs.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/net.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { modbusSimulator } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRETS = ['edge-password-1', 'a test passphrase', 'wrong passphrase 1', 'not-the-password'];

describe('the northbound connection: TLS, client certificates, passwords, MQTT 5, keepalive', () => {
  let certs: TestCerts;
  const sim = modbusSimulator({
    units: [
      {
        id: 1,
        points: [
          { area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } },
          { area: 'holding', address: 1, type: 'float32', count: 100, value: 1.5 },
        ],
      },
    ],
  });
  let simPort: number;
  const logLines: string[] = [];
  const running: { gateway: Gateway; db: Db; dir: string }[] = [];
  const brokers: Mosquitto[] = [];

  before(async () => {
    certs = makeCerts();
    simPort = await sim.start();
  });
  after(async () => {
    for (const r of running) await stopGateway(r);
    for (const b of brokers) await b.dispose();
    await sim.stop();
    certs.dispose();
  });

  const broker = async (opts: ConstructorParameters<typeof Mosquitto>[0]) => {
    const b = await new Mosquitto(opts).start();
    brokers.push(b);
    return b;
  };

  async function startGateway(brokerConfig: Record<string, unknown>, northbound: Record<string, unknown> = {}, tags = 1) {
    const dir = tempDir();
    const db = openDatabase(dir);
    const config = validateConfig({
      northbound: { groupId: 'Sec', edgeNodeId: 'gw', keepaliveS: 5, brokers: [brokerConfig], ...northbound },
      api: { port: 0 },
      devices: [
        {
          name: 'Meter',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port: simPort, unitId: 1 },
          groups: [
            {
              name: 'g',
              intervalMs: 100,
              tags: [
                { name: 'Count', address: 'HR0', type: 'uint16' },
                ...Array.from({ length: tags - 1 }, (_, i) => ({ name: `A long tag name for a big birth ${i}`, address: `HR${1 + 2 * i}`, type: 'float32' })),
              ],
            },
          ],
        },
      ],
    });
    const gateway = new Gateway({ config, db, dataDir: dir, log: pino({ level: 'debug' }, { write: (l: string) => logLines.push(l) }) });
    await gateway.start();
    const r = { gateway, db, dir };
    running.push(r);
    return r;
  }

  async function stopGateway(r: { gateway: Gateway; db: Db; dir: string }) {
    running.splice(running.indexOf(r), 1);
    await r.gateway.stop();
    r.db.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
  }

  /** Waits for the northbound's last error to match, and checks the gateway did not come online. */
  async function refusedWith(brokerConfig: Record<string, unknown>, reason: RegExp, northbound: Record<string, unknown> = {}) {
    const r = await startGateway(brokerConfig, northbound);
    const error = await waitFor(
      () => {
        const e = r.gateway.edgeNode.status().lastError;
        return e && reason.test(e) ? e : undefined;
      },
      `a northbound error matching ${reason}`,
      15_000,
    ).catch((err) => {
      throw new Error(`${err.message}; last error: ${r.gateway.edgeNode.status().lastError}`);
    });
    assert.notEqual(r.gateway.edgeNode.status().state, 'online');
    await stopGateway(r);
    return error;
  }

  const online = (r: { gateway: Gateway }, what: string) => waitFor(() => r.gateway.edgeNode.status().state === 'online', what, 15_000);

  it('connects over TLS to a broker whose certificate chains to the configured CA, and a host sees the births', async () => {
    const b = await broker({ tls: { ca: certs.ca, ...certs.server } });
    const host = await new SparkplugHost().connect(b.url, { connect: { ca: fs.readFileSync(certs.ca) } });
    try {
      const r = await startGateway({ url: b.url, tls: { ca: certs.ca } });
      await host.next('NBIRTH over TLS', (m) => m.type === 'NBIRTH');
      await host.next('DBIRTH over TLS', (m) => m.type === 'DBIRTH' && m.device === 'Meter');
      assert.equal(r.gateway.edgeNode.status().lastError, undefined);
      await stopGateway(r);
    } finally {
      await host.close();
    }
  });

  it('names why a broker certificate is refused: unknown CA, expired, another host, no CA configured', async () => {
    const unknown = await broker({ tls: { ca: certs.ca, ...certs.unknownCa } });
    await refusedWith({ url: unknown.url, tls: { ca: certs.ca } }, /the broker's TLS certificate is not signed by a CA we trust .*set tls\.ca/);
    const expired = await broker({ tls: { ca: certs.ca, ...certs.expired } });
    await refusedWith({ url: expired.url, tls: { ca: certs.ca } }, /the broker's TLS certificate has expired/);
    const elsewhere = await broker({ tls: { ca: certs.ca, ...certs.wrongName } });
    const name = await refusedWith({ url: elsewhere.url, tls: { ca: certs.ca } }, /the broker's TLS certificate is not for "127\.0\.0\.1"/);
    assert.match(name, /broker\.elsewhere\.example/, 'the names it is for are said');
    await refusedWith({ url: unknown.url.replace('127.0.0.1', 'localhost') }, /not signed by a CA we trust/, {});
  });

  it('authenticates with a client certificate (mutual TLS), also with an encrypted key, and names each refusal', async () => {
    const b = await broker({ tls: { ca: certs.ca, ...certs.server, requireClientCert: true } });
    const plain = await startGateway({ url: b.url, tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.key } });
    await online(plain, 'online with a client certificate');
    await stopGateway(plain);
    const encrypted = await startGateway({
      url: b.url,
      tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.encryptedKey, passphrase: certs.client.passphrase },
    });
    await online(encrypted, 'online with an encrypted key');
    await stopGateway(encrypted);
    await refusedWith(
      { url: b.url, tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.encryptedKey, passphrase: 'wrong passphrase 1' } },
      /the client key cannot be decrypted: the tls\.passphrase is wrong/,
    );
    await refusedWith({ url: b.url, tls: { ca: certs.ca } }, /the broker refused our client certificate|ECONNRESET|socket hang up/);
  });

  it('refuses a wrong password by name (Mosquitto)', async () => {
    const b = await broker({ users: { edge: 'edge-password-1' }, acl: 'user edge\ntopic readwrite spBv1.0/#\n' });
    // Mosquitto answers a wrong password with CONNACK 5 (not authorized).
    await refusedWith(
      { url: b.url, username: 'edge', password: 'not-the-password' },
      /the broker refused us as not authorized: check the user name and password.*\(CONNACK 5\)/,
    );
    const r = await startGateway({ url: b.url, username: 'edge', password: 'edge-password-1' });
    await online(r, 'online with the right password');
    await stopGateway(r);
  });

  it('reports a command subscription and data publishes the broker’s ACL refuses, keeping the data stored until they are allowed', async () => {
    // aedes refuses a subscription with SUBACK 0x80, and closes the connection on a refused publish (MQTT 3.1.1).
    let allowData = false;
    const aedes = await Aedes.createBroker({
      authorizeSubscribe: (_client, sub, done) => done(null, sub.topic.includes('/DCMD/') ? null : sub),
      authorizePublish: (_client, packet, done) => done(packet.topic.includes('/DDATA/') && !allowData ? new Error('not allowed') : null),
    });
    const connects: number[] = [];
    aedes.on('client', (client) => {
      if (client.id.startsWith('plexus-')) connects.push(Date.now());
    });
    const server = net.createServer((socket) => aedes.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const host = await new SparkplugHost().connect(url);
    try {
      const r = await startGateway({ url });
      const subscription = await waitFor(
        () => /refused the subscription/.test(r.gateway.edgeNode.status().lastError ?? '') && r.gateway.edgeNode.status().lastError,
        'the refused DCMD subscription',
        15_000,
      );
      assert.match(
        String(subscription),
        /the broker refused the subscription to spBv1\.0\/Sec\/DCMD\/gw\/\+ \(reason code 0x80\): check its ACL; commands \(NCMD\/DCMD\) will not arrive/,
      );
      const closed = await waitFor(
        () => /closed the connection/.test(r.gateway.edgeNode.status().lastError ?? '') && r.gateway.edgeNode.status().lastError,
        'the refused publish',
        15_000,
      );
      assert.match(
        String(closed),
        /the broker closed the connection just after our publish to spBv1\.0\/Sec\/DDATA\/gw\/Meter: it was shut down, or its ACL refuses that publish \(the data stays in the store\)/,
      );
      await waitFor(() => r.gateway.edgeNode.status().store.values >= 10, 'the refused values kept in the store', 15_000);
      // Each session ends just after its birth: the delays before the next grow (1, 2, 4 s ± 10 %) instead of starting over.
      await waitFor(() => connects.length >= 4, 'four sessions', 20_000);
      const gaps = connects.slice(1, 4).map((t, i) => t - (connects[i] as number));
      assert.ok((gaps[2] as number) >= 3000 && (gaps[2] as number) > (gaps[0] as number) * 2, `delays between sessions: ${gaps.join(', ')} ms`);
      allowData = true;
      const from = host.messages.length;
      await host.next('the refused values, as historical data', (m) => m.type === 'DDATA' && m.metrics.some((x) => x.isHistorical), from, 30_000);
      await waitFor(() => r.gateway.edgeNode.status().store.values === 0, 'the store emptied', 30_000);
      await stopGateway(r);
    } finally {
      await host.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      server.close();
    }
  });

  it('speaks MQTT 5, honours the broker’s maximum packet size, and says when a birth is too large', async () => {
    const b = await broker({ extra: ['max_packet_size 2000'] });
    const small = await startGateway({ url: b.url }, { mqttVersion: '5' });
    await online(small, 'online over MQTT 5');
    assert.equal(small.gateway.edgeNode.status().brokerLimits?.maximumPacketSize, 2000);
    await stopGateway(small);

    const big = await startGateway({ url: b.url }, { mqttVersion: '5' }, 80);
    const error = await waitFor(() => big.gateway.edgeNode.status().lastError, 'the too-large DBIRTH reported', 15_000);
    assert.match(error, /the DBIRTH of Meter is \d+ bytes, more than the broker accepts \(maximum packet size 2000\)/);
    await waitFor(() => big.gateway.edgeNode.status().store.values > 0, 'the device’s values kept in the store');
    await stopGateway(big);
  });

  it('finds a dead connection within about 1.5 keepalive periods', async (t) => {
    const b = await broker({});
    const r = await startGateway({ url: b.url }, { keepaliveS: 5 });
    await online(r, 'online');
    b.signal('SIGSTOP'); // the broker stops answering; the TCP connection stays open (half-open)
    const frozenAt = Date.now();
    try {
      await waitFor(() => r.gateway.edgeNode.status().state !== 'online', 'the dead connection noticed', 15_000);
      const seconds = (Date.now() - frozenAt) / 1000;
      t.diagnostic(`dead connection noticed after ${seconds.toFixed(1)} s (keepalive 5 s)`);
      assert.ok(seconds <= 5 * 1.5 + 1.5, `noticed after ${seconds.toFixed(1)} s (keepalive 5 s)`);
    } finally {
      b.signal('SIGCONT');
    }
    await stopGateway(r);
  });

  it('keeps polling and storing with an unreadable CA file, and connects once it is fixed through the API, nothing lost', async () => {
    const b = await broker({ tls: { ca: certs.ca, ...certs.server } });
    const r = await startGateway({ url: b.url, tls: { ca: `${certs.dir}/missing-ca.crt` } });
    await waitFor(
      () => /cannot read the CA file .*missing-ca\.crt: ENOENT/.test(r.gateway.edgeNode.status().lastError ?? ''),
      'the unreadable CA file reported',
    );
    await waitFor(() => r.gateway.edgeNode.status().store.values >= 5, 'values stored meanwhile');
    const token = new TokenStore(r.db).create('admin');
    const app = r.gateway.http;
    assert.ok(app);
    const nb = (await app.inject({ method: 'GET', url: '/api/v1/config/northbound', headers: { authorization: `Bearer ${token}` } })).json();
    const host = await new SparkplugHost().connect(b.url, { connect: { ca: fs.readFileSync(certs.ca) } });
    try {
      const res = await app.inject({
        method: 'PUT',
        url: '/api/v1/config/northbound',
        headers: { authorization: `Bearer ${token}` },
        payload: { ...nb, brokers: [{ url: b.url, tls: { ca: certs.ca } }] },
      });
      assert.equal(res.statusCode, 200);
      await host.next('historical values replayed', (m) => m.type === 'DDATA' && m.metrics.some((x) => x.isHistorical));
      await waitFor(() => r.gateway.edgeNode.status().store.values === 0, 'the store emptied');
    } finally {
      await host.close();
    }
    await stopGateway(r);
  });

  it('never writes a password or passphrase to the log', () => {
    assert.ok(logLines.length > 50);
    for (const secret of SECRETS)
      assert.deepEqual(
        logLines.filter((l) => l.includes(secret)),
        [],
        secret,
      );
  });
});
