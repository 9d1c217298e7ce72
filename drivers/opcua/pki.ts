/**
 * The gateway's OPC UA PKI folder (`<dataDir>/opcua-pki`, node-opcua's
 * layout): its application instance certificate under own/, server
 * certificates it trusts under trusted/certs, and the ones it refused under
 * rejected/. Listing and trusting are plain file operations, so the API can
 * do them without loading node-opcua; drivers re-read the folder before
 * every connection attempt.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { OPCUACertificateManager, StatusCode } from 'node-opcua';
import type { Stoppable } from '../../src/shared-resources.ts';
import type { CertificateInfo } from '../contract.ts';
import type { NodeOpcua } from './load.ts';

export const pkiFolder = (dataDir: string) => path.join(dataDir, 'opcua-pki');

const thumbprintOf = (cert: X509Certificate) => cert.fingerprint.replaceAll(':', '').toLowerCase();
const subjectOf = (cert: X509Certificate) => cert.subject.replaceAll('\n', ', ');

const folders = (dataDir: string) => ({ trusted: path.join(pkiFolder(dataDir), 'trusted', 'certs'), rejected: path.join(pkiFolder(dataDir), 'rejected') });

function readFolder(dir: string, status: CertificateInfo['status']): (CertificateInfo & { file: string })[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    try {
      const cert = new X509Certificate(fs.readFileSync(file));
      return [
        {
          thumbprint: thumbprintOf(cert),
          subject: subjectOf(cert),
          issuer: cert.issuer.replaceAll('\n', ', '),
          validFrom: new Date(cert.validFrom).toISOString(),
          validTo: new Date(cert.validTo).toISOString(),
          status,
          file,
        },
      ];
    } catch {
      return []; // not a certificate (a CRL or a stray file)
    }
  });
}

export function listCertificates(dataDir: string): CertificateInfo[] {
  const { trusted, rejected } = folders(dataDir);
  return [...readFolder(trusted, 'trusted'), ...readFolder(rejected, 'rejected')].map(({ file: _, ...info }) => info);
}

/** Moves a certificate between rejected and trusted; returns it, or undefined when there is no such certificate. */
export function setTrust(dataDir: string, thumbprint: string, status: CertificateInfo['status']): CertificateInfo | undefined {
  const dirs = folders(dataDir);
  const from = status === 'trusted' ? dirs.rejected : dirs.trusted;
  const cert = [...readFolder(dirs.trusted, 'trusted'), ...readFolder(dirs.rejected, 'rejected')].find((c) => c.thumbprint === thumbprint.toLowerCase());
  if (!cert) return undefined;
  if (path.dirname(cert.file) === from) {
    fs.mkdirSync(dirs[status], { recursive: true });
    fs.renameSync(cert.file, path.join(dirs[status], path.basename(cert.file)));
  }
  const { file: _, ...info } = cert;
  return { ...info, status };
}

/** The certificate manager the OPC UA devices of one gateway share. */
export class ClientPki implements Stoppable {
  readonly manager: OPCUACertificateManager;
  private readonly ready: Promise<void>;
  private readonly refused: { thumbprint: string; subject: string; at: number }[] = [];

  constructor(ua: NodeOpcua, dataDir: string) {
    this.manager = new ua.OPCUACertificateManager({ rootFolder: pkiFolder(dataDir), automaticallyAcceptUnknownCertificate: false, disableFileWatchers: true });
    this.ready = this.manager.initialize();
    // node-opcua's error says only "BadCertificateUntrusted": remember which certificate it was, to name it.
    const check = this.manager.checkCertificate.bind(this.manager) as (certificate: Buffer) => Promise<StatusCode>;
    this.manager.checkCertificate = (async (certificate: Buffer) => {
      const status = await check(certificate);
      if (!status.isGood()) {
        const cert = new X509Certificate(certificate);
        this.refused.push({ thumbprint: thumbprintOf(cert), subject: subjectOf(cert), at: Date.now() });
        this.refused.splice(0, this.refused.length - 20);
      }
      return status;
    }) as OPCUACertificateManager['checkCertificate'];
  }

  /** Server certificates refused since the given time (ms since the epoch). */
  refusedSince(t: number) {
    return this.refused.filter((r) => r.at >= t);
  }

  /** Waits for the folder to exist and re-reads it (a certificate may have been trusted since). */
  async refresh(): Promise<void> {
    await this.ready;
    await this.manager.reloadCertificates();
  }

  async stop(): Promise<void> {
    await this.ready.catch(() => {});
    await this.manager.dispose();
  }
}
