/**
 * A small SVG sparkline of the values seen since the page opened. Values come
 * by exception (only when they change), so the line holds each value until the
 * next one (a step line) and runs on to `now`: a steady value is a flat line.
 */

export interface TrendPoint {
  /** Source time, ms since the epoch. */
  t: number;
  v: number;
}

export interface TrendProps {
  points: readonly TrendPoint[];
  /** The right edge of the chart (ms since the epoch). */
  now: number;
  /** Names the trend for screen readers ("Temperature"). */
  label: string;
  width?: number;
  height?: number;
}

export function Trend({ points, now, label, width = 120, height = 26 }: TrendProps) {
  if (points.length === 0) return <span class="muted trend-empty">no good value yet</span>;
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    if (p.v < min) min = p.v;
    if (p.v > max) max = p.v;
  }
  const pad = 2;
  const t0 = (points[0] as TrendPoint).t;
  const end = Math.max(now, (points[points.length - 1] as TrendPoint).t);
  const span = end - t0 || 1;
  const x = (t: number) => (pad + ((width - 2 * pad) * (t - t0)) / span).toFixed(1);
  const y = (v: number) => (max === min ? height / 2 : pad + (height - 2 * pad) * (1 - (v - min) / (max - min))).toFixed(1);
  const coords: string[] = [];
  points.forEach((p, i) => {
    if (i > 0) coords.push(`${x(p.t)},${y((points[i - 1] as TrendPoint).v)}`);
    coords.push(`${x(p.t)},${y(p.v)}`);
  });
  const last = points[points.length - 1] as TrendPoint;
  coords.push(`${x(end)},${y(last.v)}`);
  return (
    <svg
      class="trend"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Trend of ${label}: ${points.length} values from ${fmt(min)} to ${fmt(max)}`}
    >
      <title>{`${label}: min ${fmt(min)} · max ${fmt(max)} · ${points.length} values`}</title>
      <polyline points={coords.join(' ')} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
      <circle cx={x(end)} cy={y(last.v)} r="2" fill="currentColor" />
    </svg>
  );
}

const fmt = (n: number) => String(Number(n.toPrecision(6)));
