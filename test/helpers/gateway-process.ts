/** The gateway as a child process, as a user runs it: `plexus start --config FILE --data-dir DIR`. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { endProcess } from './process.ts';

export class GatewayProcess {
  private child?: ChildProcess;
  readonly configFile: string;
  readonly dataDir: string;

  constructor(
    dir: string,
    config: unknown,
    private readonly env: Record<string, string> = {},
  ) {
    this.configFile = path.join(dir, 'gateway.yaml');
    this.dataDir = path.join(dir, 'data');
    fs.writeFileSync(this.configFile, YAML.stringify(config));
  }

  start(): this {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts'), 'start', '--config', this.configFile, '--data-dir', this.dataDir], {
      stdio: 'ignore',
      env: { ...process.env, PLEXUS_LOG_LEVEL: 'warn', ...this.env },
    });
    return this;
  }

  /** Sends a signal and waits for the process to end; returns its exit code. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.child;
    this.child = undefined;
    return endProcess(child, signal);
  }
}

/** What a starting `plexus start` prints on stderr, once it says it is running (the API address in `api`, when there is one). */
export function untilRunning(child: ChildProcess, timeoutMs = 30_000): Promise<{ text: string; api?: string }> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not running within ${timeoutMs / 1000} s:\n${text}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('Stop with Ctrl+C.')) return;
      clearTimeout(timer);
      resolve({ text, api: /HTTP API: +(http:\/\/[\d.:]+)\/api\/v1/.exec(text)?.[1] });
    });
  });
}
