import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ctx } from '../context.js';
import { checkSitting, type CheckedSitting } from '../observations/service.js';
import { deviceClientCtx } from '../testing/ctx.js';
import { useTestServer } from '../testing/server.js';
import { submitUpload, type Upload, type UploadOutcome } from './combiner.js';

let ctx: Ctx;

const env = useTestServer({
  noServer: true,
  setup: async () => {
    ctx = deviceClientCtx(env.db, env.f.orgs.muniA, 'combiner-gw');
  },
});

function upload(patient: Upload['readings'][number]['patient'], key: string, spo2: number, minutesAgo: number, sitting?: CheckedSitting): Upload {
  const s = sitting ?? checkSitting(ctx, { effectiveAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(), measurements: [{ code: 'spo2', value: spo2 }] });
  return { readings: [{ patient, idempotencyKey: key, sitting: s }], clockOffsetMs: 12 };
}

const stored = (o: UploadOutcome) => {
  assert.ok(o.ok, 'stored');
  return o.stored;
};

test('concurrent uploads share transactions but keep their own results; refusals and failures stay with their upload', async () => {
  const me = { id: env.f.patient.id };
  // A write that fails inside the transaction (the database rejects the time), after access passed.
  const broken = upload(me, 'cmb-broken', 95, 0, { effectiveAt: new Date(Number.NaN), measurements: [{ code: 'spo2', value: 95, unit: '%' }] });
  // Municipality A's client has no care relation to municipality B's patient.
  const foreign = upload({ identifier: env.f.otherPatient.identifier }, 'cmb-foreign', 95, 30);
  const jobs = Array.from({ length: 9 }, (_, i) => (i === 3 ? broken : i === 6 ? foreign : upload(me, `cmb-${i}`, i % 2 ? 85 : 95, 60 - i)));
  const settled = await Promise.allSettled(jobs.map((j) => submitUpload(ctx, j)));
  settled.forEach((s, i) => {
    if (i === 3) return assert.equal(s.status, 'rejected');
    assert.equal(s.status, 'fulfilled', String(s.status === 'rejected' ? s.reason : ''));
    const o = (s as PromiseFulfilledResult<UploadOutcome>).value;
    if (i === 6) return assert.deepEqual(o, { ok: false, refused: [{ index: 0, patientId: env.f.otherPatient.id }] });
    const [r] = stored(o);
    assert.equal(r!.replayed, false);
    assert.equal(r!.observations[0]!.idempotency_key, `cmb-${i}`);
    assert.equal(r!.observations[0]!.device_clock_offset_ms, 12);
    assert.equal(r!.observations[0]!.zone, i % 2 ? 'red' : 'green');
  });
  const n = (await env.db.query<{ n: number }>(`select count(*)::int as n from observations where idempotency_key like 'cmb-%'`)).rows[0]!.n;
  assert.equal(n, 7);
  const alert = (await env.db.query<{ occurrences: number }>(`select occurrences from alerts where patient_id = $1 and rule_id = 'threshold:spo2'`, [env.f.patient.id])).rows[0]!;
  assert.equal(alert.occurrences, 3);
  const audits = (await env.db.query<{ n: number }>(`select count(*)::int as n from audit_events where actor_id = 'combiner-gw' and action = 'create'`)).rows[0]!.n;
  assert.equal(audits, 7);
});

test('the same reading in two concurrent uploads is stored once: one created, the others duplicates', async () => {
  const results = await Promise.all([0, 1, 2].map(() => submitUpload(ctx, upload({ identifier: env.f.patient.identifier }, 'cmb-same', 93, 5))));
  assert.deepEqual(results.map((r) => stored(r)[0]!.replayed).sort(), [false, true, true]);
  assert.equal(new Set(results.map((r) => stored(r)[0]!.observations[0]!.id)).size, 1);
});
