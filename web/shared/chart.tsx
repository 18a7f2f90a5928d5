import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ObservationsTable } from './components.js';
import { formatDateTime, formatNumber, formatValue } from './format.js';
import { INTL_LOCALE, useI18n, type Lang } from './i18n.js';
import { measureName, unitLabel } from './measures.js';
import type { Observation } from '../../src/api/observations.js';
import type { Thresholds } from '../../src/domain/plan.js';
import { limitsOf, zoneBands } from './zones.js';
import { zoneWord } from './zone.js';

const HEIGHT = 220;
const DAY_S = 86_400;
/** Band fills are light tints so the line and points stay readable; the limits are drawn as dashed lines. */
const BAND: Record<'green' | 'yellow' | 'red', string> = {
  green: 'rgba(46, 125, 50, 0.10)',
  yellow: 'rgba(237, 170, 0, 0.22)',
  red: 'rgba(198, 40, 40, 0.16)',
};
const POINT: Record<'yellow' | 'red', string> = { yellow: '#8a5a00', red: '#b3261e' };
const LINE = '#0b4f8a';
/** Units whose readings are whole numbers, so the y-axis ticks are too. */
const WHOLE_UNITS: ReadonlySet<string> = new Set(['{score}', '%', '/min', 'mm[Hg]']);

