import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { pino } from 'pino';
import type { EpisodeScope } from '../auth/access.js';
import { loadConfig } from '../config/index.js';
import type { Ctx } from '../context.js';
import type { Db, Queryable, QueryResult } from '../db/port.js';
import { useTestServer } from '../testing/server.js';
import { stringifyFhir } from './json.js';
import * as m from './mappers.js';
import { codesOfMeasure } from './observation-in.js';
import { SEARCH } from './search.js';
import {
  type ObservationSearchRun, type SearchPage, readObservation, searchObservations, searchObservationsInSql,
} from './service.js';
import { searchObservationsInMemory } from '../testing/fhir-search-reference.js';

/*
 * Issue 15, "Reads that grow with a patient's whole history" (docs/SCALING.md): Observation search
 * pages in SQL (repo.ts#searchObservationKeys) and reads only the page's rows, and a read of an
 * app-entered systolic finds its diastolic with one probe. The reference for the SQL search is
 * the in-memory search it replaced (testing/fhir-search-reference.ts#searchObservationsInMemory; until round 6 also the
 * fallback for value-quantity): for random mixes of posted resources and app readings (blood
 * pressure pairs, readings covered by a posted resource, ties in time, values on the bounds of
 * value-quantity's precision ranges) and random parameters, scopes and pages, both give the same
 * entries in the same order and the same total.
 */

const env = useTestServer({ noServer: true });
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** A Db that counts the rows every statement returns and keeps the statements (no timing). */
function counting(db: Db): Db & { rows: number; statements: string[]; reset(): void } {
  const wrap = (q: Queryable): Queryable => ({
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params);
      out.rows += r.rows.length;
      out.statements.push(sql);
      return r;
    },
  });
  const inner = wrap(db);
  const out = {
    kind: db.kind,
    rows: 0,
    statements: [] as string[],
    reset() {
      out.rows = 0;
      out.statements = [];
    },
    query: inner.query,
    tx: <T>(fn: (tx: Queryable) => Promise<T>) => db.tx((tx) => fn(wrap(tx))),
    exec: (sql: string) => db.exec(sql),
    listen: db.listen.bind(db),
    close: () => db.close(),
  };
  return out;
}

