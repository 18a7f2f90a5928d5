import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { complementarySuppression, MIN_COUNT, type CountTable, type HiddenMask } from './indicators.js';

/*
 * Small-count suppression cannot be undone by subtraction (issue 16). A reader has the visible
 * counts and the relations of the published table (each municipality's total is the sum of its
 * diagnosis cells, the grand total the sum of the municipality totals). A hidden count is
 * recovered when those linear equations fix its value; the property below looks for such a count
 * with exact (BigInt) Gaussian elimination, independent of how the suppression chose what to hide.
 */

type Entry = { kind: 'cell'; i: number; j: number } | { kind: 'row'; i: number } | { kind: 'grand' };

function entries(t: CountTable): Entry[] {
  return [
    ...t.cells.flatMap((r, i) => r.map((_, j) => ({ kind: 'cell' as const, i, j }))),
    ...t.rowTotals.map((_, i) => ({ kind: 'row' as const, i })),
    { kind: 'grand' as const },
  ];
}
const isHidden = (m: HiddenMask, e: Entry) => (e.kind === 'cell' ? m.cells[e.i]![e.j]! : e.kind === 'row' ? m.rowTotals[e.i]! : m.grand);
const key = (e: Entry) => (e.kind === 'cell' ? `c${e.i},${e.j}` : e.kind === 'row' ? `r${e.i}` : 'g');

/** The published relations as lists of (entry, coefficient): total − Σ parts = 0. */
function relations(t: CountTable): [Entry, bigint][][] {
  return [
    ...t.cells.map((r, i) => [[{ kind: 'row', i } as Entry, 1n] as [Entry, bigint], ...r.map((_, j) => [{ kind: 'cell', i, j } as Entry, -1n] as [Entry, bigint])]),
    [[{ kind: 'grand' }, 1n], ...t.rowTotals.map((_, i) => [{ kind: 'row', i } as Entry, -1n] as [Entry, bigint])],
  ];
}

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
};

/** Rank of an integer matrix, exactly. */
function rank(rows: bigint[][]): number {
  const m = rows.map((r) => [...r]);
  const cols = m[0]?.length ?? 0;
  let r = 0;
  for (let c = 0; c < cols && r < m.length; c++) {
    const p = m.findIndex((row, idx) => idx >= r && row[c] !== 0n);
    if (p < 0) continue;
    [m[r], m[p]] = [m[p]!, m[r]!];
    const pivot = m[r]!;
    for (let k = 0; k < m.length; k++) {
      if (k === r || m[k]![c] === 0n) continue;
      const f = m[k]![c]!;
      const row = m[k]!.map((v, idx) => v * pivot[c]! - pivot[idx]! * f);
      const g = row.reduce((acc, v) => gcd(acc, v), 0n) || 1n;
      m[k] = row.map((v) => v / g);
    }
    r++;
  }
  return r;
}

/** The hidden entries whose value the visible ones and the relations fix (a reader recovers them). */
function recoverable(t: CountTable, mask: HiddenMask): string[] {
  const hidden = entries(t).filter((e) => isHidden(mask, e));
  const col = new Map(hidden.map((e, k) => [key(e), k]));
  const a = relations(t).map((rel) => {
    const row = hidden.map(() => 0n);
    for (const [e, coef] of rel) if (col.has(key(e))) row[col.get(key(e))!]! += coef;
    return row;
  }).filter((row) => row.some((v) => v !== 0n));
  const base = rank(a);
  return hidden.filter((e) => {
    const unit = hidden.map((x) => (key(x) === key(e) ? 1n : 0n));
    return rank([...a, unit]) === base;
  }).map(key);
}

/**
 * The '<5' counts a reader pins to one non-zero value with the bounds they know (a '<5' is 0–4, a
 * count hidden to protect it is at least 5) inside one sum whose total is shown. Pinning an empty
 * group to 0 is allowed: it says nothing about a person.
 */
