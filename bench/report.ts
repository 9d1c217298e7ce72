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
