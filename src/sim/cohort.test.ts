import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { checkSittingPlausibility, normaliseMeasurement } from '../domain/catalogue.js';
import { parseNorwegianId } from '../domain/identifiers.js';
import { evaluate } from '../domain/triage.js';
import type { Db } from '../server/db/port.js';
import type { Server } from '../server/server.js';
import { testDb } from '../server/testing/db.js';
import { startTestServer } from '../server/testing/server.js';
import { cohort, MAX_COHORT, simIdentity, simPatient, sittingOn, sittingsFor, type CohortOptions } from './cohort.js';
import { syntheticFnr } from '../domain/identifiers.js';
import { loadCohort } from './load.js';
import { streamLive } from './stream.js';

const END = new Date('2026-11-23T12:00:00Z');

describe('cohort generator', () => {
  const opts: CohortOptions = { patients: 3000, days: 14, seed: 7, end: END };

  test('is deterministic and gives every patient a valid, unique synthetic identity number', () => {
    const a = [...cohort(opts)];
    const ids = new Set(a.map((p) => p.identifier));
    assert.equal(ids.size, a.length);
    for (const p of a.slice(0, 200)) {
      const id = parseNorwegianId(p.identifier);
      assert.ok(id.ok && id.value.synthetic && id.value.birthDate === p.birthDate && id.value.sex === p.sex, p.identifier);
    }
    assert.deepEqual(simPatient(123, opts), a[123]);
    assert.deepEqual(sittingOn(a[5]!, 3, opts), sittingOn(simPatient(5, opts), 3, opts));
    const other = [...cohort({ ...opts, patients: 50, seed: 8 })];
    assert.ok(other.some((p, i) => p.name !== a[i]!.name), 'another seed, other people');
  });

  test('identity numbers stay unique and valid up to MAX_COHORT (219 160), outside the demo seed\'s numbers; the first 54 790 are as before', () => {
    assert.equal(MAX_COHORT, 20 * 10_958);
    const seen = new Set<string>();
    for (let i = 0; i < MAX_COHORT; i++) {
      const id = simIdentity(i, 1);
      seen.add(id.identifier);
      const ind = Number(id.identifier.slice(6, 9));
      // 0–99 (first five blocks) or 460–499: the demo seed's patients use 100–~450.
      assert.ok(ind < 100 || (ind >= 460 && ind <= 499), `${i}: individual number ${ind}`);
      if (i % 997 === 0 || i === MAX_COHORT - 1) {
        const parsed = parseNorwegianId(id.identifier);
        assert.ok(parsed.ok && parsed.value.synthetic && parsed.value.birthDate === id.birthDate && parsed.value.sex === id.sex, id.identifier);
      }
    }
    assert.equal(seen.size, MAX_COHORT);
    // Earlier cohorts keep their people: blocks 0–4 still search from 0, 20, 40, 60, 80.
    const p = simIdentity(54_789, 1);
    assert.equal(p.identifier, syntheticFnr(p.birthDate, 80 + (Number(p.identifier[8]) % 2)));
    assert.equal(simPatient(100_000, opts).identifier, simIdentity(100_000, opts.seed).identifier);
    assert.throws(() => simIdentity(MAX_COHORT), /at most 219160/);
  });

  test('series follow each plan: its measures, plausible values, mornings of the right days', () => {
    for (const p of [...cohort({ ...opts, patients: 100 })]) {
      const planned = new Set(p.plan.measures.map((m) => m.code));
      for (const s of sittingsFor(p, opts)) {
        assert.ok(s.day >= 0 && s.day < opts.days);
        assert.ok(s.effectiveAt < END);
        const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit', hourCycle: 'h23' }).format(s.effectiveAt));
        assert.ok(hour >= 7 && hour < 10, `morning sitting, got ${hour}`);
        for (const m of s.measurements) assert.ok(planned.has(m.code), `${m.code} is in the plan`);
      }
    }
  });

  test('every generated sitting is one ingest accepts (each value, and the sitting as a whole), anywhere in a cohort of MAX_COHORT', () => {
    // The 100 000-patient bench sent a heart-failure patient's systolic 81 under its diastolic 87 (422).
    const check = (p: ReturnType<typeof simPatient>, day: number, o: CohortOptions) => {
      const s = sittingOn(p, day, o);
      if (!s) return;
      for (const m of s.measurements) assert.ok(normaliseMeasurement(m).ok, `${p.index}/${day}: ${m.code} ${m.value}`);
      const together = checkSittingPlausibility(s.measurements);
      assert.ok(together.ok, `${p.index}/${day}: ${JSON.stringify(s.measurements)}`);
    };
    const big: CohortOptions = { patients: MAX_COHORT, days: 60, seed: 1, end: END };
    fc.assert(fc.property(fc.nat(MAX_COHORT - 1), fc.nat(59), fc.integer({ min: 1, max: 9 }), (i, day, seed) => {
      const o = { ...big, seed };
      check(simPatient(i, o), day, o);
    }), { numRuns: 3000 });
    // Every patient of the bench's 100 000 cohort whose deterioration lowers blood pressure, on each
    // loaded day and on the day after (the bench's live readings: every measure, no day skipped).
    const bench: CohortOptions = { patients: 100_000, days: 6, seed: 1, end: END, adherence: 1 };
    let seen = 0;
    for (let i = 0; i < 100_000; i++) {
      const p = simPatient(i, bench);
      if (p.deterioration?.kind !== 'hf_fluid') continue;
      seen++;
      for (let d = 0; d <= 6; d++) check(p, d, bench);
    }
    assert.ok(seen > 100, `${seen} patients with fluid overload`);
  });

  test('injected deteriorations turn into findings; stable patients mostly stay green', () => {
    let sickFindings = 0;
    let stableSittings = 0;
    let stableFindings = 0;
    for (const p of cohort({ ...opts, patients: 600, deteriorationRate: 0.2 })) {
      const series = sittingsFor(p, opts, 0, opts.days + 1);
      const points = series.flatMap((s, i) => s.measurements.map((m) => ({ id: `${i}-${m.code}`, ...m, effectiveAt: s.effectiveAt })));
      const findings = evaluate({ plan: p.plan, planVersion: 1, newObservations: points, history: [] }).findings.length;
      if (p.deterioration && p.deterioration.startDay < opts.days - 2) sickFindings += findings > 0 ? 1 : 0;
      if (!p.deterioration) {
        stableSittings += series.length;
        stableFindings += findings;
      }
    }
    const sick = [...cohort({ ...opts, patients: 600, deteriorationRate: 0.2 })].filter((p) => p.deterioration && p.deterioration.startDay < opts.days - 2).length;
    assert.ok(sick > 20);
    assert.ok(sickFindings / sick > 0.9, `${sickFindings}/${sick} deteriorations were noticed`);
    assert.ok(stableFindings / stableSittings < 0.05, `false alarms per sitting ${stableFindings}/${stableSittings}`);
  });
});

