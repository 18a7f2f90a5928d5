import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registerClient } from '../auth/clients.js';
import type { Ctx } from '../context.js';
import { submitShared } from '../ingest/group.js';
import { countRows, useTestServer } from '../testing/server.js';
import { IDEMPOTENCY_SYSTEM } from './mappers.js';

/*
 * FHIR writes on ingest's group commit (ingest/group.ts): concurrent creates of one client share
 * a transaction and one storeSittings, yet each is answered on its own, and a transaction Bundle
 * stays all or nothing. Correctness only; speed is in bench/.
 */

let token: string;
const env = useTestServer({
  setup: async () => {
    const gw = await registerClient(env.db, { clientId: 'gw-group', name: 'Gateway', organisationId: env.f.orgs.muniA, scopes: ['observation.write'] });
    const res = await env.server.app.inject({
      method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: gw.clientId, client_secret: gw.clientSecret, scope: 'observation.write' }).toString(),
    });
    token = (JSON.parse(res.body) as { access_token: string }).access_token;
  },
});

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function spo2(key: string, value: number, patientId = env.f.patient.id) {
  return {
    resourceType: 'Observation', status: 'final',
    identifier: [{ system: IDEMPOTENCY_SYSTEM, value: key }],
    code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: ago(60_000),
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: { entry?: { response: { status: string; location?: string } }[]; issue?: { diagnostics?: string }[] } }> {
  const res = await env.server.app.inject({
    method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : {} };
}

describe('FHIR writes share ingest\'s group commit', () => {
  test('concurrent single creates are each answered on their own; a conflicting one fails alone', async () => {
    assert.equal((await post('/fhir/Observation', spo2('grp-taken', 97))).status, 201);
    const before = await countRows(env.db, 'observations');
    const bodies = [
      ...Array.from({ length: 10 }, (_, i) => spo2(`grp-${i}`, 90 + i)),
      spo2('grp-taken', 88), // same idempotency key, other value: 409
    ];
    const answers = await Promise.all(bodies.map((b) => post('/fhir/Observation', b)));
    assert.deepEqual(answers.map((a) => a.status), [...Array(10).fill(201), 409]);
    assert.equal(await countRows(env.db, 'observations'), before + 10);
    assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [bodies.slice(0, 10).map((b) => `${IDEMPOTENCY_SYSTEM}|${b.identifier[0]!.value}`)]), 10);
    // Triaged as one by one: zones by the fixture plan, one audit record per created reading.
    const zones = (await env.db.query<{ value: number; zone: string | null }>(
      `select value, zone from observations where idempotency_key like 'grp-%' and idempotency_key <> 'grp-taken' order by value`)).rows;
    assert.equal(zones.length, 10);
    assert.ok(zones.every((z) => z.zone !== null), JSON.stringify(zones));
    assert.equal(await countRows(env.db, `audit_events where action = 'create' and resource_type = 'Observation' and actor_id = 'gw-group' and details->'ids' is not null`), 11);
  });

  test('a transaction Bundle stays all or nothing next to another one in the same shared transaction', async () => {
    assert.equal((await post('/fhir/Observation', spo2('tx-taken', 96))).status, 201);
    const bundle = (keys: string[], values: number[]) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: keys.map((k, i) => ({ resource: spo2(k, values[i]!), request: { method: 'POST', url: 'Observation' } })),
    });
    const good = bundle(['tx-a1', 'tx-a2', 'tx-a3'], [95, 94, 93]);
    // Its last entry re-uses a key with another value: the whole Bundle is refused.
    const bad = bundle(['tx-b1', 'tx-b2', 'tx-taken'], [95, 94, 80]);
    const [g, b] = await Promise.all([post('/fhir', good), post('/fhir', bad)]);
    assert.equal(g.status, 200, JSON.stringify(g.body));
    assert.deepEqual(g.body.entry!.map((e) => e.response.status.slice(0, 3)), ['201', '201', '201']);
    assert.equal(b.status, 409, JSON.stringify(b.body));
    assert.match(b.body.issue![0]!.diagnostics!, /Entry 2/);
    assert.equal(await countRows(env.db, `observations where idempotency_key in ('tx-a1', 'tx-a2', 'tx-a3')`), 3);
    assert.equal(await countRows(env.db, `observations where idempotency_key in ('tx-b1', 'tx-b2')`), 0);
    assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [[`${IDEMPOTENCY_SYSTEM}|tx-b1`, `${IDEMPOTENCY_SYSTEM}|tx-b2`]]), 0);
  });

  test('a transaction Bundle naming one identifier twice stores it once: the second entry reads what the first wrote', async () => {
    // The group reads twins once before staging (fhir/write-batch.ts); an identifier written by the
    // group must be read again, or the second entry would be stored as a second resource.
    const withId = (value: number) => ({ ...spo2('unused', value), identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.9999', value: 'twice-1' }] });
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      // One resource sent twice: two calls of withId could differ in effectiveDateTime (ago() at another millisecond).
      entry: [withId(94)].flatMap((r) => [r, r]).map((r) => ({ resource: r, request: { method: 'POST', url: 'Observation' } })),
    };
    const [r, other] = await Promise.all([post('/fhir', bundle), post('/fhir/Observation', spo2('twice-other', 95))]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(other.status, 201);
    assert.deepEqual(r.body.entry!.map((e) => e.response.status.slice(0, 3)), ['201', '200']);
    assert.equal(r.body.entry![0]!.response.location, r.body.entry![1]!.response.location);
    assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [['urn:oid:2.16.578.1.12.4.1.9999|twice-1']]), 1);
    // Same identifier, other content, in one Bundle: a conflict, and nothing of it is stored.
    const conflict = { ...bundle, entry: [withId(93), withId(92)].map((x) => ({ resource: { ...x, identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.9999', value: 'twice-2' }] }, request: { method: 'POST', url: 'Observation' } })) };
    const c = await post('/fhir', conflict);
    assert.equal(c.status, 409, JSON.stringify(c.body));
    assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [['urn:oid:2.16.578.1.12.4.1.9999|twice-2']]), 0);
  });

  test('a batch Bundle is written in one shared transaction when every entry succeeds, else entry by entry', async () => {
    const ident = (v: string) => [{ system: 'urn:oid:2.16.578.1.12.4.1.9999', value: v }];
    const batch = (resources: unknown[]) => ({ resourceType: 'Bundle', type: 'batch', entry: resources.map((r) => ({ resource: r, request: { method: 'POST', url: 'Observation' } })) });
    // All good, one identifier twice: the second entry is the first one sent again (200), as one by one.
    // The same object twice: two spo2() calls could differ in effectiveDateTime (ago() at another millisecond): a 409.
    const twice = { ...spo2('b-1', 95), identifier: ident('b-twice') };
    const ok = await post('/fhir', batch([twice, twice, spo2('b-2', 94)]));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.entry!.map((e) => e.response.status.slice(0, 3)), ['201', '200', '201']);
    assert.equal(ok.body.entry![0]!.response.location, ok.body.entry![1]!.response.location);
    assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [['urn:oid:2.16.578.1.12.4.1.9999|b-twice']]), 1);
    // One entry conflicts with a stored resource: it alone fails, the others are stored.
    const mixed = await post('/fhir', batch([spo2('b-3', 93), { ...spo2('b-4', 80), identifier: ident('b-twice') }, spo2('b-5', 92)]));
    assert.deepEqual(mixed.body.entry!.map((e) => e.response.status.slice(0, 3)), ['201', '409', '201']);
    assert.equal(await countRows(env.db, `observations where idempotency_key in ('b-3', 'b-5')`), 2);
  });

  test('a transaction Bundle for two patients, one without care relation, is refused whole; the refusal is audited', async () => {
    const deniedBefore = await countRows(env.db, `audit_events where outcome = 'denied' and patient_id = $1`, [env.f.otherPatient.id]);
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [spo2('two-pat-1', 95), spo2('two-pat-2', 94, env.f.otherPatient.id), spo2('two-pat-3', 93)]
        .map((r) => ({ resource: r, request: { method: 'POST', url: 'Observation' } })),
    };
    const r = await post('/fhir', bundle);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.match(r.body.issue![0]!.diagnostics!, /Entry 1/);
    assert.equal(await countRows(env.db, `observations where idempotency_key like 'two-pat-%'`), 0);
    assert.equal(await countRows(env.db, `audit_events where outcome = 'denied' and patient_id = $1`, [env.f.otherPatient.id]), deniedBefore + 1);
  });

  test('concurrent single creates share one access check; a patient without care relation is refused (audited), the others stored', async () => {
    const deniedBefore = await countRows(env.db, `audit_events where outcome = 'denied' and patient_id = $1`, [env.f.otherPatient.id]);
    const bodies = [
      ...Array.from({ length: 5 }, (_, i) => spo2(`acc-${i}`, 90 + i)),
      spo2('acc-other-1', 91, env.f.otherPatient.id),
      spo2('acc-other-2', 92, env.f.otherPatient.id),
    ];
    const answers = await Promise.all(bodies.map((b) => post('/fhir/Observation', b)));
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 201, 201, 403, 403]);
    assert.equal(await countRows(env.db, `observations where idempotency_key like 'acc-%'`), 5);
    assert.equal(await countRows(env.db, `audit_events where outcome = 'denied' and patient_id = $1`, [env.f.otherPatient.id]), deniedBefore + 2);
  });

  test('when the write of a group fails, its creates are redone one by one: the others commit, the failed one leaves nothing', async () => {
    const tokens = (keys: string[]) => keys.map((k) => `${IDEMPOTENCY_SYSTEM}|${k}`);
    // A resource row the database refuses fails the whole group's write (every other create of the
    // group fails with it, and until round 23 their failures went unhandled: the process ended).
    await env.db.exec(`create or replace function fold_probe_refuse() returns trigger language plpgsql as $$
      begin
        if new.identifiers @> array['${IDEMPOTENCY_SYSTEM}|fold-bad'] then raise exception 'fold probe refuses this resource'; end if;
        return new;
      end $$`);
    await env.db.exec('create trigger fold_probe before insert on fhir_resources for each row execute function fold_probe_refuse()');
    try {
      const more = ['fold-a', 'fold-b', 'fold-bad', 'fold-c'];
      const second = await Promise.all(more.map((k, i) => post('/fhir/Observation', spo2(k, 92 + i))));
      assert.deepEqual(second.map((a) => a.status === 201), [true, true, false, true], JSON.stringify(second.map((a) => a.status)));
      assert.equal(await countRows(env.db, `observations where idempotency_key = 'fold-bad'`), 0);
      assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [tokens(['fold-bad'])]), 0);
      assert.equal(await countRows(env.db, `observations where idempotency_key in ('fold-a', 'fold-b', 'fold-c')`), 3);
      assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [tokens(['fold-a', 'fold-b', 'fold-c'])]), 3);
      // Bundles beside each other in one group: a batch answers the refused entry alone, a
      // transaction is refused whole, and a Bundle without it is written.
      const bundle = (type: string, keys: string[]) => ({
        resourceType: 'Bundle', type, entry: keys.map((k, i) => ({ resource: spo2(k, 90 + i), request: { method: 'POST', url: 'Observation' } })),
      });
      const [b, t, ok] = await Promise.all([
        post('/fhir', bundle('batch', ['fold-b1', 'fold-bad', 'fold-b2'])),
        post('/fhir', bundle('transaction', ['fold-t1', 'fold-bad', 'fold-t2'])),
        post('/fhir', bundle('transaction', ['fold-t3', 'fold-t4'])),
      ]);
      assert.equal(b.status, 200, JSON.stringify(b.body));
      // The refused entry is a server error of that entry alone (FHIR batch semantics), not the Bundle's.
      assert.deepEqual(b.body.entry!.map((e) => e.response.status.slice(0, 3)), ['201', '500', '201']);
      assert.ok(t.status >= 400, JSON.stringify(t.body));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(await countRows(env.db, `observations where idempotency_key in ('fold-b1', 'fold-b2', 'fold-t3', 'fold-t4')`), 4);
      assert.equal(await countRows(env.db, `observations where idempotency_key in ('fold-bad', 'fold-t1', 'fold-t2')`), 0);
      assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [tokens(['fold-bad', 'fold-t1', 'fold-t2'])]), 0);
    } finally {
      await env.db.exec('drop trigger fold_probe on fhir_resources');
    }
  });

  test('writes submitted together share one transaction; one that throws is redone alone and the others commit', async () => {
    await env.db.exec('create table if not exists group_probe (job int primary key, txid bigint not null)');
    const ctx = { db: env.db, actor: { kind: 'client', clientId: 'gw-group', organisationId: env.f.orgs.muniA, scopes: [] }, now: () => new Date(), route: 'probe' } as unknown as Ctx;
    const seen: { job: number; txid: string }[] = [];
    const jobs = Array.from({ length: 6 }, (_, i) => submitShared(ctx, async (tx) => {
      const t = (await tx.query<{ txid: string }>('select txid_current()::text as txid')).rows[0]!.txid;
      seen.push({ job: i, txid: t });
      await tx.query('insert into group_probe (job, txid) values ($1, $2)', [i, t]);
      if (i === 4) throw new Error('job 4 fails');
      return { now: i };
    }));
    const settled = await Promise.allSettled(jobs);
    assert.deepEqual(settled.map((s) => (s.status === 'fulfilled' ? s.value : 'failed')), [0, 1, 2, 3, 'failed', 5]);
    assert.match(String((settled[4] as PromiseRejectedResult).reason), /job 4 fails/);
    const rows = (await env.db.query<{ job: number }>('select job from group_probe order by job')).rows;
    assert.deepEqual(rows.map((r) => r.job), [0, 1, 2, 3, 5]);
    // Submitted in one go, several ran in one transaction (PGlite: all six after the short wait;
    // PostgreSQL: the first at once, the rest together once it has committed), then each again alone after job 4 threw.
    const perTx = new Map<string, number>();
    for (const s of seen) perTx.set(s.txid, (perTx.get(s.txid) ?? 0) + 1);
    assert.ok(Math.max(...perTx.values()) >= 2, JSON.stringify(seen));
  });

  test('PostgreSQL: a Bundle-sized write starts a second group beside a running one; single creates wait for the next (PGlite: one at a time)', async () => {
    const ctx = { db: env.db, actor: { kind: 'client', clientId: 'gw-group', organisationId: env.f.orgs.muniA, scopes: [] }, now: () => new Date(), route: 'probe-2' } as unknown as Ctx;
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = (name: string, size: number, wait?: Promise<void>) => submitShared(ctx, async () => {
      started.push(name);
      await wait;
      return { now: name };
    }, undefined, size);
    /** Waits until `started` has `n` entries (at most 10 s: a loaded machine), then returns a copy. */
    const startedWhen = async (n: number) => {
      for (let i = 0; i < 1000 && started.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return [...started];
    };
    const first = job('first', 1, gate);
    await startedWhen(1);
    const small = job('small', 1);
    const big = job('bundle', 100);
    // PostgreSQL: both start while the first holds its transaction open. PGlite: nothing starts
    // beside the first however long it runs (a quarter of a second here).
    const running = env.db.kind === 'postgres' ? await startedWhen(3) : await new Promise<string[]>((r) => setTimeout(() => r([...started]), 250));
    release();
    await Promise.all([first, small, big]);
    if (env.db.kind === 'postgres') assert.deepEqual(running, ['first', 'small', 'bundle'], 'the waiting Bundle-sized write (with the small one ahead of it) started beside the first');
    else assert.deepEqual(running, ['first']);
    // One create waiting alone does not start a group beside a running one.
    started.length = 0;
    let release2!: () => void;
    const gate2 = new Promise<void>((r) => (release2 = r));
    const a = job('a', 1, gate2);
    await startedWhen(1);
    const b = job('b', 1);
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual([...started], ['a']);
    release2();
    await Promise.all([a, b]);
    assert.deepEqual(started, ['a', 'b']);
  });

  test('concurrent transaction Bundles of one client sending the same readings again store each once, whichever group writes it first', async () => {
    const at = ago(120_000);
    const bundle = (from: number) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: Array.from({ length: 20 }, (_, k) => ({ resource: { ...spo2(`par-${from + k}`, 90 + ((from + k) % 8)), effectiveDateTime: at }, request: { method: 'POST', url: 'Observation' } })),
    });
    // Six Bundles, each overlapping the next by half: 70 distinct readings, 50 of them sent twice.
    const answers = await Promise.all([0, 10, 20, 30, 40, 50].map((from) => post('/fhir', bundle(from))));
    assert.deepEqual(answers.map((a) => a.status), Array(6).fill(200), JSON.stringify(answers.find((a) => a.status !== 200)?.body));
    for (const a of answers) assert.ok(a.body.entry!.every((e) => /^20[01]/.test(e.response.status)));
    assert.equal(await countRows(env.db, `observations where idempotency_key like 'par-%'`), 70);
    assert.equal(await countRows(env.db, `fhir_resources where identifiers && $1::text[]`, [Array.from({ length: 70 }, (_, i) => `${IDEMPOTENCY_SYSTEM}|par-${i}`)]), 70);
    assert.equal(answers.flatMap((a) => a.body.entry!).filter((e) => e.response.status.startsWith('201')).length, 70);
  });

  test('a device\'s own observation (PHD time stamp) is stored and audited with the group\'s writes; entries naming it after it see it', async () => {
    const dev = { fullUrl: 'urn:uuid:6a1f3c2e-0000-4000-8000-00000000d001', resource: { resourceType: 'Device', serialNumber: 'GRP-CUFF-1', identifier: [{ system: 'urn:varde:device-serial', value: 'GRP-CUFF-1' }] }, request: { method: 'POST', url: 'Device', ifNoneExist: 'identifier=urn:varde:device-serial|GRP-CUFF-1' } };
    const stamp = (value: string, ident = 'grp-cts-1') => ({
      resourceType: 'Observation', status: 'final', identifier: [{ system: 'urn:example:phg', value: ident }],
      code: { coding: [{ system: 'urn:iso:std:iso:11073:10101', code: '67975' }] },
      subject: { reference: dev.fullUrl }, effectiveDateTime: ago(60_000), valueDateTime: value,
    });
    const tx = (entries: object[]) => ({ resourceType: 'Bundle', type: 'transaction', entry: entries.map((r) => ('request' in r ? r : { resource: r, request: { method: 'POST', url: 'Observation' } })) });
    const at = ago(61_000);
    const auditsBefore = await countRows(env.db, `audit_events where resource_type = 'Observation' and details->>'triage' = 'none'`);
    // Readings around the stamp, a second Bundle beside it, and the stamp again at the end (the same: 200).
    const [one, two] = await Promise.all([
      post('/fhir', tx([dev, spo2('cts-a1', 95), stamp(at), spo2('cts-a2', 94), stamp(at)])),
      post('/fhir', tx([spo2('cts-b1', 96)])),
    ]);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.entry!.map((e) => e.response.status.slice(0, 3)), ['201', '201', '201', '201', '200']);
    assert.equal(one.body.entry![4]!.response.location, one.body.entry![2]!.response.location);
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.equal(await countRows(env.db, `fhir_resources where identifiers && array['urn:example:phg|grp-cts-1'] and patient_id is null and triage = 'none'`), 1);
    assert.equal(await countRows(env.db, `observations where idempotency_key in ('cts-a1', 'cts-a2', 'cts-b1') and zone is not null`), 3);
    assert.equal(await countRows(env.db, `audit_events where resource_type = 'Observation' and details->>'triage' = 'none'`), auditsBefore + 1);
    // Other content under a stamp's identifier later in the same transaction: refused whole (409), nothing kept.
    const before = await countRows(env.db, 'fhir_resources');
    const bad = await post('/fhir', tx([dev, stamp(ago(1_000), 'grp-cts-2'), spo2('cts-c1', 93), stamp(ago(2_000), 'grp-cts-2')]));
    assert.equal(bad.status, 409, JSON.stringify(bad.body));
    assert.equal(await countRows(env.db, 'fhir_resources'), before);
    assert.equal(await countRows(env.db, `observations where idempotency_key = 'cts-c1'`), 0);
  });
});
