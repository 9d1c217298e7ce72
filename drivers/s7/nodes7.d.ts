/**
 * Types for nodes7 0.3.18, which ships none. Only what drivers/s7/session.ts
 * uses: the public API, and the few instance fields and methods the session
 * reads or wraps (see session.ts for why).
 */
declare module 'nodes7' {
  import type { Socket } from 'node:net';

  export interface ConnectionParams {
    host: string;
    port: number;
    rack?: number;
    slot?: number;
    localTSAP?: number;
    remoteTSAP?: number;
    /** TCP connect and per-packet timeout (ms). */
    timeout?: number;
    /** true: never merge items into larger blocks (we plan the items ourselves). */
    doNotOptimize?: boolean;
  }

  /** A value per address: a number, boolean, string or an array of them; or a quality text such as "BAD 255". */
  export type ItemValues = Record<string, unknown>;

  class NodeS7 {
    constructor(opts?: { silent?: boolean; debug?: boolean });
    initiateConnection(params: ConnectionParams, callback: (err?: unknown) => void): void;
    dropConnection(callback: () => void): void;
    addItems(items: string | string[]): void;
    /** Without an argument: removes every item. */
    removeItems(items?: string | string[]): void;
    readAllItems(callback: (anyBadQuality: boolean, values: ItemValues) => void): void;
    /** Returns 1 (and does nothing) while a write is still in progress. */
    writeItems(items: string | string[], values: unknown, callback: (anyBadQuality: boolean) => void): 0 | 1;

    // Instance state the session reads or sets.
    /** The PDU size asked for when connecting (default 960); set before initiateConnection. */
    requestMaxPDU: number;
    /** The PDU size negotiated with the PLC. */
    maxPDU: number;
    /** 0 idle, 1 TCP connecting, 2 ISO connecting, 3 negotiating the PDU, 4 connected. */
    isoConnectionState: number;
    isoclient?: Socket;
    // Timers nodes7 may leave running; the session clears them when it lets go of a connection.
    reconnectTimer?: NodeJS.Timeout;
    rereadTimer?: NodeJS.Timeout;
    connectTimeout?: NodeJS.Timeout;
    PDUTimeout?: NodeJS.Timeout;
    resetTimeout?: NodeJS.Timeout;
    dropConnectionTimer?: NodeJS.Timeout | null;

    // Methods called through `this`, wrapped per instance by the session.
    onISOConnectReply(data: Buffer): void;
    onPDUReply(data: Buffer): void;
    onResponse(data: Buffer): void;
    connectionCleanup(): void;
  }

  export default NodeS7;
}
