import type { Zone } from '../../src/api/common.js';
import type { Thresholds } from '../../src/domain/plan.js';

/**
 * The plan's zone for a value: limits are strict ("red below 88" means 87 and under), red before
 * yellow — the same rule as the server's triage engine (src/domain/triage.ts#thresholdCrossed).
 * Used for the chart bands and for the preliminary answer when a reading waits offline.
 */
export function zoneFor(th: Thresholds, value: number): Zone {
  if (th.redBelow !== undefined && value < th.redBelow) return 'red';
  if (th.redAbove !== undefined && value > th.redAbove) return 'red';
  if (th.yellowBelow !== undefined && value < th.yellowBelow) return 'yellow';
  if (th.yellowAbove !== undefined && value > th.yellowAbove) return 'yellow';
  return 'green';
}

/**
 * Limits that are red whatever the plan says — the same as src/domain/catalogue.ts `critical`
 * (glucose: ADA 2024 §6 level 2 hypoglycaemia < 3.0 mmol/L; ≥ 33.3 mmol/L hyperosmolar range,
 * Kitabchi 2009). zones.test.ts checks that the two agree.
 */
export const CRITICAL: Readonly<Record<string, { redBelow?: number; redFrom?: number }>> = {
  glucose: { redBelow: 3.0, redFrom: 33.3 },
};

/** The zone of one reading as the server sees it: the plan's limits, then the critical limits. */
export function readingZone(th: Thresholds | null, code: string, value: number): Zone {
  const planned = th ? zoneFor(th, value) : 'green';
  if (planned === 'red') return 'red';
  const c = CRITICAL[code];
  if (c && ((c.redBelow !== undefined && value < c.redBelow) || (c.redFrom !== undefined && value >= c.redFrom))) return 'red';
  return planned;
}

export function limitsOf(th: Thresholds): number[] {
  return [th.redBelow, th.yellowBelow, th.yellowAbove, th.redAbove].filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
}

/** The value axis split into zone bands (open-ended at both ends). */
export function zoneBands(th: Thresholds): { from: number; to: number; zone: Zone }[] {
  const edges = [-Infinity, ...limitsOf(th), Infinity];
  const bands: { from: number; to: number; zone: Zone }[] = [];
  for (let i = 0; i < edges.length - 1; i++) {
    const from = edges[i]!;
    const to = edges[i + 1]!;
    const mid = from === -Infinity ? to - 1 : to === Infinity ? from + 1 : (from + to) / 2;
    const zone = zoneFor(th, mid);
    const last = bands[bands.length - 1];
    if (last && last.zone === zone) last.to = to;
    else bands.push({ from, to, zone });
  }
  return bands;
}

const SEVERITY: Record<Zone, number> = { green: 0, yellow: 1, red: 2 };
export function worst(zones: (Zone | null | undefined)[]): Zone | null {
  let w: Zone | null = null;
  for (const z of zones) if (z && (!w || SEVERITY[z] > SEVERITY[w])) w = z;
  return w;
}
