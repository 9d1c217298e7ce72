#!/usr/bin/env node
/**
 * The `plexus` command line: start, simulate, validate.
 * Human-readable output goes to stderr; stdout carries the JSON log.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { simulatorPlugins } from '../simulators/registry.ts';
import { EventLog } from './api/event-log.ts';
import { ROLES, type Role } from './api/roles.ts';
import { TokenStore } from './api/tokens.ts';
import { UserStore } from './api/users.ts';
import { loadConfigFile } from './config/load.ts';
import { ConfigRepository } from './config/repository.ts';
import { runningDevices } from './config/templates.ts';
import { closeDatabase, openDatabase, readMeta, SCHEMA_VERSION, writeMeta } from './database.ts';
import { ConfigError, NoConfigError, PlexusError } from './errors.ts';
import { Gateway } from './gateway.ts';
import { createLogger } from './log.ts';
import { backup, restore } from './ops/backup.ts';
import { runDoctor } from './ops/doctor.ts';
import { lockDataDir } from './ops/lock.ts';
import { installService, unitFile } from './ops/service.ts';
import { nodeTopic } from './sparkplug/topics.ts';

const USAGE = `Usage:
  plexus start [--config FILE] [--data-dir DIR]   run the gateway (imports FILE when it changed since
                                                  its last import; otherwise runs the stored config,
                                                  including changes made in the UI)
  plexus simulate modbus|opcua|s7 [--config FILE] [--host H] [--port N] [--data-dir DIR]
                                                  run a bundled device simulator
  plexus validate FILE                            check a configuration file and list every error
  plexus token create NAME [--role viewer|operator|admin] [--data-dir DIR]
  plexus token revoke NAME | list [--data-dir DIR] API tokens for automation (default role: admin)
  plexus user reset-password NAME [--data-dir DIR] sets a new password (asked on stdin, or $PLEXUS_PASSWORD)
  plexus user list [--data-dir DIR]
  plexus backup FILE [--store] [--audit] [--data-dir DIR]
                                                  a consistent copy, also while the gateway runs: the
                                                  configuration, users and state; unsent values and
                                                  audit logs with --store and --audit
  plexus restore FILE [--force] [--data-dir DIR]  into a data directory whose gateway is stopped
  plexus doctor [--config FILE] [--data-dir DIR]  checks what usually goes wrong on site, with the fix
  plexus install-service [--config FILE] [--user plexus] [--data-dir /var/lib/plexus] [--root DIR] [--print]
                                                  a systemd service for the installed package

The data directory (default ./data, or $PLEXUS_DATA_DIR) holds the SQLite database.`;

const say = (line: string) => process.stderr.write(`${line}\n`);
const dataDirOf = (values: { 'data-dir'?: string }) => path.resolve(values['data-dir'] ?? process.env.PLEXUS_DATA_DIR ?? 'data');

function printErrors(err: ConfigError) {
  say(`${err.message}:`);
  for (const d of err.details) say(`  ${d.path}: ${d.message}`);
}

/** Runs `stop` on the first SIGINT/SIGTERM; a second signal exits at once. */
function onSignals(stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      say(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function start(args: string[]) {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, 'data-dir': { type: 'string' } } });
  const dataDir = dataDirOf(values);
  const log = createLogger();
  const imported = values.config ? loadConfigFile(values.config) : undefined;
  const db = openDatabase(dataDir);
  let release: () => void;
  try {
    release = lockDataDir(dataDir);
  } catch (err) {
    closeDatabase(db);
    throw err;
  }
  const repo = new ConfigRepository(db);
  // The file is imported when it changed since it was last imported: changes made in the UI survive a restart.
  const fingerprint = imported && crypto.createHash('sha256').update(JSON.stringify(imported)).digest('hex');
  if (imported && fingerprint !== readMeta(db, 'importedConfig')) {
    repo.save(imported, `file:${path.resolve(values.config as string)}`);
    writeMeta(db, 'importedConfig', fingerprint as string);
  } else if (imported) say(`${values.config} is unchanged since its last import: running the stored configuration.`);
  const config = repo.load();
  if (!config) throw new NoConfigError(dataDir);
  const gateway = new Gateway({ config, db, dataDir, log });
  const shutdown = async () => {
    await gateway.stop();
    closeDatabase(db);
    release();
  };
  onSignals(shutdown);
  try {
    await gateway.start();
  } catch (err) {
    await shutdown();
    throw err;
  }
  const { groupId, edgeNodeId } = config.northbound;
  const a = gateway.addresses;
  say('');
  say(`Plexus is running (data in ${dataDir}).`);
  if (a.api) {
    say(`  Web UI:          ${a.api}/`);
    say(`  HTTP API:        ${a.api}/api/v1   (documentation: ${a.api}/docs)`);
    if (gateway.auth.setupUrl) say(`  First start:     open ${gateway.auth.setupUrl} to create the admin user`);
  }
  if (a.broker !== undefined) say(`  Embedded broker: mqtt://${config.broker.host}:${a.broker}`);
  for (const s of a.simulators) say(`  Simulator:       ${s.protocol} on ${config.simulators[0]?.host ?? '127.0.0.1'}:${s.port}`);
  say(`  Upstream broker: ${config.northbound.brokers.map((b) => b.url).join(', ')}`);
  say(`  Sparkplug:       ${nodeTopic(groupId, 'NBIRTH', edgeNodeId).replace('/NBIRTH/', '/+/')}/#`);
  if (a.broker !== undefined) say(`  Watch it:        mosquitto_sub -h ${config.broker.host} -p ${a.broker} -t 'spBv1.0/#' -v`);
  say('Stop with Ctrl+C.');
}

