/**
 * How we connect to a broker: TLS settings read from their files (a file that
 * cannot be read is a clear error, not a crash), and the reasons for refused
 * connections put in words a controls engineer can act on.
 */
import fs from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { BrokerConfig } from '../config/schema.ts';

export class BrokerSetupError extends Error {}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new BrokerSetupError(`cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** TLS options for mqtts:// brokers: host name verification on unless turned off, TLS 1.2 or newer. */
export function tlsOptions(broker: BrokerConfig): Partial<IClientOptions> {
  const t = broker.tls;
  if (!/^(mqtts|ssl):/.test(broker.url)) return {};
  return {
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ...(t?.ca ? { ca: readPem(t.ca, 'CA file') } : {}),
    ...(t?.cert ? { cert: readPem(t.cert, 'client certificate file') } : {}),
    ...(t?.key ? { key: readPem(t.key, 'client key file') } : {}),
    ...(t?.passphrase ? { passphrase: t.passphrase } : {}),
    ...(t?.servername ? { servername: t.servername } : {}),
    ...(t?.verifyHostname === false ? { checkServerIdentity: () => undefined } : {}),
  } as Partial<IClientOptions>;
}

const CONNACK_311: Record<number, string> = {
  1: 'the broker does not accept this MQTT version (try mqttVersion 3.1.1 or 5)',
  2: 'the broker refused the client id',
  3: 'the broker is unavailable',
  4: 'the broker refused the user name or password',
  5: 'the broker refused us as not authorized: check the user name and password (or the client certificate)',
};

/** The reason a connection failed, said plainly, with what to change. */
export function explainBrokerError(err: Error & { code?: string | number; cert?: { subjectaltname?: string } }, broker: BrokerConfig): string {
  const code = err.code;
  const message = err.message;
  const host = new URL(broker.url).hostname;
  if (code === 'CERT_HAS_EXPIRED') return `the broker's TLS certificate has expired (${message})`;
  if (code === 'CERT_NOT_YET_VALID') return `the broker's TLS certificate is not valid yet: check this machine's clock (${message})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the broker's TLS certificate is not for "${host}" (it is for ${err.cert?.subjectaltname ?? 'other names'}): connect by a name it lists, or set tls.servername`;
  if (
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  )
    return `the broker's TLS certificate is not signed by a CA we trust (${code}): set tls.ca to the CA file that signed it`;
  if (/bad decrypt|BAD_DECRYPT/i.test(message)) return 'the client key cannot be decrypted: the tls.passphrase is wrong';
  if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(message)) return 'the client key does not belong to the client certificate (tls.key and tls.cert)';
  if (/alert certificate required|alert number 116|alert bad certificate|alert unknown ca|sslv3 alert/i.test(message))
    return `the broker refused our client certificate (${message.trim()}): check that its CA trusts tls.cert`;
  if (typeof code === 'number' && CONNACK_311[code]) return `${CONNACK_311[code]} (CONNACK ${code})`;
  if (typeof code === 'number' && code >= 0x80) return `the broker refused the connection: ${message} (reason code 0x${code.toString(16)})`;
  if (code === 'ECONNREFUSED') return `nothing listens at ${host}:${new URL(broker.url).port} (ECONNREFUSED)`;
  return message;
}
