#!/usr/bin/env node
/**
 * The `plexus` command line: start, simulate, validate.
 * Human-readable output goes to stderr; stdout carries the JSON log.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { simulatorPlugins } from '../simulators/registry.ts';
import { TokenStore } from './api/tokens.ts';
import { loadConfigFile } from './config/load.ts';
import { ConfigRepository } from './config/repository.ts';
import { openDatabase } from './database.ts';
import { ConfigError, NoConfigError, PlexusError } from './errors.ts';
import { Gateway } from './gateway.ts';
import { createLogger } from './log.ts';
import { nodeTopic } from './sparkplug/topics.ts';

const USAGE = `Usage:
  plexus start [--config FILE] [--data-dir DIR]   run the gateway (imports FILE first when given)
  plexus simulate modbus|opcua [--config FILE] [--host H] [--port N] [--data-dir DIR]
                                                  run a bundled device simulator
  plexus validate FILE                            check a configuration file and list every error
  plexus token create|revoke NAME [--data-dir DIR]
  plexus token list [--data-dir DIR]              API tokens (needed for writes and the audit log)

The data directory (default ./data, or $PLEXUS_DATA_DIR) holds the SQLite database.`;

const say = (line: string) => process.stderr.write(`${line}\n`);

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
  const dataDir = path.resolve(values['data-dir'] ?? process.env.PLEXUS_DATA_DIR ?? 'data');
  const log = createLogger();
  const imported = values.config ? loadConfigFile(values.config) : undefined;
  const db = openDatabase(dataDir);
  const repo = new ConfigRepository(db);
  if (imported) repo.save(imported, `file:${path.resolve(values.config as string)}`);
  const config = imported ?? repo.load();
  if (!config) throw new NoConfigError(dataDir);
  const gateway = new Gateway({ config, db, dataDir, log });
  onSignals(async () => {
    await gateway.stop();
    db.close();
  });
  try {
    await gateway.start();
  } catch (err) {
    await gateway.stop();
    db.close();
    throw err;
  }
  const { groupId, edgeNodeId } = config.northbound;
  const a = gateway.addresses;
  say('');
  say(`Plexus is running (data in ${dataDir}).`);
  if (a.api) say(`  HTTP API:        ${a.api}/api/v1/devices   (values: ${a.api}/api/v1/devices/<name>/values)`);
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
  const sim = plugin.create(config, { host, port, dataDir: path.resolve(values['data-dir'] ?? process.env.PLEXUS_DATA_DIR ?? 'data') });
  const actual = await sim.start();
  onSignals(() => sim.stop());
  say(`${protocol} simulator listening on ${host}:${actual}; stop with Ctrl+C`);
}

function validate(args: string[]) {
  const file = args[0];
  if (!file) throw new PlexusError('PLX_USAGE', 'validate needs a FILE', 400);
  const config = loadConfigFile(file);
  const tags = config.devices.reduce((n, d) => n + d.groups.reduce((m, g) => m + g.tags.length, 0), 0);
  say(`${file} is valid: ${config.devices.length} device(s), ${tags} tag(s).`);
}

function token(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
  const [action, name] = positionals;
  const dataDir = path.resolve(values['data-dir'] ?? process.env.PLEXUS_DATA_DIR ?? 'data');
  const db = openDatabase(dataDir);
  try {
    const tokens = new TokenStore(db);
    if (action === 'list') {
      for (const t of tokens.list()) say(`${t.name}\tcreated ${new Date(t.createdAt).toISOString()}`);
      return;
    }
    if (!name || (action !== 'create' && action !== 'revoke'))
      throw new PlexusError('PLX_USAGE', 'usage: plexus token create|revoke NAME, or plexus token list', 400);
    if (action === 'create') {
      const created = tokens.create(name);
      say(`API token "${name}" (shown once, keep it safe):`);
      process.stdout.write(`${created}\n`);
      return;
    }
    if (!tokens.revoke(name)) throw new PlexusError('PLX_NOT_FOUND', `there is no token named "${name}"`, 404);
    say(`API token "${name}" revoked.`);
  } finally {
    db.close();
  }
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
