/** The `plexus` command as a user runs it: validate, start with a bad file, and restarts keeping bdSeq. */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { untilRunning } from './helpers/gateway-process.ts';
import { Mosquitto } from './helpers/mosquitto.ts';
import { tempDir } from './helpers/net.ts';
import { type HostMessage, SparkplugHost } from './helpers/sparkplug-host.ts';

const execFileAsync = promisify(execFile);
const MAIN = path.resolve('src/main.ts');
const plexusArgs = (...args: string[]) => ['--import', 'tsx', MAIN, ...args];

async function plexus(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  try {
    const { stderr, stdout } = await execFileAsync(process.execPath, plexusArgs(...args), { timeout: 30_000 });
    return { code: 0, stderr, stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string; stdout: string };
    return { code: e.code, stderr: e.stderr, stdout: e.stdout };
  }
}

describe('plexus command line', () => {
  const dir = tempDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate says a good file is valid', async () => {
    const { code, stderr } = await plexus('validate', 'config/demo.yaml');
    assert.equal(code, 0);
    assert.match(stderr, /config\/demo\.yaml is valid: 3 device\(s\), 30 tag\(s\)\./);
  });

  it('validate lists every error and exits non-zero', async () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      file,
      'northbound: { groupId: G, edgeNodeId: E, brokers: [{ url: "mqtt://x" }] }\ndevices:\n  - { name: D, protocol: modbus, connection: { host: h }, groups: [{ name: g, tags: [{ name: a, address: HR1.20, type: bool }, { name: b, address: QQ1, type: int16 }] }] }\n',
    );
    const { code, stderr } = await plexus('validate', file);
    assert.equal(code, 1);
    assert.match(stderr, /invalid configuration: 2 error\(s\)/);
    assert.match(stderr, /devices\[0\]\.groups\[0\]\.tags\[0\]\.address: bit 20 is outside 0\.\.15/);
    assert.match(stderr, /devices\[0\]\.groups\[0\]\.tags\[1\]\.address: unknown area "QQ"/);
  });

  it('start with a bad file starts nothing: no data directory, exit code 1', async () => {
    const dataDir = path.join(dir, 'never');
    const file = path.join(dir, 'bad2.yaml');
    fs.writeFileSync(file, 'northbound: { groupId: "a/b", edgeNodeId: E, brokers: [] }\n');
    const { code, stderr } = await plexus('start', '--config', file, '--data-dir', dataDir);
    assert.equal(code, 1);
    assert.match(stderr, /northbound\.brokers: must NOT have fewer than 1 items/);
    assert.match(stderr, /northbound\.groupId: "a\/b" may not contain/);
    assert.equal(fs.existsSync(dataDir), false);
  });

  it('start without a stored configuration says how to import one', async () => {
    const { code, stderr } = await plexus('start', '--data-dir', path.join(dir, 'empty'));
    assert.equal(code, 1);
    assert.match(stderr, /no configuration stored in .*empty: start once with --config FILE/);
  });
});

