import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

const env = useTestServer();

const get = async (url: string, cookie: string) => {
  const res = await env.server.app.inject({ method: 'GET', url, headers: { cookie } });
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
};

test('personnel list the diagnosis templates with their sources', async () => {
  const r = await get('/api/templates', env.c.gp);
  assert.equal(r.status, 200);
  const t = r.body.templates as { code: string; title: { nb: string }; source: string; diagnoses: { code: string }[] }[];
  assert.deepEqual(t.map((x) => x.code), ['copd', 'heart_failure', 'diabetes', 'mental_health', 'cancer']);
  assert.ok(t.every((x) => x.source.length > 10 && x.diagnoses.length > 0));
  assert.equal((await get('/api/templates', env.c.patient)).status, 403);
});

test('several templates merge into one plan that passes plan validation', async () => {
  const r = await get('/api/templates/plan?codes=copd,heart_failure', env.c.gp);
  assert.equal(r.status, 200);
  const def = r.body.definition as { measures: { code: string }[]; trendRules: { id: string }[]; news2: { scale: number } };
  assert.ok(def.measures.some((m) => m.code === 'weight') && def.measures.some((m) => m.code === 'resp_rate'));
  assert.deepEqual(def.trendRules.map((x) => x.id), ['spo2-fall', 'cat-rise', 'weight-rise']);
  assert.equal(def.news2.scale, 2);
  // The merged plan is accepted as a draft as it is.
  const draft = await env.server.app.inject({
    method: 'POST', url: `/api/patients/${env.f.patient.id}/plans`, headers: { cookie: env.c.gp, 'content-type': 'application/json' }, payload: JSON.stringify({ definition: def }),
  });
  assert.equal(draft.statusCode, 201, draft.body);
  const bad = await get('/api/templates/plan?codes=copd,nope', env.c.gp);
  assert.equal(bad.status, 400);
  assert.equal((await get('/api/templates/plan?codes=', env.c.gp)).status, 400);
});