function nurseCtx(db: Db, readDb?: Db): Ctx {
  const f = env.f;
  return {
    db,
    ...(readDb ? { readDb } : {}),
    actor: {
      kind: 'personnel', personnelId: f.people.nurseA, name: 'Sykepleier A', hpr: '1000001',
      organisationId: f.orgs.muniA, organisationName: 'Kommune A', organisationKind: 'municipality', role: 'nurse',
    },
    now: () => new Date(),
    log: pino({ level: 'silent' }),
    config: loadConfig({}, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', LOCAL_IDP: 'true' }),
  };
}

const parse = (query: Record<string, string | string[]>) => SEARCH.Observation.parse(query, false).values;

// ------------------------------------------------------------------ random data

/** Effective times: shared ones make BP sittings and ties; months apart cross partitions. */
const TIMES = ['2024-03-10T08:00:00.000Z', '2025-06-01T12:00:00.000Z', '2025-06-01T12:00:00.001Z', '2026-11-15T07:30:00.000Z', '2026-11-29T20:00:00.000Z'];
const UPDATED = ['2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.001Z', '2026-11-10T09:00:00.000Z', '2026-11-20T09:00:00.000Z'];
const APP_CODES = ['bp_systolic', 'bp_diastolic', 'bp_systolic', 'bp_diastolic', 'heart_rate', 'glucose', 'phq9'] as const;
const KEYS = [null, null, 'k1', 'k2', 'k3'];
const FHIR_CODES = ['http://loinc.org|8867-4', 'http://loinc.org|85354-9', 'http://loinc.org|8480-6', 'urn:x:local|abc', '|x', 'nosep'];
const FHIR_CATEGORIES = [`${OBS_CATEGORY}|vital-signs`, `${OBS_CATEGORY}|laboratory`, 'urn:x:cat|survey'];
const FHIR_IDENTIFIERS = ['urn:example:gw|a', 'urn:example:gw|b', 'urn:varde:idempotency|k1'];
const STATUSES = [null, 'final', 'preliminary', 'amended', 'entered-in-error'];
/**
 * Values on and beside the bounds of QTY_TOKENS' precision ranges: '120' means [119.5, 120.5),
 * exact in binary; '5.4' means [5.4 − 0.05, 5.4 + 0.05) as doubles, where 5.35 falls below.
 */
const APP_VALUES = [120, 119.5, 120.5, 72, 72.5, 5.35, 5.4];
/** Posted values (numeric text, as stored) and units ('' and none: no unit, so no UCUM system). */
const FHIR_VALUES = ['72', '119.5', '120.50', '5.35', '0.1'];
const FHIR_UNITS = ['/min', 'mm[Hg]', null, ''];
/** value-quantity: prefixes, precisions, with and without system|code, a system that never matches. */
const QTY_TOKENS = ['120', 'ne120', 'gt72', 'le72', '72|http://unitsofmeasure.org|/min', '5.4', 'ge5.35', '120||mm[Hg]', '72|urn:x|/min',
  'ge0|http://unitsofmeasure.org|', '72.5'];

/**
 * An app reading; `pair` adds to a systolic that many diastolics of the same sitting (the apps and
 * devices store BP as two rows; two diastolics can share a sitting only without an idempotency key).
 */
const appRow = fc.record({
  code: fc.constantFrom(...APP_CODES), at: fc.nat(TIMES.length - 1), key: fc.nat(KEYS.length - 1), ep: fc.nat(1), dev: fc.boolean(), upd: fc.nat(UPDATED.length - 1), pair: fc.nat(2),
  v: fc.nat(APP_VALUES.length - 1),
});
const fhirRow = fc.record({
  codes: fc.subarray(FHIR_CODES), categories: fc.subarray(FHIR_CATEGORIES), identifiers: fc.subarray(FHIR_IDENTIFIERS),
  status: fc.nat(STATUSES.length - 1), at: fc.option(fc.nat(TIMES.length - 1)), upd: fc.nat(UPDATED.length - 1), dev: fc.boolean(),
  org: fc.constantFrom('A', 'B', null), covers: fc.array(fc.nat(40), { maxLength: 2 }), ghost: fc.boolean(),
  v: fc.option(fc.nat(FHIR_VALUES.length - 1)), unit: fc.nat(FHIR_UNITS.length - 1),
});

/** Token values built from the codings app readings really carry (mappers.ts, observation-in.ts). */
function codeTokens(): string[] {
  const out = ['85354-9', 'http://loinc.org|85354-9', 'http://loinc.org|', '|x', 'urn:x:local|abc', 'nosep', 'http://loinc.org|8867-4'];
  for (const c of ['bp_systolic', 'bp_diastolic', 'heart_rate', 'glucose', 'phq9'] as const) {
    const a = codesOfMeasure(c)[0]!;
    const b = m.codingsFor(c).at(-1)!;
    out.push(`${a.system}|${a.code}`, a.code, `${b.system}|${b.code}`, `${b.system}|`);
  }
  return out;
}
const CODE_TOKENS = codeTokens();
const CATEGORY_TOKENS = ['vital-signs', 'survey', `${OBS_CATEGORY}|laboratory`, `${OBS_CATEGORY}|`, 'urn:x:cat|survey'];
const IDENT_TOKENS = ['urn:varde:idempotency|k1', 'k2', 'urn:example:gw|', 'a', '|k3'];
const STATUS_TOKENS = ['final', 'preliminary', 'unknown', 'x|final', 'amended', 'cancelled'];
const DATE_VALUES = ['ge2025-01-01', 'lt2026-11-20', 'eq2025-06-01', 'gt2025-06-01T12:00:00Z', 'le2024', 'ge2025-06-01T12:00:00.001Z', 'lt2025-06-01T12:00:00.001Z', 'eq2026-11'];
const UPDATED_VALUES = ['ge2026-11-05', 'lt2026-11-01T00:00:00.001Z', 'le2026-11-10T09:00:00Z', 'gt2026-11-01T00:00:00.000Z'];

/** `arb` in about one case of `every`, else absent (null). */
const sometimes = <T>(arb: fc.Arbitrary<T>, every: number) => fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
const orList = (pool: string[]) => fc.subarray(pool, { minLength: 1, maxLength: 3 }).map((a) => a.join(','));
const queryArb = fc.record({
  code: sometimes(orList(CODE_TOKENS), 2),
  category: sometimes(orList(CATEGORY_TOKENS), 4),
  identifier: sometimes(orList(IDENT_TOKENS), 5),
  status: sometimes(orList(STATUS_TOKENS), 5),
  date: sometimes(fc.subarray(DATE_VALUES, { minLength: 1, maxLength: 2 }), 2),
  _lastUpdated: sometimes(fc.subarray(UPDATED_VALUES, { minLength: 1, maxLength: 2 }), 5),
  device: sometimes(fc.boolean(), 5),
  _id: sometimes(fc.nat(60), 6),
  _sort: sometimes(fc.constantFrom('-date', 'date', '_lastUpdated', '-_lastUpdated'), 2),
  quantity: sometimes(fc.array(orList(QTY_TOKENS), { minLength: 1, maxLength: 2 }), 5),
  count: fc.integer({ min: 1, max: 10 }),
  offset: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) }),
  scoped: fc.boolean(),
});

