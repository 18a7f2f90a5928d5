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

/** A worklist row as the paged API sends it: the shared item plus where it sits in the order. */
export interface PagedItem extends WorklistItem {
  cursor: string;
  lastContactAt?: string | null;
}

/** `messages`: rows with unhandled patient messages (older servers leave it out). */
export type WorklistCounts = Record<WorklistStatus | 'all', number> & { messages?: number };

/** `GET /api/worklist`: one page, the counts per status (under the search/"mine" filter) and where the next page starts. */
export interface WorklistPage {
  items: PagedItem[];
  counts: WorklistCounts;
  nextCursor: string | null;
}

/** The stream's `rows` event: the current rows of patients that changed, those that left the worklist, and fresh counts. */
export interface RowsEvent {
  items: PagedItem[];
  removed: string[];
  counts: WorklistCounts;
}

const RANK: Record<WorklistStatus, number> = { red: 0, yellow: 1, missing: 2, green: 3 };

/** The server's order: red → yellow → missing → green, oldest first, then by episode. */
export function compareRows(a: PagedItem, b: PagedItem): number {
  const r = RANK[a.status] - RANK[b.status];
  if (r !== 0) return r;
  const d = Date.parse(a.since ?? '') - Date.parse(b.since ?? '');
  if (d !== 0 && !Number.isNaN(d)) return d < 0 ? -1 : 1;
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
