/** A small SVG sparkline of the values seen since the page opened. */

export interface TrendProps {
  values: readonly number[];
  /** Names the trend for screen readers ("Temperature"). */
  label: string;
  width?: number;
  height?: number;
}

export function Trend({ values, label, width = 120, height = 26 }: TrendProps) {
  if (values.length < 2) return <span class="muted trend-empty">collecting…</span>;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const pad = 2;
  const step = (width - 2 * pad) / (values.length - 1);
  const y = (v: number) => (max === min ? height / 2 : pad + (height - 2 * pad) * (1 - (v - min) / span));
  const points = values.map((v, i) => `${(pad + i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const last = values[values.length - 1] as number;
  return (
    <svg
      class="trend"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Trend of ${label}: ${values.length} values from ${fmt(min)} to ${fmt(max)}`}
    >
      <title>{`min ${fmt(min)} · max ${fmt(max)} · ${values.length} values`}</title>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round" />
      <circle cx={(pad + (values.length - 1) * step).toFixed(1)} cy={y(last).toFixed(1)} r="2" fill="currentColor" />
    </svg>
  );
}

const fmt = (n: number) => String(Number(n.toPrecision(6)));