describe('Observation search in SQL = the in-memory search (issue 15)', () => {
  let ep2: string;
  let device: string;
  before(async () => {
    const f = env.f;
    // A second, ended episode followed by municipality B: nurse A's scope leaves it out.
    ep2 = (await env.db.query<{ id: string }>(
      `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at, status, ended_at)
       values ($1,'high', now() - interval '900 days', $2, $3, now() - interval '900 days', 'ended', now() - interval '20 days') returning id`,
      [f.patient.id, f.people.gp, f.orgs.muniB],
    )).rows[0]!.id;
    await env.db.query(`insert into care_team values ($1,$2,'follow_up', now())`, [ep2, f.orgs.muniB]);
    device = (await env.db.query<{ id: string }>(`insert into devices (organisation_id, serial, model, kind) values ($1, 'SB-1', 'M', 'bp') returning id`, [f.orgs.muniA])).rows[0]!.id;
  });

  /** Replaces the patient's history with these rows; returns the ids of the readings and posted resources. */
  async function load(apps: (typeof appRow extends fc.Arbitrary<infer T> ? T : never)[], fhirs: (typeof fhirRow extends fc.Arbitrary<infer T> ? T : never)[]) {
    const f = env.f;
    const P = f.patient.id;
    await env.db.query('delete from fhir_resources where patient_id = $1', [P]);
    await env.db.query('delete from observations where patient_id = $1', [P]);
    const obsIds: string[] = [];
    const keysUsed = new Set<string>();
    const rows = apps.flatMap((a) => [a, ...Array.from({ length: a.code === 'bp_systolic' ? a.pair : 0 }, (_, i) => ({ ...a, code: 'bp_diastolic' as const, upd: (a.upd + i + 1) % UPDATED.length }))]);
    for (const a of rows) {
      const key = KEYS[a.key]!;
      // One reading per (patient, key, code): the idempotency rule (observation_keys).
      if (key !== null && keysUsed.has(`${key}|${a.code}`)) continue;
      if (key !== null) keysUsed.add(`${key}|${a.code}`);
      const id = randomUUID();
      obsIds.push(id);
      await env.db.query(
        `insert into observations (id, patient_id, episode_id, code, value, unit, effective_at, received_at, source, device_id, recorded_by, idempotency_key)
         values ($1,$2,$3,$4,$5,$6,$7,$8,'patient',$9,$10,$11)`,
        [id, P, a.ep === 0 ? f.patient.episodeId : ep2, a.code, a.code === 'phq9' ? 7 : APP_VALUES[a.v], a.code === 'phq9' ? '{score}' : a.code === 'glucose' ? 'mmol/L' : a.code === 'heart_rate' ? '/min' : 'mm[Hg]',
          TIMES[a.at], UPDATED[a.upd], a.dev ? device : null, `patient:${P}`, key],
      );
    }
    const fhirIds: string[] = [];
    for (const r of fhirs) {
      const id = randomUUID();
      fhirIds.push(id);
      // Links to stored readings (then "covered": shown as this resource) and to ones no longer stored.
      const covers = [...new Set([...r.covers.flatMap((i) => (obsIds.length ? [obsIds[i % obsIds.length]!] : [])), ...(r.ghost ? [randomUUID()] : [])])];
      const status = STATUSES[r.status]!;
      await env.db.query(
        `insert into fhir_resources (id, resource_type, patient_id, organisation_id, resource, status, codes, identifiers, categories, effective_at, value_num, value_unit,
           device_id, content_hash, observation_ids, triage, recorded_by, received_at, last_updated)
         values ($1,'Observation',$2,$3,$4::jsonb,$5,$6,$7,$8,$9,$14::numeric,$15,$10,$11,$12::uuid[],'history','client:gw',$13,$13)`,
        [id, P, r.org === 'A' ? f.orgs.muniA : r.org === 'B' ? f.orgs.muniB : null,
          JSON.stringify({ resourceType: 'Observation', ...(status ? { status } : {}), code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] } }),
          status, r.codes, r.identifiers, r.categories, r.at === null ? null : TIMES[r.at], r.dev ? device : null, id, covers, UPDATED[r.upd],
          r.v === null ? null : FHIR_VALUES[r.v], FHIR_UNITS[r.unit]],
      );
    }
    return { obsIds, fhirIds };
  }

  /** Runs one random query both ways and asserts the same total and page; returns the SQL search's page. */
  async function compare(g: typeof queryArb extends fc.Arbitrary<infer T> ? T : never, allIds: string[]): Promise<SearchPage<Observation>> {
    const f = env.f;
    const P = f.patient.id;
    const query: Record<string, string | string[]> = { patient: P };
    if (g.code !== null) query.code = g.code;
    if (g.category !== null) query.category = g.category;
    if (g.identifier !== null) query.identifier = g.identifier;
    if (g.status !== null) query.status = g.status;
    if (g.date !== null) query.date = g.date;
    if (g._lastUpdated !== null) query._lastUpdated = g._lastUpdated;
    if (g.device !== null) query.device = g.device ? `Device/${device}` : 'Device/no-such-device';
    // An id of the data (a panel is found by its systolic id), an upper-case one, or none of ours.
    if (g._id !== null) query._id = allIds.length === 0 || g._id >= 55 ? 'not-a-uuid' : g._id >= 50 ? allIds[g._id % allIds.length]!.toUpperCase() : `${allIds[g._id % allIds.length]},${allIds[(g._id * 7) % allIds.length]}`;
    if (g._sort !== null) query._sort = g._sort;
    if (g.quantity !== null) query['value-quantity'] = g.quantity;
    const scope: EpisodeScope = g.scoped ? { all: false, episodeIds: [f.patient.episodeId], organisationId: f.orgs.muniA } : { all: true };
    const run: ObservationSearchRun = { patientId: P, q: parse(query), scope, count: g.count, offset: g.offset };
    const want = await searchObservationsInMemory(env.db, run);
    const got = await searchObservationsInSql(env.db, run);
    const ctxt = JSON.stringify({ query, scope: g.scoped, count: g.count, offset: g.offset });
    assert.equal(got.total, want.total, ctxt);
    assert.deepEqual(got.page.map((o) => o.id), want.page.map((o) => o.id), ctxt);
    assert.equal(stringifyFhir(got.page), stringifyFhir(want.page), ctxt);
    return got;
  }

  /**
   * Runs `property` (numRuns cases, a new seed each time) until the random cases have reached what
   * the test is about (`covered`), at most four times. One batch falling short is chance (the
   * thresholds sit near what a batch reaches on average); all four, a generator that no longer
   * reaches it. Every case of every batch is checked.
   */
  async function assertCovered<T>(property: fc.IAsyncProperty<T>, numRuns: number, covered: () => boolean, seen: object): Promise<void> {
    for (let batch = 1; ; batch++) {
      await fc.assert(property, { numRuns });
      if (covered()) return;
      assert.ok(batch < 4, `the random cases did not reach what matters in ${batch} batches: ${JSON.stringify(seen)}`);
    }
  }

  test('same entries, order and total for random data, parameters and pages', async () => {
    // That the random cases reach what matters: non-empty pages, panels, covered readings' resources.
    const seen = { queries: 0, nonEmpty: 0, panels: 0, posted: 0 };
    await assertCovered(
      fc.asyncProperty(fc.array(appRow, { minLength: 6, maxLength: 30 }), fc.array(fhirRow, { maxLength: 8 }), fc.array(queryArb, { minLength: 1, maxLength: 4 }), async (apps, fhirs, queries) => {
        const { obsIds, fhirIds } = await load(apps, fhirs);
        for (const g of queries) {
          const got = await compare(g, [...obsIds, ...fhirIds]);
          seen.queries++;
          if (got.page.length) seen.nonEmpty++;
          if (got.page.some((o) => o.component?.length === 2 && obsIds.includes(o.id!))) seen.panels++;
          if (got.page.some((o) => fhirIds.includes(o.id!))) seen.posted++;
        }
      }),
      env.db.kind === 'postgres' ? 80 : 50,
      () => seen.nonEmpty >= seen.queries / 4 && seen.panels > 5 && seen.posted > 5,
      seen,
    );
  });

  test('value-quantity: same entries and total, values on the bounds of the precision ranges', async () => {
    // Every query has a value-quantity; the other filters come rarely, so most queries match something.
    const quantityQuery = queryArb.chain((g) => fc.record({
      quantity: fc.array(orList(QTY_TOKENS), { minLength: 1, maxLength: 2 }),
      keepOthers: fc.nat(5),
    }).map(({ quantity, keepOthers }) => (keepOthers === 0 ? { ...g, quantity } : {
      ...g, quantity, code: null, category: null, identifier: null, status: null, date: null, _lastUpdated: null, device: null, _id: null,
    })));
    const seen = { queries: 0, matched: 0, posted: 0 };
    await assertCovered(
      fc.asyncProperty(fc.array(appRow, { minLength: 6, maxLength: 20 }), fc.array(fhirRow, { maxLength: 6 }), fc.array(quantityQuery, { minLength: 1, maxLength: 4 }), async (apps, fhirs, queries) => {
        const { obsIds, fhirIds } = await load(apps, fhirs);
        for (const g of queries) {
          const got = await compare(g, [...obsIds, ...fhirIds]);
          seen.queries++;
          if (got.total > 0) seen.matched++;
          if (got.page.some((o) => fhirIds.includes(o.id!))) seen.posted++;
        }
      }),
      env.db.kind === 'postgres' ? 50 : 30,
      () => seen.matched >= seen.queries / 3 && seen.posted > 5,
      seen,
    );
  });
});