async function simulate(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const protocol = positionals[0];
  const plugin = protocol ? simulatorPlugins[protocol] : undefined;
  if (!protocol || !plugin) throw new PlexusError('PLX_USAGE', `simulate needs a protocol: ${Object.keys(simulatorPlugins).join(', ')}`, 400);
  const config = values.config ? (YAML.parse(fs.readFileSync(values.config, 'utf8')) ?? {}) : {};
  const port = Number(values.port ?? plugin.defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PlexusError('PLX_USAGE', `--port must be 0..65535, not ${values.port}`, 400);
  const host = values.host ?? '127.0.0.1';
  const sim = plugin.create(config, { host, port, dataDir: dataDirOf(values) });
  const actual = await sim.start();
  onSignals(() => sim.stop());
  say(`${protocol} simulator listening on ${host}:${actual}; stop with Ctrl+C`);
}

function validate(args: string[]) {
  const file = args[0];
  if (!file) throw new PlexusError('PLX_USAGE', 'validate needs a FILE', 400);
  const config = loadConfigFile(file);
  const tags = runningDevices(config).reduce((n, d) => n + d.groups.reduce((m, g) => m + g.tags.length, 0), 0);
  say(`${file} is valid: ${config.devices.length} device(s), ${tags} tag(s).`);
}

function token(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'data-dir': { type: 'string' }, role: { type: 'string' } } });
  const [action, name] = positionals;
  const db = openDatabase(dataDirOf(values));
  try {
    const tokens = new TokenStore(db);
    if (action === 'list') {
      for (const t of tokens.list()) say(`${t.name}\t${t.role}\tcreated ${new Date(t.createdAt).toISOString()}`);
      return;
    }
    if (!name || (action !== 'create' && action !== 'revoke'))
      throw new PlexusError('PLX_USAGE', 'usage: plexus token create NAME [--role viewer|operator|admin], plexus token revoke NAME, or plexus token list', 400);
    if (action === 'create') {
      const role = values.role ?? 'admin';
      if (!(ROLES as readonly string[]).includes(role)) throw new PlexusError('PLX_USAGE', `--role must be one of ${ROLES.join(', ')}, not "${role}"`, 400);
      const created = tokens.create(name, role as Role);
      say(`API token "${name}" with role ${role} (shown once, keep it safe):`);
      process.stdout.write(`${created}\n`);
      return;
    }
    if (!tokens.revoke(name)) throw new PlexusError('PLX_NOT_FOUND', `there is no token named "${name}"`, 404);
    say(`API token "${name}" revoked.`);
  } finally {
    closeDatabase(db);
  }
}

