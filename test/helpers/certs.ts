/**
 * Throw-away test certificates made with openssl for each run: a CA, broker
 * certificates (good, expired, for another host name, from an unknown CA) and
 * a client certificate with a plain and a passphrase-protected key. Nothing
 * of this is checked in.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './net.ts';

export interface TestCerts {
  dir: string;
  ca: string;
  otherCa: string;
  server: { cert: string; key: string };
  expired: { cert: string; key: string };
  wrongName: { cert: string; key: string };
  unknownCa: { cert: string; key: string };
  client: { cert: string; key: string; encryptedKey: string; passphrase: string };
  dispose(): void;
}

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

export function makeCerts(): TestCerts {
  const dir = tempDir('plexus-certs-');
  const p = (f: string) => path.join(dir, f);
  const ca = (name: string) => {
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=Plexus test ${name}`,
    );
    // `openssl ca` (which can back-date) wants a small database.
    fs.mkdirSync(p(`${name}-db`));
    fs.writeFileSync(p(`${name}-db/index.txt`), '');
    fs.writeFileSync(p(`${name}-db/serial`), '1000\n');
    fs.writeFileSync(
      p(`${name}.cnf`),
      `[ca]\ndefault_ca = ca\n[ca]\ndir = ${p(`${name}-db`)}\ndatabase = $dir/index.txt\nserial = $dir/serial\nnew_certs_dir = $dir\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\nunique_subject = no\n[any]\ncommonName = supplied\n`,
    );
  };
  const issue = (name: string, by: string, opts: { san?: string; start?: string; end?: string; client?: boolean } = {}) => {
    const ext = p(`${name}.ext`);
    fs.writeFileSync(ext, `${opts.san ? `subjectAltName = ${opts.san}\n` : ''}extendedKeyUsage = ${opts.client ? 'clientAuth' : 'serverAuth'}\n`);
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    const dates = opts.start && opts.end ? ['-startdate', opts.start, '-enddate', opts.end] : ['-days', '2'];
    openssl(
      dir,
      'ca',
      '-batch',
      '-config',
      `${by}.cnf`,
      '-cert',
      `${by}.crt`,
      '-keyfile',
      `${by}.key`,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      '-extfile',
      ext,
      ...dates,
    );
    return { cert: p(`${name}.crt`), key: p(`${name}.key`) };
  };
  ca('ca');
  ca('other-ca');
  const server = issue('server', 'ca', { san: 'IP:127.0.0.1,DNS:localhost' });
  const expired = issue('expired', 'ca', { san: 'IP:127.0.0.1,DNS:localhost', start: '20200101000000Z', end: '20200201000000Z' });
  const wrongName = issue('wrong-name', 'ca', { san: 'DNS:broker.elsewhere.example' });
  const unknownCa = issue('unknown-ca', 'other-ca', { san: 'IP:127.0.0.1,DNS:localhost' });
  const client = issue('gateway-1', 'ca', { client: true });
  const passphrase = 'a test passphrase';
  openssl(dir, 'pkey', '-in', client.key, '-aes256', '-passout', `pass:${passphrase}`, '-out', 'gateway-1.enc.key');
  // Mosquitto started as root reads its files as the mosquitto user: these throw-away files are readable by all.
  fs.chmodSync(dir, 0o755);
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.crt') || f.endsWith('.key')) fs.chmodSync(p(f), 0o644);
  return {
    dir,
    ca: p('ca.crt'),
    otherCa: p('other-ca.crt'),
    server,
    expired,
    wrongName,
    unknownCa,
    client: { ...client, encryptedKey: p('gateway-1.enc.key'), passphrase },
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
