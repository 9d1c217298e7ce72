/**
 * `plexus doctor`: what usually goes wrong on site, one line per check with
 * the fix. It reads the configuration (a file, or the one stored in the data
 * directory) and tries everything it names, without changing anything.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { loadConfigFile } from '../config/load.ts';
import { ConfigRepository } from '../config/repository.ts';
import type { Config } from '../config/schema.ts';
import { runningDevices } from '../config/templates.ts';
import { closeDatabase, DB_FILE, openDatabase, SCHEMA_VERSION } from '../database.ts';
import { ConfigError } from '../errors.ts';
import { explainBrokerError, tlsOptions } from '../sparkplug/broker-options.ts';
import { runningGateway } from './lock.ts';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

const require = createRequire(import.meta.url);
const TIMEOUT_MS = 3000;

/** Resolves when a TCP (or TLS, with the broker's TLS settings) connection to host:port succeeds; rejects with the reason. */
function reach(host: string, port: number, secure?: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...secure }) : net.connect({ host, port });
    const done = (err?: Error, detail = '') => {
      socket.destroy();
      if (err) reject(err);
      else resolve(detail);
    };
    socket.setTimeout(TIMEOUT_MS, () => done(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    socket.once('error', (err) => done(err));
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (!secure) return done();
      const s = socket as tls.TLSSocket;
      if (!s.authorized) return done(Object.assign(new Error(String(s.authorizationError)), { code: String(s.authorizationError) }));
      done(undefined, `TLS ${s.getProtocol()}, certificate valid until ${s.getPeerCertificate().valid_to}`);
    });
  });
}

/** Whether host:port can be listened on now. */
function free(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'Node.js', status: 'ok', detail: `version ${process.versions.node}` }
    : { name: 'Node.js', status: 'fail', detail: `version ${process.versions.node} is too old`, fix: 'install Node.js 20 or newer (nodejs.org or NodeSource)' };
}

function nativeChecks(config: Config | undefined): Check[] {
  const needsSerial = (config ? runningDevices(config) : []).some((d) => d.enabled && d.connection.transport === 'rtu') ?? false;
  const load = (name: string, mod: string, needed: boolean, use: string, fix: string): Check => {
    try {
      require(mod);
      return { name, status: 'ok', detail: 'loads' };
    } catch (err) {
      const first = (err as Error).message.split('\n')[0];
      return { name, status: needed ? 'fail' : 'warn', detail: `does not load (${first}); it is needed for ${use}`, fix };
    }
  };
  const rebuild = 'run `npm rebuild` in the Plexus folder (needs python3, make and g++)';
  const checks = [load('native module better-sqlite3', 'better-sqlite3', true, 'everything', rebuild)];
  checks.push(load('native module serialport', '@serialport/bindings-cpp', needsSerial, 'Modbus RTU on serial ports', rebuild));
  checks.push(
    load('native module node-snap7', 'node-snap7', config?.simulators.some((s) => s.protocol === 's7') ?? false, 'the bundled S7 simulator only', rebuild),
  );
  return checks;
}

function dataDirCheck(dataDir: string): Check {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o750 });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (err) {
    return {
      name: 'data directory',
      status: 'fail',
      detail: `${dataDir} is not writable: ${(err as Error).message}`,
      fix: `give the service user the directory: sudo chown -R plexus: ${dataDir}`,
    };
  }
  const mode = fs.statSync(dataDir).mode & 0o777;
  if (mode & 0o007)
    return { name: 'data directory', status: 'warn', detail: `${dataDir} is readable by every user (mode ${mode.toString(8)})`, fix: `chmod 750 ${dataDir}` };
  return { name: 'data directory', status: 'ok', detail: `${dataDir} is writable` };
}

function loadConfig(dataDir: string, configFile: string | undefined): { config?: Config; check: Check } {
  try {
    if (configFile) {
      const config = loadConfigFile(configFile);
      return { config, check: { name: 'configuration', status: 'ok', detail: `${configFile} is valid: ${config.devices.length} device(s)` } };
    }
    if (!fs.existsSync(path.join(dataDir, DB_FILE)))
      return {
        check: {
          name: 'configuration',
          status: 'fail',
          detail: `no database in ${dataDir}`,
          fix: 'start once with --config FILE, or pass --config FILE to doctor',
        },
      };
    const db = openDatabase(dataDir);
    try {
      const config = new ConfigRepository(db).load();
      if (!config) return { check: { name: 'configuration', status: 'fail', detail: 'none stored', fix: 'start once with --config FILE' } };
      return {
        config,
        check: {
          name: 'configuration',
          status: 'ok',
          detail: `the stored one (database schema ${SCHEMA_VERSION}) is valid: ${config.devices.length} device(s)`,
        },
      };
    } finally {
      closeDatabase(db);
    }
  } catch (err) {
    const details = err instanceof ConfigError ? `: ${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')}` : '';
    return {
      check: {
        name: 'configuration',
        status: 'fail',
        detail: `${(err as Error).message}${details}`,
        fix: 'correct it (`plexus validate FILE` lists every error)',
      },
    };
  }
}

