/**
 * Installing as a new user would: the tarball `npm pack` makes, installed with
 * `npm install -g` into a fresh prefix (native modules compiled there), then
 * the installed `plexus` command validates, diagnoses, runs a gateway with the
 * web UI, and writes a systemd service.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { untilRunning } from './helpers/gateway-process.ts';
import { freePort, tempDir } from './helpers/net.ts';

const run = promisify(execFile);

describe('installing the package', () => {
  const dir = tempDir('plexus-install-');
  const prefix = path.join(dir, 'prefix');
  const plexus = path.join(prefix, 'bin', 'plexus');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('installs from the npm pack tarball with npm install -g', { timeout: 600_000 }, async () => {
    const { stdout } = await run('npm', ['pack', '--pack-destination', dir], { maxBuffer: 16 * 1024 * 1024 });
    const tarball = path.join(dir, stdout.trim().split('\n').at(-1) as string);
    assert.ok(fs.existsSync(tarball), tarball);
    await run('npm', ['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { maxBuffer: 64 * 1024 * 1024 });
    const help = await run(plexus, ['--help']);
    assert.match(help.stderr, /plexus start \[--config FILE\]/);
    const demo = path.join(prefix, 'lib', 'node_modules', 'plexus-gateway', 'config', 'demo.yaml');
    assert.match((await run(plexus, ['validate', demo])).stderr, /is valid: 3 device\(s\)/);
  });

  it('runs the installed gateway with its web UI, and stops it gracefully', async () => {
    const [api, sim] = [await freePort(), await freePort()];
    const config = path.join(dir, 'gw.yaml');
    fs.writeFileSync(
      config,
      YAML.stringify({
        northbound: { groupId: 'G', edgeNodeId: 'installed', brokers: [{ url: 'mqtt://127.0.0.1:1' }] },
        api: { port: api },
        simulators: [{ protocol: 'modbus', port: sim, config: { units: [{ id: 1, points: [] }] } }],
      }),
    );
    const dataDir = path.join(dir, 'data');
    const doctor = await run(plexus, ['doctor', '--config', config, '--data-dir', dataDir]).catch((e) => e as { stderr: string });
    assert.match(doctor.stderr, /^ok +native module better-sqlite3: loads/m, 'the native module was built by the install');
    const child = spawn(plexus, ['start', '--config', config, '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    await untilRunning(child);
    const ui = await fetch(`http://127.0.0.1:${api}/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<div id="app">/);
    assert.equal((await fetch(`http://127.0.0.1:${api}/health`)).status, 200);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.equal((await exited)[0], 0);
    assert.equal(fs.statSync(path.join(dataDir, 'plexus.db')).mode & 0o777, 0o600, 'the database is for the gateway’s user only');
  });

  it('writes a systemd service for the installed package', async () => {
    const root = path.join(dir, 'root');
    const config = path.join(dir, 'gw.yaml');
    const { stderr } = await run(plexus, ['install-service', '--root', root, '--config', config]);
    const unit = fs.readFileSync(path.join(root, 'etc/systemd/system/plexus.service'), 'utf8');
    const main = fs.realpathSync(path.join(prefix, 'lib', 'node_modules', 'plexus-gateway', 'dist', 'src', 'main.js'));
    assert.match(unit, new RegExp(`^ExecStart=${process.execPath} ${main} start --config /etc/plexus/plexus\\.yaml$`, 'm'));
    for (const line of [
      'User=plexus',
      'Restart=on-failure',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/plexus',
      'DeviceAllow=char-ttyUSB rw',
      'SupplementaryGroups=dialout',
    ])
      assert.ok(unit.includes(`\n${line}\n`), line);
    assert.equal(fs.readFileSync(path.join(root, 'etc/plexus/plexus.yaml'), 'utf8'), fs.readFileSync(config, 'utf8'));
    assert.ok(fs.statSync(path.join(root, 'var/lib/plexus')).isDirectory());
    assert.match(stderr, /useradd --system/);
    assert.match(stderr, /systemctl enable --now plexus/);
    const printed = await run(plexus, ['install-service', '--print']);
    assert.match(printed.stdout, /^\[Service\]$/m);
  });
});