/** Day labels; when the ticks are closer than a day (a short period), each also gets its time of day. */
function dayLabel(lang: Lang): (splits: number[]) => string[] {
  const day = new Intl.DateTimeFormat(INTL_LOCALE[lang], { day: 'numeric', month: 'short', timeZone: 'Europe/Oslo' });
  const time = new Intl.DateTimeFormat(INTL_LOCALE[lang], { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Oslo' });
  const weekday = new Intl.DateTimeFormat(INTL_LOCALE[lang], { weekday: 'short', timeZone: 'Europe/Oslo' });
  return (splits) => {
    const step = splits.length > 1 ? splits[1]! - splits[0]! : DAY_S;
    // Weekday over the date on a week or less; the time of day below when ticks are closer than a day.
    return splits.map((s) => {
      const d = new Date(s * 1000);
      const lines = step <= 7 * DAY_S ? [weekday.format(d), day.format(d)] : [day.format(d)];
      if (step < DAY_S) lines.push(time.format(d));
      return lines.join('\n');
    });
  };
}

/**
 * Axis text follows the page's text size (rem), so a patient who has made text larger gets larger
 * axis numbers too: at least 16 px in the patient app, 12 px in the clinic.
 */
export function axisFontPx(): number {
  const root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const patient = document.documentElement.classList.contains('app-patient');
  return Math.round(Math.max(patient ? 16 : 12, root * 0.8));
}

/** Start of today in Oslo, in seconds (the "today" line). */
function startOfTodayOslo(nowMs: number): number {
  const hm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Oslo' }).format(new Date(nowMs));
  const [h, m, sec] = hm.split(':').map(Number);
  return Math.floor(nowMs / 1000) - ((h ?? 0) * 3600 + (m ?? 0) * 60 + (sec ?? 0));
}

/** y range covering the values and every plan limit, with a little air. */
function yRange(values: number[], th: Thresholds): [number, number] {
  const all = [...values, ...limitsOf(th)];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.12;
  return [lo - pad, hi + pad];
}

/**
 * One measure over time with the patient's zone bands from the plan (uPlot on a canvas). The
 * canvas is an image for assistive technology, with a text summary as its name; the numbers are
 * always available as a table right below it.
 */
export function TrendChart({
  code,
  observations,
  thresholds,
  days,
  now = Date.now(),
}: {
  code: string;
  observations: Observation[];
  thresholds: Thresholds | null;
  days: number;
  now?: number;
}) {
  const { t, lang } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const headingId = useId();
  const [picked, setPicked] = useState<number | null>(null);
  const sorted = [...observations].sort((a, b) => Date.parse(a.effectiveAt) - Date.parse(b.effectiveAt));
  const name = measureName(code, lang);
  const unit = sorted[0] ? unitLabel(code, sorted[0].unit, lang) : '';
  const th = thresholds ?? {};
  const key = JSON.stringify([sorted.map((o) => [o.effectiveAt, o.value, o.zone]), th, days, lang]);

  useEffect(() => {
    const el = ref.current;
    if (!el || sorted.length === 0) return;
    const xs = sorted.map((o) => Date.parse(o.effectiveAt) / 1000);
    const ys = sorted.map((o) => o.value);
    const zones = sorted.map((o) => o.zone);
    const range = yRange(ys, th);
    const end = now / 1000;
    const fmtDay = dayLabel(lang);
    const bands = zoneBands(th);
    const fontPx = axisFontPx();
    // Taller with larger text, so a patient at 200 % still gets several ticks.
    const height = Math.max(HEIGHT, fontPx * 12);
    const font = `${fontPx}px system-ui, sans-serif`;
    // Scores, percent, per-minute counts and mmHg are read in whole numbers: no "92,5" on the axis.
    const whole = WHOLE_UNITS.has(sorted[0]?.unit ?? '');
    const today = startOfTodayOslo(now);
    const opts: uPlot.Options = {
      width: Math.max(160, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: { x: { time: true, range: [end - days * DAY_S, end] }, y: { range: () => range } },
      axes: [
        {
          stroke: '#3d3d3d', font, space: fontPx * 5, grid: { stroke: '#e4e4e4', width: 1 }, ticks: { stroke: '#c9c9c9' }, values: (_u, splits) => fmtDay(splits),
          // Room for as many lines as the labels have (weekday, date, time of day).
          size: (_u, values) => Math.round(fontPx * (1.3 * Math.max(1, ...(values ?? []).map((v) => String(v).split('\n').length)) + 1)),
        },
        {
          stroke: '#3d3d3d', font, space: fontPx * 2,
          // As wide as the longest label ("94", "37,5"), so a narrow phone keeps its plot area.
          size: (_u, values) => Math.round(fontPx * (0.62 * Math.max(2, ...(values ?? []).map((v) => String(v).length)) + 1.2)), grid: { stroke: '#e4e4e4', width: 1 }, ticks: { stroke: '#c9c9c9' },
          ...(whole ? { incrs: [1, 2, 5, 10, 20, 50, 100] } : {}),
          values: (_u, splits) => {
            // The ticks drawn, for tests (the canvas has no text to read).
            el.dataset['yTicks'] = splits.join(' ');
            return splits.map((v) => formatNumber(v, lang));
          },
        },
      ],
      series: [{}, { stroke: LINE, width: 2, points: { show: true, size: 7, fill: LINE, stroke: LINE } }],
      hooks: {
        // The picked reading's day, time of day and value below the chart (the axis shows days).
        setCursor: [(u) => setPicked(u.cursor.idx ?? null)],
        drawClear: [
          (u) => {
            const { ctx, bbox } = u;
            ctx.save();
            for (const b of bands) {
              const top = u.valToPos(Math.min(b.to, range[1]), 'y', true);
              const bottom = u.valToPos(Math.max(b.from, range[0]), 'y', true);
              if (bottom <= top) continue;
              ctx.fillStyle = BAND[b.zone];
              ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
            }
            ctx.setLineDash([6, 4]);
            ctx.lineWidth = 1;
            // Every limit line carries its value and unit at the right end ("92 %"), on a white
            // ground so it stays readable over a band.
            const labelPx = Math.round(fontPx * 0.85 * devicePixelRatio);
            for (const limit of limitsOf(th)) {
              const y = u.valToPos(limit, 'y', true);
              ctx.strokeStyle = '#6b6b6b';
              ctx.beginPath();
              ctx.moveTo(bbox.left, y);
              ctx.lineTo(bbox.left + bbox.width, y);
              ctx.stroke();
              const text = `${formatValue(limit, lang)}${unit ? ` ${unit}` : ''}`;
              ctx.font = `${labelPx}px system-ui, sans-serif`;
              const w = ctx.measureText(text).width;
              const pad = 3 * devicePixelRatio;
              const x = bbox.left + bbox.width - w - pad;
              ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
              ctx.fillRect(x - pad, y - labelPx - pad, w + 2 * pad, labelPx + pad);
              ctx.fillStyle = '#3d3d3d';
              ctx.textBaseline = 'bottom';
              ctx.fillText(text, x, y - 1);
            }
            // "Today" line, so the patient sees where today's readings start.
            const tx = u.valToPos(today, 'x', true);
            if (tx >= bbox.left && tx <= bbox.left + bbox.width) {
              ctx.setLineDash([]);
              ctx.strokeStyle = '#0b4f8a';
              ctx.lineWidth = 2 * devicePixelRatio;
              ctx.beginPath();
              ctx.moveTo(tx, bbox.top);
              ctx.lineTo(tx, bbox.top + bbox.height);
              ctx.stroke();
              ctx.fillStyle = '#0b4f8a';
              ctx.font = `${Math.round(fontPx * devicePixelRatio)}px system-ui, sans-serif`;
              // At the bottom of the plot, where the red band rarely has readings to hide.
              ctx.textBaseline = 'bottom';
              const label = t.chartToday;
              const w = ctx.measureText(label).width;
              ctx.fillText(label, Math.max(bbox.left, tx - w - 4 * devicePixelRatio), bbox.top + bbox.height - 2 * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            // Readings outside the green zone get a larger ring in their zone colour.
            const { ctx } = u;
            ctx.save();
            zones.forEach((z, i) => {
              if (z !== 'yellow' && z !== 'red') return;
              const x = u.valToPos(xs[i]!, 'x', true);
              const y = u.valToPos(ys[i]!, 'y', true);
              ctx.beginPath();
              ctx.lineWidth = 3;
              ctx.strokeStyle = POINT[z];
              ctx.arc(x, y, 7 * devicePixelRatio, 0, 2 * Math.PI);
              ctx.stroke();
            });
            ctx.restore();
          },
        ],
      },
    };
    const plot = new uPlot(opts, [xs, ys], el);
    // What the canvas cannot tell a test: the axis text size in px.
    el.dataset['axisPx'] = String(fontPx);
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => plot.setSize({ width: Math.max(160, el.clientWidth), height })) : null;
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      plot.destroy();
    };
    // `key` captures every input of the drawing.
  }, [key]);

  const last = sorted[sorted.length - 1];
  const values = sorted.map((o) => o.value);
  const summary =
    last === undefined
      ? t.chartEmpty(name)
      : t.chartSummary({
          name,
          count: sorted.length,
          days,
          last: `${formatNumber(last.value, lang)} ${unit}`.trim(),
          lastZone: zoneWord(last.zone, t),
          min: `${formatNumber(Math.min(...values), lang)} ${unit}`.trim(),
          max: `${formatNumber(Math.max(...values), lang)} ${unit}`.trim(),
        });
  const limits = thresholdText(th, unit, lang, t);

  return (
    <section class="trend" aria-labelledby={headingId}>
      <h3 id={headingId} class="trend-title">
        {name}
        {unit && <span class="trend-unit"> ({unit})</span>}
      </h3>
      {limits && <p class="trend-limits">{limits}</p>}
      {sorted.length === 0 ? (
        <p>{summary}</p>
      ) : (
        <>
          <div class="trend-chart" ref={ref} role="img" aria-label={`${summary} ${limits ?? ''}`.trim()} />
          <p class="trend-readout" aria-hidden="true">
            {picked !== null && sorted[picked]
              ? `${formatDateTime(sorted[picked]!.effectiveAt, lang)}: ${formatNumber(sorted[picked]!.value, lang)} ${unit} (${zoneWord(sorted[picked]!.zone, t)})`
              : t.chartPickHint}
          </p>
          <details class="trend-table">
            <summary>{t.chartShowTable(name)}</summary>
            <ObservationsTable observations={[...sorted].reverse()} caption={t.chartTableCaption(name, days)} withMeasure={false} />
          </details>
        </>
      )}
    </section>
  );
}

/** "Grenser: rød under 88, gul under 92" in words, so the bands are not only colour. */
export function thresholdText(th: Thresholds, unit: string, lang: Lang, t: ReturnType<typeof useI18n>['t']): string | null {
  const n = (v: number) => `${formatValue(v, lang)}${unit ? ` ${unit}` : ''}`;
  const parts: string[] = [];
  if (th.redBelow !== undefined) parts.push(t.limitRedBelow(n(th.redBelow)));
  if (th.yellowBelow !== undefined) parts.push(t.limitYellowBelow(n(th.yellowBelow)));
  if (th.yellowAbove !== undefined) parts.push(t.limitYellowAbove(n(th.yellowAbove)));
  if (th.redAbove !== undefined) parts.push(t.limitRedAbove(n(th.redAbove)));
  return parts.length === 0 ? null : t.limitsLabel(parts.join(', '));
}
