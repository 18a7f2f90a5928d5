/*
 * PostgreSQL array literals for array parameters, built here instead of by node-pg.
 *
 * node-pg serialises an array parameter element by element: every string (a uuid, a code, an ISO
 * time) goes through two regular-expression replaces and is wrapped in quotes whether or not it
 * needs them. The write path sends arrays of hundreds of elements in every group commit (one per
 * column of the rows it writes), and that escaping was 12 % of the server's CPU per batched upload
 * and 11 % per FHIR transaction Bundle (bench/README.md, round 19), plus the garbage of the copies.
 * Here an element is quoted only when array_in would misread it bare, and escaped in one pass.
 *
 * Only for node-pg (db/postgres.ts): PGlite serialises parameters by their type, and turns a JS
 * array sent to a json parameter into JSON, where node-pg would send an array literal.
 *
 * A Date goes as its UTC instant (ISO 8601, `Z`), where node-pg writes the process's local time
 * with its offset: the same timestamptz either way. Read as `date[]` or `timestamp[]` (without
 * time zone) the two would differ outside UTC; every Date array of the code base goes to
 * timestamptz (dates travel as 'YYYY-MM-DD' strings).
 */

/** Characters array_in treats specially in a bare element, or trims (whitespace). */
const NEEDS_QUOTES = /[\s{}",\\]/;
const ESCAPE = /[\\"]/g;

/**
 * The array literal node-pg would send for `values` (same elements, as PostgreSQL reads them), or
 * undefined when an element is of a kind this does not serialise (a Buffer, an object: node-pg
 * serialises those, and the caller leaves the array to it).
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  // Parts joined once at the end: `out +=` per element left two intermediate strings per element
  // to flatten and collect (~9 % of what a batched upload allocated, bench/README.md round 20);
  // a part that is the element itself (a uuid, a code) costs no new string at all.
  const parts = new Array<string>(values.length);
  // Readings of one sitting share a time: its text is made once.
  let lastTime = NaN;
  let lastText = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      parts[i] = 'NULL';
      continue;
    }
    switch (typeof v) {
      case 'string':
        parts[i] = v.length > 0 && !NEEDS_QUOTES.test(v) && !(v.length === 4 && v.toLowerCase() === 'null') ? v : `"${v.replace(ESCAPE, '\\$&')}"`;
        continue;
      case 'number':
      case 'bigint':
      case 'boolean':
        parts[i] = String(v);
        continue;
    }
    if (v instanceof Date) {
      const t = v.getTime();
      // An invalid date, or a year outside 1–9999: toISOString writes year 0 (1 BC), which
      // PostgreSQL refuses, and six-digit years; node-pg writes them its own way.
      if (!(t >= -62_135_596_800_000 && t <= 253_402_300_799_999)) return undefined;
      if (t !== lastTime) {
        lastTime = t;
        lastText = v.toISOString();
      }
      parts[i] = lastText;
      continue;
    }
    if (Array.isArray(v)) {
      const inner = arrayLiteral(v);
      if (inner === undefined) return undefined;
      parts[i] = inner;
      continue;
    }
    return undefined;
  }
  return `{${parts.join(',')}}`;
}

/** The parameters with every array this can serialise replaced by its literal (a new list only if one was). */
export function withArrayLiterals(params: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (!Array.isArray(p)) continue;
    const literal = arrayLiteral(p);
    if (literal === undefined) continue;
    out ??= params.slice();
    out[i] = literal;
  }
  return out ?? params;
}