describe('Observation search and read are bounded by the page, not the history (issue 15)', () => {
  const SITTINGS = 600;
  before(async () => {
    const f = env.f;
    await env.db.query('delete from fhir_resources where patient_id = $1', [f.patient.id]);
    await env.db.query('delete from observations where patient_id = $1', [f.patient.id]);
    // 600 daily BP sittings (two rows each) and 600 pulse readings: 1 800 rows of history.
    await env.db.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key)
       select $1::uuid, $2::uuid, c.code, c.value, c.unit, now() - make_interval(days => g) + make_interval(mins => c.off), 'patient', 'patient:' || $1::uuid::text,
              case when c.code = 'heart_rate' then null else 'sit-' || g end
         from generate_series(1, ${SITTINGS}) g
        cross join (values ('bp_systolic', 130, 'mm[Hg]', 0), ('bp_diastolic', 80, 'mm[Hg]', 0), ('heart_rate', 70, '/min', 1)) as c(code, value, unit, off)`,
      [f.patient.id, f.patient.episodeId],
    );
  });

  test('a first page reads one row of keys and total and at most two readings per entry', async () => {
    const P = env.f.patient.id;
    const queries: Record<string, string | string[]>[] = [
      { patient: P, _count: '10' },
      { patient: P, _count: '10', code: 'http://loinc.org|85354-9' },
      { patient: P, _count: '10', code: '8867-4', date: ['ge2026-01-01', 'lt2026-06-01'] },
      { patient: P, _count: '10', _sort: 'date', _offset: '20' },
    ];
    for (const query of queries) {
      const read = counting(env.db);
      const res = await searchObservations(nurseCtx(env.db, read), parse(query));
      assert.equal(res.page.length, 10, JSON.stringify(query));
      assert.ok(res.total > 10, JSON.stringify(query));
      // The keys of the page (10 rows, with the total), then ≤ 2 readings per entry (a panel's two rows).
      assert.ok(read.rows <= 10 + 2 * 10, `${read.rows} rows read for ${JSON.stringify(query)}`);
      assert.ok(read.statements.some((s) => /\blimit \$\d+ offset \$\d+/.test(s)), 'the page is cut in SQL');
      assert.ok(!read.statements.some((s) => /^select \* from observations where patient_id = \$1$/.test(s.trim())), 'no read of the whole history');
      // Same page and total as the in-memory reference over the whole history.
      const want = await searchObservationsInMemory(env.db, { patientId: P, q: parse(query), scope: { all: true }, count: 10, offset: Number(query._offset ?? 0) });
      assert.equal(res.total, want.total);
      assert.equal(stringifyFhir(res.page), stringifyFhir(want.page));
    }
    const total = await env.count('observations where patient_id = $1', [P]);
    assert.equal(total, 3 * SITTINGS);
  });

  test('_summary=count reads the total only', async () => {
    const read = counting(env.db);
    const res = await searchObservations(nurseCtx(env.db, read), parse({ patient: env.f.patient.id, _summary: 'count' }));
    assert.equal(res.total, 2 * SITTINGS);
    assert.equal(res.page.length, 0);
    assert.equal(read.rows, 1);
  });

  test('reading a systolic finds its diastolic with one probe, not the whole history', async () => {
    const P = env.f.patient.id;
    const sys = (await env.db.query<{ id: string }>(`select id from observations where patient_id = $1 and code = 'bp_systolic' order by effective_at desc offset 100 limit 1`, [P])).rows[0]!.id;
    const db = counting(env.db);
    const o = await readObservation(nurseCtx(db), sys);
    assert.equal(o.code.coding?.[0]?.code, '85354-9');
    assert.equal(o.component?.length, 2);
    // The reading, its partner, the access check and the audit record: a handful of rows.
    assert.ok(db.rows < 20, `${db.rows} rows read`);
  });
});
