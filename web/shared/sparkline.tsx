import { formatNumber } from './format.js';
import { useI18n } from './i18n.js';
import { measureShort, unitLabel } from './measures.js';

const W = 104;
const H = 30;
const PAD = 3;

/** A tiny trend line for the worklist: shape only, with the first and last value as its text name. */
export function Sparkline({ code, unit, points }: { code: string; unit: string; points: Array<[string | number, number]> }) {
  const { t, lang } = useI18n();
  const pts = points
    .map(([time, v]) => [typeof time === 'number' ? time : Date.parse(time), v] as const)
    .filter(([time, v]) => Number.isFinite(time) && Number.isFinite(v))
    .sort((a, b) => a[0] - b[0]);
  if (pts.length < 2) return null;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => PAD + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
  const sy = (y: number) => H - PAD - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * PAD);
  const d = pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const last = pts[pts.length - 1]!;
  const u = unitLabel(code, unit, lang);
  const label = t.sparkLabel(measureShort(code, lang), pts.length, `${formatNumber(ys[0]!, lang)} ${u}`.trim(), `${formatNumber(last[1], lang)} ${u}`.trim());
  return (
    <svg class="sparkline" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <title>{label}</title>
      <polyline points={d} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round" />
      <circle cx={sx(last[0])} cy={sy(last[1])} r="2.8" fill="currentColor" />
    </svg>
  );
}