/** Recovery on the machine itself: list users, or set a forgotten password (the sessions of that user end). */
async function user(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
  const [action, name] = positionals;
  const db = openDatabase(dataDirOf(values));
  try {
    const users = new UserStore(db);
    if (action === 'list') {
      for (const u of users.list()) say(`${u.name}\t${u.role}\tcreated ${new Date(u.createdAt).toISOString()}`);
      return;
    }
    if (action !== 'reset-password' || !name) throw new PlexusError('PLX_USAGE', 'usage: plexus user reset-password NAME, or plexus user list', 400);
    const found = users.get(name);
    if (!found) throw new PlexusError('PLX_NOT_FOUND', `there is no user "${name}"`, 404);
    const password = process.env.PLEXUS_PASSWORD ?? (await readLine(`new password for ${found.name}: `));
    await users.setPassword(found.name, password);
    new EventLog(db).record('command line', 'password reset', `user ${found.name}`);
    say(`The password of ${found.name} is set; their sessions have ended.`);
  } finally {
    closeDatabase(db);
  }
}

async function readLine(prompt: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  process.stderr.write(prompt);
  try {
    for await (const line of rl) return line;
    throw new PlexusError('PLX_USAGE', 'no password given on stdin', 400);
  } finally {
    rl.close();
  }
}

async function backupCommand(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, store: { type: 'boolean' }, audit: { type: 'boolean' } },
  });
  const file = positionals[0];
  if (!file) throw new PlexusError('PLX_USAGE', 'usage: plexus backup FILE [--store] [--audit] [--data-dir DIR]', 400);
  const { bytes, left } = await backup(dataDirOf(values), path.resolve(file), { store: values.store, audit: values.audit });
  say(`Backed up to ${file} (${Math.ceil(bytes / 1024)} KiB)${left.length ? `; left out: ${left.join(', ')}` : ''}.`);
}

function restoreCommand(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'data-dir': { type: 'string' }, force: { type: 'boolean' } } });
  const file = positionals[0];
  if (!file) throw new PlexusError('PLX_USAGE', 'usage: plexus restore FILE [--force] [--data-dir DIR]', 400);
  const dataDir = dataDirOf(values);
  const { migratedFrom } = restore(dataDir, path.resolve(file), values.force);
  say(
    `Restored ${file} into ${dataDir}${migratedFrom < SCHEMA_VERSION ? ` (upgraded from schema ${migratedFrom})` : ''}; start the gateway without --config to run it.`,
  );
}

async function doctorCommand(args: string[]) {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, config: { type: 'string' } } });
  const checks = await runDoctor(dataDirOf(values), values.config);
  const mark = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
  for (const c of checks) {
    say(`${mark[c.status]}  ${c.name}: ${c.detail}`);
    if (c.fix && c.status !== 'ok') say(`      fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  say(failed ? `${failed} check(s) failed.` : 'Everything checked is in order.');
  if (failed) process.exitCode = 1;
}

function installServiceCommand(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      user: { type: 'string', default: 'plexus' },
      'data-dir': { type: 'string', default: '/var/lib/plexus' },
      root: { type: 'string', default: '/' },
      print: { type: 'boolean' },
    },
  });
  const opts = { user: values.user, dataDir: values['data-dir'], root: values.root, config: values.config && path.resolve(values.config) };
  if (values.print) {
    process.stdout.write(unitFile({ ...opts, config: !!opts.config }));
    return;
  }
  if (opts.config) loadConfigFile(opts.config); // refuse a bad file before installing anything
  const { written, next } = installService(opts);
  for (const w of written) say(`wrote ${w}`);
  say('Then:');
  for (const n of next) say(`  ${n}`);
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'simulate':
      return simulate(rest);
    case 'validate':
      return validate(rest);
    case 'token':
      return token(rest);
    case 'user':
      return user(rest);
    case 'backup':
      return backupCommand(rest);
    case 'restore':
      return restoreCommand(rest);
    case 'doctor':
      return doctorCommand(rest);
    case 'install-service':
      return installServiceCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      say(USAGE);
      return;
    default:
      say(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) printErrors(err);
  else if (err instanceof PlexusError) say(`error: ${err.message}`);
  else say(`error: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
