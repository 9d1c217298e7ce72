/** Byte streams a Modbus link runs over: a TCP socket or a serial port. */
import net from 'node:net';
import type { Clock } from '../../src/clock.ts';

export interface LinkStream {
  write(bytes: Buffer): void;
  close(): void;
  onData(fn: (chunk: Buffer) => void): void;
  /** Called once when the stream ends for any reason after it opened. */
  onClose(fn: (reason: string) => void): void;
}

export type StreamOpener = () => Promise<LinkStream>;

export function tcpOpener(host: string, port: number, clock: Clock, connectTimeoutMs = 5000): StreamOpener {
  return () =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      const timer = clock.setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      socket.once('error', (err) => {
        clock.clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clock.clearTimeout(timer);
        socket.removeAllListeners('error');
        let closeFn: ((reason: string) => void) | undefined;
        let reason = 'connection closed by the device';
        socket.on('error', (err) => {
          reason = err.message;
        });
        socket.on('close', () => closeFn?.(reason));
        resolve({
          write: (b) => socket.write(b),
          close: () => socket.destroy(),
          onData: (fn) => socket.on('data', fn),
          onClose: (fn) => {
            closeFn = fn;
          },
        });
      });
    });
}

export interface SerialSettings {
  path: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

/** The serialport package (native) is loaded only when a serial device is configured. */
export function serialOpener(settings: SerialSettings): StreamOpener {
  return async () => {
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ ...settings, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`cannot open ${settings.path}: ${err.message}`)) : resolve())));
    let closeFn: ((reason: string) => void) | undefined;
    let reason = `serial port ${settings.path} closed`;
    port.on('error', (err) => {
      reason = err.message;
    });
    port.on('close', () => closeFn?.(reason));
    return {
      write: (b) => port.write(b),
      close: () => {
        if (port.isOpen) port.close();
      },
      onData: (fn) => port.on('data', fn),
      onClose: (fn) => {
        closeFn = fn;
      },
    };
  };
}
