import type { MeasureCode } from './catalogue.js';
import { CATALOGUE } from './catalogue.js';
import type { PlanDefinition, ZoneActions } from './plan.js';
import type { ObservationPoint } from './triage.js';

/** Shared test fixtures (not a test file itself: the runner only picks up *.test.ts). */

export const tx = (s: string): { nb: string; nn: string; en: string } => ({ nb: `${s} nb`, nn: `${s} nn`, en: `${s} en` });
export const zoneActions = (prefix: string): ZoneActions => ({ green: tx(`${prefix} green`), yellow: tx(`${prefix} yellow`), red: tx(`${prefix} red`) });

const daily = { kind: 'daily' as const, dueBy: '10:00', graceMinutes: 120 };

export function testPlan(overrides: Partial<PlanDefinition> = {}): PlanDefinition {
  return {
    measures: [
      { code: 'spo2', schedule: daily, thresholds: { redBelow: 88, yellowBelow: 92 }, actions: zoneActions('spo2') },
      { code: 'heart_rate', schedule: daily, thresholds: { redBelow: 41, yellowBelow: 51, yellowAbove: 110, redAbove: 130 }, actions: zoneActions('pulse') },
      { code: 'resp_rate', schedule: daily, thresholds: {}, actions: zoneActions('rr') },
      { code: 'bp_systolic', schedule: daily, thresholds: {}, actions: zoneActions('sbp') },
      { code: 'temperature', schedule: { kind: 'as_needed' }, thresholds: { yellowAbove: 38, redAbove: 39 }, actions: zoneActions('temp') },
      { code: 'weight', schedule: daily, thresholds: {}, actions: zoneActions('weight') },
    ],
    questionnaires: [{ code: 'phq9', schedule: { kind: 'weekly', weekdays: [1], dueBy: '12:00', graceMinutes: 1440 }, thresholds: { yellowAbove: 9, redAbove: 19 }, actions: zoneActions('phq9') }],
    trendRules: [{ id: 'weight-rise', code: 'weight', kind: 'rise', amount: 2, windowDays: 3, zone: 'yellow', actions: tx('weight trend') }],
    news2: { enabled: false, scale: 1 },
    medicines: '',
    contacts: '',
    ...overrides,
  };
}

let seq = 0;
/** An observation at an ISO time; ids are unique unless given. */
export function obs(code: MeasureCode, value: number, iso: string, id?: string): ObservationPoint {
  seq += 1;
  return { id: id ?? `o${seq}`, code, value, unit: CATALOGUE[code].unit, effectiveAt: new Date(iso) };
}