function pinnedByBounds(t: CountTable, mask: HiddenMask): string[] {
  const out: string[] = [];
  for (const rel of relations(t)) {
    const [total, ...parts] = rel.map(([e]) => e);
    if (isHidden(mask, total!)) continue;
    const valueOf = (e: Entry) => (e.kind === 'cell' ? t.cells[e.i]![e.j]! : e.kind === 'row' ? t.rowTotals[e.i]! : t.grand);
    const hiddenParts = parts.filter((e) => isHidden(mask, e));
    const s = valueOf(total!) - parts.filter((e) => !isHidden(mask, e)).reduce((n, e) => n + valueOf(e), 0);
    const small = hiddenParts.filter((e) => valueOf(e) < MIN_COUNT);
    const large = hiddenParts.length - small.length;
    for (const e of small) {
      const hi = Math.min(MIN_COUNT - 1, s - MIN_COUNT * large);
      const lo = large > 0 ? 0 : Math.max(0, s - (MIN_COUNT - 1) * (small.length - 1));
      if (lo === hi && hi !== 0) out.push(key(e));
    }
  }
  return out;
}

/** A published table: cells drawn, totals as their sums (consistent, as the report's are). */
const tables = fc
  .record({ rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 6 }) })
  .chain(({ rows, cols }) =>
    fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 40 })), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
  )
  .map((cells): CountTable => {
    const rowTotals = cells.map((r) => r.reduce((a, b) => a + b, 0));
    return { cells, rowTotals, grand: rowTotals.reduce((a, b) => a + b, 0) };
  });

const primaryOf = (t: CountTable): HiddenMask => ({
  cells: t.cells.map((r) => r.map((v) => v < MIN_COUNT)),
  rowTotals: t.rowTotals.map((v) => v < MIN_COUNT),
  grand: t.grand < MIN_COUNT,
});

describe('complementary suppression', () => {
  test('example: one small cell in a row takes another with it, and its row total pulls in another row', () => {
    const t: CountTable = { cells: [[12, 3, 20], [8, 9, 7]], rowTotals: [35, 24], grand: 59 };
    const before = primaryOf(t);
    assert.deepEqual(recoverable(t, before), ['c0,1'], 'suppressing the 3 alone: 35 − 12 − 20 gives it back');
    const mask = complementarySuppression(t, before);
    assert.deepEqual(mask, { cells: [[true, true, false], [false, false, false]], rowTotals: [false, false], grand: false });
    assert.deepEqual(recoverable(t, mask), []);

    // A small municipality total: another municipality's total goes too, and a cell in that row.
    const u: CountTable = { cells: [[1, 2], [10, 6]], rowTotals: [3, 16], grand: 19 };
    const m2 = complementarySuppression(u, primaryOf(u));
    assert.deepEqual(m2, { cells: [[true, true], [false, true]], rowTotals: [true, true], grand: false });
    assert.deepEqual(recoverable(u, m2), []);
  });

  test('example: two hidden counts that are both 4 take a third with them (the total would say "4 and 4")', () => {
    const t: CountTable = { cells: [[4, 4, 9, 12]], rowTotals: [29], grand: 29 };
    const mask = complementarySuppression(t, primaryOf(t));
    assert.deepEqual(mask.cells, [[true, true, true, false]]);
    assert.deepEqual(pinnedByBounds(t, mask), []);
    // 3 and 4 are not given back (3–4 each), so nothing more is hidden.
    const u: CountTable = { cells: [[3, 4, 9, 12]], rowTotals: [28], grand: 28 };
    assert.deepEqual(complementarySuppression(u, primaryOf(u)).cells, [[true, true, false, false]]);
  });

  test('property: no hidden count can be recovered from the totals and the visible counts', () => {
    fc.assert(
      fc.property(tables, (t) => {
        const primary = primaryOf(t);
        const mask = complementarySuppression(t, primary);
        // Every small count stays hidden.
        for (const e of entries(t)) if (isHidden(primary, e)) assert.ok(isHidden(mask, e), key(e));
        // Every relation with a hidden count has at least two.
        for (const rel of relations(t)) {
          const n = rel.filter(([e]) => isHidden(mask, e)).length;
          assert.ok(n === 0 || n >= 2, `relation with ${n} hidden`);
        }
        assert.deepEqual(recoverable(t, mask), []);
        assert.deepEqual(pinnedByBounds(t, mask), []);
      }),
      { numRuns: 400 },
    );
  });

  test('property: the same holds when whole rows are already hidden for another reason', () => {
    fc.assert(
      fc.property(tables, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (t, extra) => {
        const primary = primaryOf(t);
        primary.cells = primary.cells.map((r, i) => r.map((h, j) => h || extra[(i * r.length + j) % extra.length]!));
        assert.deepEqual(recoverable(t, complementarySuppression(t, primary)), []);
      }),
      { numRuns: 200 },
    );
  });
});
