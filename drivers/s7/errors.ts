/**
 * What S7 refusals mean, in words that say what to check. Codes are the S7
 * protocol's: per-item return codes (a read or write of one item) and the
 * header error class and code (the whole request refused).
 */

/** The connection could not be opened or was refused; the message says why and what to check. */
export class S7ConnectError extends Error {
  override name = 'S7ConnectError';
}

/** The session is closed or was never opened. */
export class S7NotConnectedError extends Error {
  override name = 'S7NotConnectedError';
}

/** No answer within the timeout. */
export class S7TimeoutError extends Error {
  override name = 'S7TimeoutError';
}

/** The PLC refused a whole request (header error class and code). */
export class S7RequestError extends Error {
  override name = 'S7RequestError';
  constructor(readonly errorCode: number) {
    super(requestErrorText(errorCode));
  }
}

/** The PLC refused one item of a request. */
export class S7ItemError extends Error {
  override name = 'S7ItemError';
  constructor(
    readonly returnCode: number,
    place: string,
  ) {
    super(itemErrorText(returnCode, place));
  }
}

const RACK_SLOT = 'check rack and slot (S7-300/400: rack 0, slot 2; S7-1200/1500: rack 0, slot 1) or, for LOGO! and S7-200, the local and remote TSAPs';
const PUT_GET =
  "in TIA Portal enable 'Permit access with PUT/GET communication from remote partner' (CPU properties › Protection & Security › Connection mechanisms) and download";
const OPTIMISED = "or the DB has 'Optimized block access' on (TIA Portal: the DB's properties › Attributes: clear it, compile and download)";

export const CONNECT_REFUSED = `the PLC refused the ISO (COTP) connection: ${RACK_SLOT}`;
export const CONNECT_DROPPED = `the PLC closed the connection during the ISO (COTP) handshake: ${RACK_SLOT}`;
export const SETUP_REFUSED = `the PLC refused the S7 communication setup (PDU negotiation): ${RACK_SLOT}`;

/** A return code of one item: 0xFF is success. */
export function itemErrorText(code: number, place: string): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  switch (code) {
    case 0x01:
      return `hardware fault reading ${place} (S7 return code ${hex})`;
    case 0x03:
      return `access to ${place} is not allowed (S7 return code ${hex}): the CPU's protection level forbids it; ${PUT_GET}`;
    case 0x05:
      return `${place} is out of range (S7 return code ${hex}): it is past the end of the area or DB, ${OPTIMISED}`;
    case 0x06:
      return `the PLC does not support this data type at ${place} (S7 return code ${hex})`;
    case 0x07:
      return `data type inconsistent at ${place} (S7 return code ${hex})`;
    case 0x0a:
      return `${place} does not exist in the PLC (S7 return code ${hex}: object not available), ${OPTIMISED}`;
    default:
      return `the PLC refused ${place} (S7 return code ${hex})`;
  }
}

/** An error class and code of a response header, as one number (class << 8 | code). */
export function requestErrorText(errorCode: number): string {
  const hex = `0x${errorCode.toString(16).padStart(4, '0')}`;
  switch (errorCode) {
    case 0x8104:
      return `the PLC refuses the function (S7 error ${hex}, function not available): PUT/GET access is off; ${PUT_GET}`;
    case 0x8500:
      return `the request does not fit the PLC's PDU (S7 error ${hex})`;
    case 0xd602:
    case 0xd604:
    case 0xd605:
      return `the PLC refuses access (S7 error ${hex}): the CPU is password-protected; ${PUT_GET}`;
    default:
      return `the PLC refused the request (S7 error class 0x${(errorCode >> 8).toString(16).padStart(2, '0')}, code 0x${(errorCode & 0xff).toString(16).padStart(2, '0')})`;
  }
}

/** A socket error of the connection attempt, or nodes7's own words. */
export function connectErrorText(err: unknown, host: string, port: number, timeoutMs: number): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections on ${host}:${port} (ECONNREFUSED): check the PLC's address and that port ${port} is reachable`;
    case 'EUSERTIMEOUT':
    case 'ETIMEDOUT':
      return `no TCP connection to ${host}:${port} within ${timeoutMs} ms: check the address, the network and firewalls`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} is unreachable (${code}): check the address and the network`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${host} does not resolve (${code})`;
    case undefined:
      if (typeof err === 'string' && /ISO didn't/.test(err)) return CONNECT_DROPPED;
      return `connection failed: ${String(err)}`;
    default:
      return `connection to ${host}:${port} failed (${code}): ${(err as Error).message ?? ''}`.trim();
  }
}