async function portChecks(config: Config, dataDir: string): Promise<Check[]> {
  const running = runningGateway(dataDir);
  const wanted = [
    ...(config.api.enabled && config.api.port ? [{ what: 'HTTP API', host: config.api.host, port: config.api.port }] : []),
    ...(config.broker.enabled && config.broker.port ? [{ what: 'embedded MQTT broker', host: config.broker.host, port: config.broker.port }] : []),
    ...config.simulators.filter((s) => s.port).map((s) => ({ what: `${s.protocol} simulator`, host: s.host, port: s.port })),
  ];
  return Promise.all(
    wanted.map(async ({ what, host, port }): Promise<Check> => {
      const name = `port ${host}:${port} (${what})`;
      if (await free(host, port)) return { name, status: 'ok', detail: 'free' };
      if (running !== undefined) return { name, status: 'ok', detail: `in use, by the running gateway (pid ${running})` };
      return { name, status: 'fail', detail: 'in use by another program', fix: `find it with \`ss -ltnp 'sport = :${port}'\`, or choose another port` };
    }),
  );
}

function serialChecks(config: Config): Check[] {
  return runningDevices(config)
    .filter((d) => d.enabled && d.connection.transport === 'rtu')
    .map((d) => {
      const port = String(d.connection.serialPort);
      const name = `serial port ${port} (${d.name})`;
      if (!fs.existsSync(port))
        return { name, status: 'fail', detail: 'does not exist', fix: 'plug the adapter in; `ls /dev/serial/by-id/` lists stable names to use' };
      try {
        fs.accessSync(port, fs.constants.R_OK | fs.constants.W_OK);
        return { name, status: 'ok', detail: 'present and accessible' };
      } catch {
        return {
          name,
          status: 'fail',
          detail: 'present, but this user may not open it',
          fix: 'add the service user to the dialout group: sudo usermod -aG dialout plexus',
        };
      }
    });
}

/** host and port a device is reached at, from its connection settings. */
function endpointOf(connection: Record<string, unknown>): { host: string; port: number } | undefined {
  if (typeof connection.endpointUrl === 'string') {
    const u = new URL(connection.endpointUrl.replace(/^opc\.tcp:/, 'http:'));
    return { host: u.hostname, port: Number(u.port || 4840) };
  }
  if (typeof connection.host === 'string' && typeof connection.port === 'number') return { host: connection.host, port: connection.port };
  return undefined;
}

async function networkChecks(config: Config): Promise<Check[]> {
  const brokers = config.northbound.brokers.map(async (b): Promise<Check> => {
    const u = new URL(b.url);
    const secure = u.protocol === 'mqtts:' || u.protocol === 'ssl:';
    const port = Number(u.port || (secure ? 8883 : 1883));
    const name = `broker ${u.protocol}//${u.hostname}:${port}`;
    const embedded = config.broker.enabled && port === config.broker.port;
    try {
      const detail = await reach(u.hostname, port, secure ? { ...(tlsOptions(b) as tls.ConnectionOptions), rejectUnauthorized: false } : undefined);
      return { name, status: 'ok', detail: detail || 'reachable' };
    } catch (err) {
      const reason = explainBrokerError(err as Error, b);
      if (embedded) return { name, status: 'warn', detail: reason, fix: 'the embedded broker answers only while the gateway runs' };
      return { name, status: 'fail', detail: reason, fix: 'correct the broker settings (address, tls.ca, client certificate) or the broker' };
    }
  });
  const devices = runningDevices(config)
    .filter((d) => d.enabled)
    .flatMap((d) => {
      const at = endpointOf(d.connection);
      if (!at) return [];
      return [
        reach(at.host, at.port).then(
          (): Check => ({ name: `device ${d.name} (${at.host}:${at.port})`, status: 'ok', detail: 'reachable' }),
          (err: Error): Check => ({
            name: `device ${d.name} (${at.host}:${at.port})`,
            status: config.simulators.length > 0 ? 'warn' : 'fail',
            detail: err.message,
            fix: config.simulators.length > 0 ? 'a bundled simulator answers only while the gateway runs' : 'check the address, the cabling and the firewall',
          }),
        ),
      ];
    });
  return Promise.all([...brokers, ...devices]);
}

export async function runDoctor(dataDir: string, configFile?: string): Promise<Check[]> {
  const dataCheck = dataDirCheck(dataDir);
  const { config, check } = dataCheck.status === 'fail' && !configFile ? { config: undefined, check: undefined } : loadConfig(dataDir, configFile);
  const checks: Check[] = [nodeCheck(), ...nativeChecks(config), dataCheck, ...(check ? [check] : [])];
  if (!config) return checks;
  checks.push(...serialChecks(config), ...(await portChecks(config, dataDir)), ...(await networkChecks(config)));
  return checks;
}