describe('the gateway process across restarts', () => {
  const mosquitto = new Mosquitto();
  const host = new SparkplugHost();
  const dir = tempDir();
  let child: ChildProcess | undefined;

  before(async () => {
    await mosquitto.start();
    await host.connect(mosquitto.url);
    const config = {
      northbound: { groupId: 'G', edgeNodeId: 'restart-node', brokers: [{ url: mosquitto.url }], keepaliveS: 5 },
      api: { port: 0 },
      simulators: [{ protocol: 'modbus', port: 0, config: { units: [{ id: 1, points: [] }] } }],
    };
    fs.writeFileSync(path.join(dir, 'gw.yaml'), YAML.stringify(config));
  });

  after(async () => {
    child?.kill('SIGKILL');
    await host.close();
    await mosquitto.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function startGateway(withConfig: boolean): ChildProcess {
    const args = withConfig ? ['start', '--config', path.join(dir, 'gw.yaml')] : ['start'];
    child = spawn(process.execPath, plexusArgs(...args, '--data-dir', path.join(dir, 'data')), { stdio: 'ignore' });
    return child;
  }

  const bdSeqOf = (m: HostMessage) => m.metrics.find((x) => x.name === 'bdSeq')?.value as number;

  it('keeps bdSeq across a crash, and the broker publishes the Will NDEATH with the session bdSeq', async () => {
    const first = startGateway(true);
    const nbirth1 = await host.next('first NBIRTH', (m) => m.type === 'NBIRTH', 0, 30_000);
    const from = host.messages.length;
    const exited = once(first, 'exit');
    first.kill('SIGKILL');
    await exited;
    const will = await host.next('the Will NDEATH', (m) => m.type === 'NDEATH', from, 30_000);
    assert.equal(bdSeqOf(will), bdSeqOf(nbirth1), 'the Will carries the bdSeq of its NBIRTH');
    assert.equal(will.metrics[0]?.type, 'Int64');

    const second = startGateway(false); // runs from the configuration stored in SQLite
    const nbirth2 = await host.next('NBIRTH after restart', (m) => m.type === 'NBIRTH', from, 30_000);
    assert.equal(bdSeqOf(nbirth2), (bdSeqOf(nbirth1) + 1) % 256, 'topics-nbirth-bdseq-increment: bdSeq survived the restart');

    const from2 = host.messages.length;
    const exited2 = once(second, 'exit');
    second.kill('SIGTERM');
    const [code] = await exited2;
    assert.equal(code, 0, 'a graceful stop exits 0');
    const ndeath = await host.next('NDEATH on graceful stop', (m) => m.type === 'NDEATH', from2);
    assert.equal(bdSeqOf(ndeath), bdSeqOf(nbirth2));
  });

  /** Starts the gateway and reads what it prints until the API address (and the setup link, on a first start) are known. */
  async function startReading(withConfig: boolean): Promise<{ api: string; text: string; stop: () => Promise<void> }> {
    const args = withConfig ? ['start', '--config', path.join(dir, 'gw.yaml')] : ['start'];
    const proc = spawn(process.execPath, plexusArgs(...args, '--data-dir', path.join(dir, 'data')), { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    const { text, api } = await untilRunning(proc);
    assert.ok(api, text);
    return {
      api,
      text,
      stop: async () => {
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        await exited;
      },
    };
  }

  it('prints a first-start setup link; a password reset on the command line lets the admin back in', async () => {
    const gw = await startReading(false);
    const link = /First start: +open (\S+) to create the admin user/.exec(gw.text)?.[1];
    assert.ok(link, gw.text);
    const token = new URL(link.replace('/#/setup', '/setup')).searchParams.get('token');
    const setup = await fetch(`${gw.api}/api/v1/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, username: 'ada', password: 'first password 1' }),
    });
    assert.equal(setup.status, 200);
    await gw.stop();

    const reset = await execFileAsync(process.execPath, plexusArgs('user', 'reset-password', 'ada', '--data-dir', path.join(dir, 'data')), {
      env: { ...process.env, PLEXUS_PASSWORD: 'second password 2' },
    });
    assert.match(reset.stderr, /The password of ada is set/);
    const again = await startReading(false);
    assert.doesNotMatch(again.text, /First start/, 'no setup link once a user exists');
    const login = (password: string) =>
      fetch(`${again.api}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ada', password }),
      });
    assert.equal((await login('first password 1')).status, 401);
    assert.equal((await login('second password 2')).status, 200);
    await again.stop();
  });

  it('keeps changes made through the API across restarts with the same --config, and imports the file again once it is edited', async () => {
    const created = await plexus('token', 'create', 'ops', '--role', 'admin', '--data-dir', path.join(dir, 'data'));
    const token = created.stdout.trim();
    assert.match(token, /^plx_/);
    assert.match((await plexus('token', 'list', '--data-dir', path.join(dir, 'data'))).stderr, /ops\tadmin/);
    const devices = async (api: string) =>
      ((await (await fetch(`${api}/api/v1/config/devices`, { headers: { authorization: `Bearer ${token}` } })).json()) as { name: string }[]).map(
        (d) => d.name,
      );

    const first = await startReading(true);
    assert.match(first.text, /gw\.yaml is unchanged since its last import: running the stored configuration/);
    const res = await fetch(`${first.api}/api/v1/config/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'FromUi', protocol: 'modbus', enabled: false, connection: { host: '127.0.0.1', port: 1502 } }),
    });
    assert.equal(res.status, 201);
    await first.stop();

    const second = await startReading(true);
    assert.deepEqual(await devices(second.api), ['FromUi']);
    await second.stop();

    const file = path.join(dir, 'gw.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('keepaliveS: 5', 'keepaliveS: 6'));
    const third = await startReading(true);
    assert.doesNotMatch(third.text, /unchanged since its last import/);
    assert.deepEqual(await devices(third.api), [], 'the edited file replaced the stored configuration');
    await third.stop();
  });
});
