/**
 * node-opcua, loaded on first use: requiring it costs about 0.6 s, so a
 * gateway without an OPC UA device or simulator never pays for it. Its own
 * console logging goes to our logger instead (debug level: it is chatty).
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

export type NodeOpcua = typeof import('node-opcua');

const require = createRequire(import.meta.url);
let loaded: NodeOpcua | undefined;
let logger: Logger | undefined;

export function loadOpcua(log?: Logger): NodeOpcua {
  if (log) logger ??= log.child({ component: 'node-opcua' });
  if (loaded) return loaded;
  // node-opcua-debug is node-opcua's own logger; redirect it before the library prints at load time.
  const debug: typeof import('node-opcua-debug') = createRequire(require.resolve('node-opcua'))('node-opcua-debug');
  const forward =
    (level: 'debug' | 'warn') =>
    (...args: unknown[]) =>
      logger?.[level](args.map(String).join(' '));
  debug.setWarningLogger(forward('debug'));
  debug.setErrorLogger(forward('warn'));
  debug.setTraceLogger(forward('debug'));
  loaded = require('node-opcua') as NodeOpcua;
  return loaded;
}
