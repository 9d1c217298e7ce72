/** Ending a child process in a test: a signal, then (optionally) SIGKILL after a grace period; resolves with its exit code once it has exited. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export async function endProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', killAfterMs?: number): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code as number | null;
}
