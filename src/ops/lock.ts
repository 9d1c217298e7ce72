/** One gateway per data directory: `plexus.pid` names the process that runs on it. */
import fs from 'node:fs';
import path from 'node:path';
import { PlexusError } from '../errors.ts';

const PID_FILE = 'plexus.pid';

/** The pid of a live gateway on this data directory, or undefined. */
export function runningGateway(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, PID_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Claims the data directory for this process; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const other = runningGateway(dataDir);
  if (other !== undefined)
    throw new PlexusError('PLX_DATA_DIR_IN_USE', `another Plexus (pid ${other}) runs on ${dataDir}: stop it first, or use another --data-dir`);
  const file = path.join(dataDir, PID_FILE);
  fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    if (runningGateway(dataDir) === undefined && fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
  };
}
