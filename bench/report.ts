import fs from 'node:fs';

/** Small helpers for printing benchmark figures. */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : Number.NaN;
};

export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : Number.NaN;
};

export const line = (k: string, v: string) => process.stdout.write(`  ${k.padEnd(44)} ${v}\n`);

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** CPU seconds (user + system) of a process, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/\d+/)?.[0] ?? 0) / 1024;
}

/** Samples a process's RSS every 500 ms for `seconds`; returns its CPU share (one core = 100 %) and the RSS samples. */
export async function watchProcess(pid: number, seconds: number): Promise<{ elapsedS: number; cpuPercent: number; rss: number[] }> {
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  const rss: number[] = [];
  while (Date.now() - t0 < seconds * 1000) {
    rss.push(rssMiB(pid));
    await new Promise((r) => setTimeout(r, 500));
  }
  const elapsedS = (Date.now() - t0) / 1000;
  return { elapsedS, cpuPercent: ((cpuSeconds(pid) - cpu0) / elapsedS) * 100, rss };
}
