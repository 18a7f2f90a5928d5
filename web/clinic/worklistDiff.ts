import type { WorklistItem, WorklistStatus } from '../shared/types.js';

export interface RowSnapshot {
  status: WorklistStatus;
  openAlerts: number;
}

export type Change = { patientId: string; name: string; kind: 'red' | 'yellow' | 'missing' | 'new' };

const SEVERITY: Record<WorklistStatus, number> = { green: 0, missing: 1, yellow: 2, red: 3 };

export function snapshot(items: WorklistItem[]): Map<string, RowSnapshot> {
  return new Map(items.map((i) => [i.patient.id, { status: i.status, openAlerts: i.openAlerts }]));
}

/**
 * Only changes that need the nurse's attention are announced: a patient getting worse, a new
 * alert, or a new patient. Improvements are visible in the table but not read aloud.
 */
export function diffWorklist(previous: Map<string, RowSnapshot>, items: WorklistItem[]): Change[] {
  const changes: Change[] = [];
  for (const item of items) {
    const before = previous.get(item.patient.id);
    const worse =
      !before || SEVERITY[item.status] > SEVERITY[before.status] || item.openAlerts > before.openAlerts;
    if (!worse) continue;
    const base = { patientId: item.patient.id, name: item.patient.name };
    if (item.status === 'red' || item.status === 'yellow' || item.status === 'missing') {
      changes.push({ ...base, kind: item.status });
    } else if (!before) {
      changes.push({ ...base, kind: 'new' });
    }
  }
  return changes;
}
