import type { WorklistCounts, WorklistItem, WorklistPage, WorklistStatus } from '../../src/api/worklist.js';

export type { WorklistCounts, WorklistPage };

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

/** A worklist row as the paged API sends it (the contract's item, with its place in the order). */
export type PagedItem = WorklistItem;

/** The stream's `rows` event: the current rows of patients that changed, those that left the worklist, and fresh counts. */
export interface RowsEvent {
  items: PagedItem[];
  removed: string[];
  counts: WorklistCounts;
}

/**
 * The server's order (migration 022, worklist/repo.ts#ORDER): each row carries its sort keys, so
 * live rows merge where the next page would have put them without the client knowing the rules.
 */
export function compareRows(a: PagedItem, b: PagedItem): number {
  for (let i = 0; i < 4; i++) {
    const d = a.order[i]! - b.order[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.episodeId < b.episodeId ? -1 : a.episodeId > b.episodeId ? 1 : 0;
}

/**
 * Merges the stream's changed rows into the rows on screen, keeping the server's order. A row that
 * no longer matches the status filter leaves; a row not on screen is added only when it belongs
 * inside what is loaded (before the last row, or anywhere when every page is loaded), so a later
 * "show more" does not show it twice.
 */
export function mergeRows(
  shown: PagedItem[],
  event: RowsEvent,
  opts: { status: WorklistStatus | null; complete: boolean },
): PagedItem[] {
  const changed = new Map(event.items.map((i) => [i.patient.id, i]));
  const gone = new Set(event.removed);
  const last = shown[shown.length - 1];
  const matches = (i: PagedItem) => opts.status === null || i.status === opts.status;
  // Past the last loaded row it belongs to a page not loaded yet ("show more" brings it).
  const inRange = (i: PagedItem) => opts.complete || (last !== undefined && compareRows(i, last) <= 0);
  const out: PagedItem[] = [];
  for (const row of shown) {
    if (gone.has(row.patient.id)) continue;
    const now = changed.get(row.patient.id);
    if (!now) out.push(row);
    else {
      changed.delete(row.patient.id);
      if (matches(now) && inRange(now)) out.push(now);
    }
  }
  for (const row of changed.values()) {
    if (matches(row) && inRange(row)) out.push(row);
  }
  return out.sort(compareRows);
}
