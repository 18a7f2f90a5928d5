import assert from 'node:assert/strict';
import { test } from 'node:test';
// The clinic's merge of live rows (web/clinic/worklistDiff.ts) is pure; it is tested here with the server tests.
import { mergeRows, type PagedItem, type RowsEvent } from '../../../web/clinic/worklistDiff.js';

const RANK = { red: 0, yellow: 1, missing: 2, green: 3 } as const;
// Order keys as the server gives them: red/yellow newest first (negated time), the others oldest first.
const row = (id: string, status: PagedItem['status'], since: string, severity = 0): PagedItem => ({
  patient: { id, name: id, birthDate: '1950-01-01', identifier: id, phone: null },
  episodeId: `e-${id}`, status, since, reason: null, openAlerts: status === 'green' ? 0 : 1, unresolvedAlerts: 0, alerts: [], diagnoses: [],
  latest: {}, spark: null, lastContactAt: null, unreadMessages: 0, cursor: id,
  order: [RANK[status], 0, -severity, (RANK[status] < 2 ? -1 : 1) * Date.parse(since) / 1000],
});
const counts = { all: 0, red: 0, yellow: 0, missing: 0, green: 0, messages: 0, mine: 0 };
const ev = (items: PagedItem[], removed: string[] = []): RowsEvent => ({ items, removed, counts });
const ids = (rows: PagedItem[]) => rows.map((r) => r.patient.id);

const shown = [row('a', 'red', '2026-03-01T08:00:00Z'), row('b', 'yellow', '2026-03-01T08:00:00Z'), row('c', 'green', '2026-03-01T08:00:00Z')];

test('a row that turns red moves up in the server order; a removed row leaves', () => {
  const out = mergeRows(shown, ev([row('c', 'red', '2026-03-02T08:00:00Z')], ['b']), { status: null, complete: true });
  assert.deepEqual(ids(out), ['c', 'a']);
});

test('within red the more severe row comes first, then the newer one', () => {
  const out = mergeRows(shown, ev([row('m', 'red', '2026-02-20T08:00:00Z', 0.3), row('n', 'red', '2026-03-03T08:00:00Z')]), { status: null, complete: true });
  assert.deepEqual(ids(out), ['m', 'n', 'a', 'b', 'c']);
});

test('a row no longer matching the status filter leaves; a new matching row joins', () => {
  const reds = shown.filter((r) => r.status === 'red');
  const out = mergeRows(reds, ev([row('a', 'green', '2026-03-02T08:00:00Z'), row('d', 'red', '2026-03-02T08:00:00Z')]), { status: 'red', complete: true });
  assert.deepEqual(ids(out), ['d']);
});

test('with pages still to load, a row that sorts after the last one shown waits for "show more" (no duplicate later)', () => {
  const out = mergeRows(shown, ev([row('z', 'green', '2026-03-05T08:00:00Z'), row('y', 'red', '2026-03-01T07:00:00Z')]), { status: null, complete: false });
  assert.deepEqual(ids(out), ['a', 'y', 'b', 'c']);
  const moved = mergeRows(shown, ev([row('a', 'green', '2026-03-09T08:00:00Z')]), { status: null, complete: false });
  assert.deepEqual(ids(moved), ['b', 'c']);
});
