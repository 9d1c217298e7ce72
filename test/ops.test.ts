/**
 * Running on site: upgrading an older database (with a copy first) and refusing
 * a newer one, backup while the gateway runs and restore into a fresh data
 * directory (same configuration, bdSeq continuing), one gateway per data
 * directory, and `plexus doctor` on a healthy and on a broken setup.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { MIGRATIONS, openDatabase, SCHEMA_VERSION } from '../src/database.ts';
import { makeCerts } from './helpers/certs.ts';
import { Mosquitto } from './helpers/mosquitto.ts';
import { freePort, tempDir } from './helpers/net.ts';
import { type HostMessage, SparkplugHost } from './helpers/sparkplug-host.ts';
import { modbusSimulator } from './helpers/stack.ts';

const execFileAsync = promisify(execFile);
const MAIN = path.resolve('src/main.ts');

async function plexus(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', MAIN, ...args], { timeout: 60_000 });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('database upgrades', () => {
  const dir = tempDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('migrates a database made by an older schema, keeping a copy of it first', () => {
    const dataDir = path.join(dir, 'old');
    fs.mkdirSync(dataDir);
    const old = new Database(path.join(dataDir, 'plexus.db'));
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m);
    old.pragma('user_version = 3');
    old.prepare("INSERT INTO meta (key, value) VALUES ('bdSeq', '41')").run();
    old.prepare("INSERT INTO config_revision (created_at, source, document) VALUES (1, 'file:x', '{}')").run();
    old.prepare("INSERT INTO api_token (name, hash, created_at) VALUES ('ci', 'abc', 1)").run();
    old.close();

    const db = openDatabase(dataDir);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal((db.prepare("SELECT value FROM meta WHERE key = 'bdSeq'").get() as { value: string }).value, '41');
    assert.deepEqual(db.prepare('SELECT name, role FROM api_token').all(), [{ name: 'ci', role: 'admin' }], 'tokens from before roles keep full access');
    db.close();
    const copies = fs.readdirSync(dataDir).filter((f) => /^plexus\.db\.schema3-.*\.bak$/.test(f));
    assert.equal(copies.length, 1, fs.readdirSync(dataDir).join(', '));
    const copy = new Database(path.join(dataDir, copies[0] as string), { readonly: true });
    assert.equal(copy.pragma('user_version', { simple: true }), 3, 'the copy is the database as it was');
    copy.close();
    assert.equal(fs.statSync(path.join(dataDir, copies[0] as string)).mode & 0o777, 0o600);
  });

  it('refuses a data directory it cannot write, with the reason', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    const { code, stderr } = await plexus('start', '--data-dir', path.join(file, 'data'));
    assert.equal(code, 1);
    assert.match(stderr, /data directory .*a-file\/data is not writable: ENOTDIR/);
    const doctor = await plexus('doctor', '--data-dir', path.join(file, 'data'));
    assert.equal(doctor.code, 1);
    assert.match(doctor.stderr, /^FAIL +data directory: .* is not writable: ENOTDIR.*\n +fix: give the service user the directory/m);
  });

  it('refuses a database from a newer version without touching it', async () => {
    const dataDir = path.join(dir, 'new');
    fs.mkdirSync(dataDir);
    const newer = new Database(path.join(dataDir, 'plexus.db'));
    newer.pragma('user_version = 99');
    newer.close();
    const before = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(dataDir, 'plexus.db')))
      .digest('hex');
    const { code, stderr } = await plexus('start', '--data-dir', dataDir);
    assert.equal(code, 1);
    assert.match(stderr, /the database has schema version 99, newer than this Plexus supports \(\d+\); upgrade Plexus/);
    assert.equal(
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(dataDir, 'plexus.db')))
        .digest('hex'),
      before,
    );
  });
});

describe('backup, restore and one gateway per data directory', () => {
  const dir = tempDir();
  const mosquitto = new Mosquitto();
  const host = new SparkplugHost();
  const sim = modbusSimulator({ units: [{ id: 1, points: [{ area: 'holding', address: 0, type: 'uint16', value: 7 }] }] });
  let child: ChildProcess | undefined;

  before(async () => {
    await mosquitto.start();
    await host.connect(mosquitto.url);
    const port = await sim.start();
    const config = {
      northbound: { groupId: 'G', edgeNodeId: 'backup-node', brokers: [{ url: mosquitto.url }], keepaliveS: 5 },
      api: { enabled: false },
      devices: [
        {
          name: 'Meter',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [{ name: 'g', intervalMs: 200, tags: [{ name: 'V', address: 'HR0', type: 'uint16' }] }],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, 'gw.yaml'), YAML.stringify(config));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await host.close();
    await sim.stop();
    await mosquitto.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = (dataDir: string, withConfig: boolean) => {
    const args = ['--import', 'tsx', MAIN, 'start', ...(withConfig ? ['--config', path.join(dir, 'gw.yaml')] : []), '--data-dir', dataDir];
    child = spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, PLEXUS_LOG_LEVEL: 'warn' } });
    return child;
  };
  const stop = async (c: ChildProcess) => {
    const exited = once(c, 'exit');
    c.kill('SIGTERM');
    return (await exited)[0];
  };
  const bdSeqOf = (m: HostMessage) => m.metrics.find((x) => x.name === 'bdSeq')?.value as number;

  it('backs up while the gateway runs, and a restored data directory runs the same configuration with bdSeq going on', async () => {
    const original = path.join(dir, 'data');
    const gw = start(original, true);
    const nbirth = await host.next('NBIRTH', (m) => m.type === 'NBIRTH', 0, 30_000);
    await host.next('DBIRTH', (m) => m.type === 'DBIRTH' && m.device === 'Meter', 0, 30_000);

    const second = await plexus('start', '--data-dir', original);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /another Plexus \(pid \d+\) runs on .*data: stop it first/);

    const file = path.join(dir, 'backup.db');
    const made = await plexus('backup', file, '--data-dir', original);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /Backed up to .*backup\.db .*left out: store_batch, store_metric, store_device, audit_write, audit_event/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal((await plexus('restore', file, '--data-dir', original)).code, 1, 'not into the running gateway’s directory');

    const from = host.messages.length;
    assert.equal(await stop(gw), 0);
    await host.next('NDEATH', (m) => m.type === 'NDEATH', from);

    const fresh = path.join(dir, 'fresh');
    const restored = await plexus('restore', file, '--data-dir', fresh);
    assert.equal(restored.code, 0, restored.stderr);
    const again = await plexus('restore', file, '--data-dir', fresh);
    assert.match(again.stderr, /has a database already: add --force/);

    const from2 = host.messages.length;
    const gw2 = start(fresh, false); // no --config: the restored configuration runs
    const nbirth2 = await host.next('NBIRTH from the restored directory', (m) => m.type === 'NBIRTH', from2, 30_000);
    assert.equal(bdSeqOf(nbirth2), (bdSeqOf(nbirth) + 1) % 256, 'bdSeq continues');
    const dbirth = await host.next('DBIRTH of Meter', (m) => m.type === 'DBIRTH' && m.device === 'Meter', from2, 30_000);
    assert.equal(host.metric(dbirth, 'V')?.value, 7);
    assert.equal(await stop(gw2), 0);
  });

  it('refuses a file that is not a backup', async () => {
    const file = path.join(dir, 'not-a-backup.db');
    fs.writeFileSync(file, 'hello');
    const { code, stderr } = await plexus('restore', file, '--data-dir', path.join(dir, 'other'));
    assert.equal(code, 1);
    assert.match(stderr, /is not a Plexus backup/);
  });
});

describe('plexus doctor', () => {
  const dir = tempDir();
  const mosquitto = new Mosquitto();
  const sim = modbusSimulator({ units: [{ id: 1, points: [] }] });
  let simPort: number;

  before(async () => {
    await mosquitto.start();
    simPort = await sim.start();
  });
  after(async () => {
    await sim.stop();
    await mosquitto.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, config: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, YAML.stringify(config));
    return file;
  };
  const device = (name: string, connection: Record<string, unknown>) => ({
    name,
    protocol: 'modbus',
    connection,
    groups: [{ name: 'g', tags: [{ name: 'V', address: 'HR0', type: 'uint16' }] }],
  });

  it('says everything is in order on a healthy setup', async () => {
    const apiPort = await freePort();
    const file = write('good.yaml', {
      northbound: { groupId: 'G', edgeNodeId: 'E', brokers: [{ url: mosquitto.url }] },
      api: { port: apiPort },
      devices: [device('Meter', { host: '127.0.0.1', port: simPort })],
    });
    const { code, stderr } = await plexus('doctor', '--config', file, '--data-dir', path.join(dir, 'good'));
    assert.equal(code, 0, stderr);
    for (const line of [
      /^ok +Node\.js: version 2\d\./m,
      /^ok +native module better-sqlite3: loads/m,
      /^ok +data directory: .* is writable/m,
      /^ok +configuration: .*good\.yaml is valid: 1 device/m,
      new RegExp(`^ok +port 127\\.0\\.0\\.1:${apiPort} \\(HTTP API\\): free`, 'm'),
      /^ok +broker mqtt:\/\/127\.0\.0\.1:\d+: reachable/m,
      /^ok +device Meter \(127\.0\.0\.1:\d+\): reachable/m,
      /Everything checked is in order\./,
    ])
      assert.match(stderr, line);
  });

  it('checks a TLS broker with the configured CA, and names an expired certificate', async () => {
    const certs = makeCerts();
    const good = await new Mosquitto({ tls: { ca: certs.ca, ...certs.server } }).start();
    const expired = await new Mosquitto({ tls: { ca: certs.ca, ...certs.expired } }).start();
    try {
      const file = write('tls.yaml', {
        northbound: { groupId: 'G', edgeNodeId: 'E', brokers: [good.url, expired.url].map((url) => ({ url, tls: { ca: certs.ca } })) },
        api: { enabled: false },
      });
      const { code, stderr } = await plexus('doctor', '--config', file, '--data-dir', path.join(dir, 'tls'));
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`^ok +broker mqtts://127\\.0\\.0\\.1:${good.port}: TLS TLSv1\\.[23], certificate valid until`, 'm'));
      assert.match(stderr, new RegExp(`^FAIL +broker mqtts://127\\.0\\.0\\.1:${expired.port}: the broker's TLS certificate has expired`, 'm'));
    } finally {
      await good.dispose();
      await expired.dispose();
      certs.dispose();
    }
  });

  it('names each problem of a broken setup with its fix', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as net.AddressInfo).port;
    const closed = await freePort();
    const file = write('broken.yaml', {
      northbound: { groupId: 'G', edgeNodeId: 'E', brokers: [{ url: `mqtt://127.0.0.1:${closed}` }] },
      api: { port: busy },
      devices: [device('Gone', { host: '127.0.0.1', port: closed }), device('Serial', { transport: 'rtu', serialPort: path.join(dir, 'ttyUSB9') })],
    });
    const { code, stderr } = await plexus('doctor', '--config', file, '--data-dir', path.join(dir, 'broken'));
    taken.close();
    assert.equal(code, 1);
    for (const line of [
      new RegExp(`^FAIL +port 127\\.0\\.0\\.1:${busy} \\(HTTP API\\): in use by another program\\n +fix: find it with`, 'm'),
      new RegExp(`^FAIL +broker mqtt://127\\.0\\.0\\.1:${closed}: nothing listens at 127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`, 'm'),
      /^FAIL +device Gone \(127\.0\.0\.1:\d+\): connect ECONNREFUSED.*\n +fix: check the address, the cabling and the firewall/m,
      /^FAIL +serial port .*ttyUSB9 \(Serial\): does not exist\n +fix: plug the adapter in/m,
      /^4 check\(s\) failed\./m,
    ])
      assert.match(stderr, line);
    const bad = write('invalid.yaml', { northbound: { groupId: 'a/b', edgeNodeId: 'E', brokers: [] } });
    const invalid = await plexus('doctor', '--config', bad, '--data-dir', path.join(dir, 'broken'));
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^FAIL +configuration: .*northbound\.groupId: "a\/b" may not contain.*\n +fix: correct it/m);
  });
});