describe('loading and streaming', () => {
  let db: Db;
  let server: Server;
  const opts: CohortOptions = { patients: 40, days: 10, seed: 3, end: new Date(), deteriorationRate: 0.5 };
  before(async () => {
    db = await testDb();
    server = await startTestServer(db);
  });
  after(async () => {
    await server.close();
    await db.close();
  });

  test('the bulk load stores what live triage would: zones, open alerts, care teams, a device client', async () => {
    const r = await loadCohort(db, { ...opts, clientId: 'sim-test', clientSecret: 'sim-test-secret-123' });
    assert.equal(r.patients, 40);
    const n = (await db.query<{ n: number }>('select count(*)::int as n from observations')).rows[0]!.n;
    assert.equal(n, r.observations);
    const expected = [...cohort(opts)].reduce((s, p) => s + sittingsFor(p, opts).reduce((t, x) => t + x.measurements.length, 0), 0);
    assert.equal(r.observations, expected);
    const zones = (await db.query<{ zone: string | null }>('select distinct zone from observations')).rows.map((x) => x.zone);
    assert.ok(zones.every((z) => z === 'green' || z === 'yellow' || z === 'red'));
    const careTeams = (await db.query<{ n: number }>(`select count(distinct e.id)::int as n from episodes e join care_team ct on ct.episode_id = e.id where ct.organisation_id = $1`, [r.organisationId])).rows[0]!.n;
    assert.equal(careTeams, 40);
    const open = (await db.query<{ n: number }>(`select count(*)::int as n from alerts where status = 'open'`)).rows[0]!.n;
    assert.ok(open > 0, 'deteriorating patients have open alerts');
    await assert.rejects(loadCohort(db, { ...opts, clientId: 'sim-test' }), /already in the database/);
  });

  test('the live stream sends today over the ingest API; a second run stores nothing twice', async () => {
    const live = { ...opts, url: server.url, clientId: 'sim-test', clientSecret: 'sim-test-secret-123', rate: 1000, batchSize: 10, durationMs: 20_000 };
    const first = await streamLive(live);
    const today = [...cohort(opts)].filter((p) => sittingOn(p, opts.days, opts) !== null).length;
    assert.equal(first.readings, today);
    assert.equal(first.created, today);
    assert.equal(first.refused, 0);
    const again = await streamLive(live);
    assert.equal(again.created, 0);
    assert.equal(again.duplicates, today);
    // A loaded history day re-sent by a device is recognised as already stored.
    const p = simPatient(0, opts);
    const s = sittingsFor(p, opts).at(-1)!;
    const token = await (await fetch(`${server.url}/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sim-test', client_secret: 'sim-test-secret-123' }),
    })).json() as { access_token: string };
    const res = await fetch(`${server.url}/api/ingest/observations`, {
      method: 'POST', headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sentAt: new Date().toISOString(), readings: [{ readingId: s.readingId, patientIdentifier: p.identifier, effectiveAt: s.effectiveAt.toISOString(), measurements: s.measurements }] }),
    });
    const body = (await res.json()) as { results: { status: string }[] };
    assert.equal(body.results[0]!.status, 'duplicate');
  });
});
