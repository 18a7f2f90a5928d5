import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TEMPLATES } from '../../domain/templates.js';
import { TEST_PLAN } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

// The small test plan plus the mental-health questionnaires (PHQ-9 and GAD-7 with their limits).
const env = useTestServer({ plan: { ...TEST_PLAN, questionnaires: TEMPLATES.mental_health.definition.questionnaires } });

const { call, count } = env;
const phq9 = (values: number[]) => Object.fromEntries(values.map((v, i) => [`phq9-${i + 1}`, v]));

describe('questionnaire texts', () => {
  test('any logged-in user gets the items in nb/nn/en; unknown codes are 404', async () => {
    const r = await call('GET', '/api/questionnaires/phq9', env.c.patient);
    assert.equal(r.status, 200);
    const items = r.body!.items as { id: string; text: { nb: string; nn: string; en: string }; options: unknown[] }[];
    assert.equal(items.length, 9);
    assert.ok(items[0]!.text.nb && items[0]!.text.nn && items[0]!.text.en);
    assert.equal(items[0]!.options.length, 4);
    assert.equal((await call('GET', '/api/questionnaires/phq9', env.c.nurseA)).status, 200);
    assert.equal((await call('GET', '/api/questionnaires/nope', env.c.patient)).status, 404);
    assert.equal((await call('GET', '/api/questionnaires/phq9', null)).status, 401);
  });
});

describe('patient answers a questionnaire', () => {
  test('a moderate PHQ-9 is stored as a response and a score observation, raises a yellow alert and is audited', async () => {
    const r = await call('POST', '/api/me/questionnaires/phq9', env.c.patient, { idempotencyKey: 'phq9-answer-0001', answers: phq9([2, 2, 2, 2, 1, 1, 1, 1, 0]) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const response = r.body!.response as { score: number; zone: string; maxScore: number; severity: { nb: string } };
    assert.equal(response.score, 12);
    assert.equal(response.maxScore, 27);
    assert.equal(response.zone, 'yellow');
    assert.match(response.severity.nb, /Moderate/);
    const fb = r.body!.feedback as { zone: string; action: string };
    assert.equal(fb.zone, 'yellow');
    assert.ok(fb.action.length > 10);

    const rows = (await env.db.query<{ score: number; zone: string; plan_version: number }>('select score, zone, plan_version from questionnaire_responses where patient_id = $1', [env.f.patient.id])).rows;
    assert.deepEqual(rows, [{ score: 12, zone: 'yellow', plan_version: 1 }]);
    const obs = (await env.db.query<{ code: string; value: number; unit: string; zone: string }>('select code, value, unit, zone from observations where patient_id = $1', [env.f.patient.id])).rows;
    assert.deepEqual(obs, [{ code: 'phq9', value: 12, unit: '{score}', zone: 'yellow' }]);
    const alerts = (await env.db.query<{ rule_id: string; zone: string; findings: { values: { observationId: string }[] }[] }>('select rule_id, zone, findings from alerts where patient_id = $1', [env.f.patient.id])).rows;
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.rule_id, 'questionnaire:phq9');
    assert.equal(alerts[0]!.zone, 'yellow');
    assert.equal(alerts[0]!.findings[0]!.values[0]!.observationId, (r.body!.observation as { id: string }).id);
    assert.equal(await count(`audit_events where patient_id = $1 and action = 'create' and resource_type = 'QuestionnaireResponse'`, [env.f.patient.id]), 1);
  });

  test('the same idempotency key again stores nothing new and gives the same answer', async () => {
    const before = [await count('questionnaire_responses'), await count('observations')];
    const r = await call('POST', '/api/me/questionnaires/phq9', env.c.patient, { idempotencyKey: 'phq9-answer-0001', answers: phq9([2, 2, 2, 2, 1, 1, 1, 1, 0]) });
    assert.equal(r.status, 200);
    assert.equal(r.body!.replayed, true);
    assert.deepEqual([await count('questionnaire_responses'), await count('observations')], before);
    assert.equal((r.body!.feedback as { zone: string }).zone, 'yellow');
    assert.equal((await env.db.query<{ occurrences: number }>('select occurrences from alerts where patient_id = $1', [env.f.patient.id])).rows[0]!.occurrences, 1);
  });

  test('thoughts of self-harm (item 9) give red feedback with the crisis text and a red alert, whatever the total', async () => {
    const r = await call('POST', '/api/me/questionnaires/phq9', env.c.patient, { idempotencyKey: 'phq9-answer-0002', answers: phq9([0, 0, 0, 0, 0, 0, 0, 0, 1]) });
    assert.equal(r.status, 201);
    const fb = r.body!.feedback as { zone: string; action: string };
    assert.equal(fb.zone, 'red');
    assert.match(fb.action, /116 123/);
    const item9 = (await env.db.query<{ zone: string }>(`select zone from alerts where rule_id = 'questionnaire:phq9:item9'`)).rows;
    assert.deepEqual(item9, [{ zone: 'red' }]);
    const wl = await call('GET', '/api/worklist', env.c.nurseA);
    assert.equal((wl.body!.items as { status: string }[])[0]!.status, 'red');
  });

  test('two unanswered items are refused with the items named, and nothing is stored', async () => {
    const before = await count('questionnaire_responses');
    const answers = phq9([1, 1, 1, 1, 1, 1, 1, 1, 0]);
    delete answers['phq9-3'];
    delete answers['phq9-5'];
    const r = await call('POST', '/api/me/questionnaires/phq9', env.c.patient, { idempotencyKey: 'phq9-answer-0003', answers });
    assert.equal(r.status, 422);
    const err = r.body!.error as { code: string; fields: Record<string, string> };
    assert.equal(err.code, 'missing_answer');
    assert.ok(err.fields['answers.phq9-3']);
    assert.ok(err.fields['answers.phq9-5']);
    const bad = await call('POST', '/api/me/questionnaires/phq9', env.c.patient, { idempotencyKey: 'phq9-answer-0004', answers: phq9([1, 1, 1, 1, 1, 1, 1, 1, 7]) });
    assert.equal(bad.status, 422);
    assert.equal((bad.body!.error as { code: string }).code, 'invalid_answer');
    assert.equal((await call('POST', '/api/me/questionnaires/nope', env.c.patient, { idempotencyKey: 'phq9-answer-0005', answers: {} })).status, 404);
    assert.equal(await count('questionnaire_responses'), before);
  });

  test('one unanswered item: the total is prorated and item 9 is never lost', async () => {
    const answers = phq9([1, 1, 1, 1, 1, 1, 1, 1, 2]);
    delete answers['phq9-3'];
    const before = (await env.db.query<{ occurrences: number }>(`select occurrences from alerts where rule_id = 'questionnaire:phq9:item9'`)).rows[0]?.occurrences ?? 0;
    const r = await call('POST', '/api/me/questionnaires/phq9', env.c.patient, { idempotencyKey: 'phq9-answer-0006', answers });
    assert.equal(r.status, 201);
    // Mean of the 8 answered items (9/8) × 9 items, not rounded (PROMIS/SF-36 style prorating).
    assert.equal((r.body!.response as { score: number }).score, (9 * 9) / 8);
    assert.equal((r.body!.feedback as { zone: string }).zone, 'red');
    const after = (await env.db.query<{ occurrences: number; zone: string }>(`select occurrences, zone from alerts where rule_id = 'questionnaire:phq9:item9'`)).rows[0]!;
    assert.equal(after.zone, 'red');
    assert.equal(after.occurrences, before + 1);
  });

  test('an answer given offline keeps the time it was given', async () => {
    const at = new Date(Date.now() - 2 * 3600_000).toISOString();
    const answers = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((i) => [`gad7-${i}`, 1]));
    const r = await call('POST', '/api/me/questionnaires/gad7', env.c.patient, { idempotencyKey: 'gad7-answer-0001', effectiveAt: at, answers });
    assert.equal(r.status, 201);
    assert.equal((r.body!.response as { effectiveAt: string }).effectiveAt, at);
    assert.equal((r.body!.observation as { effectiveAt: string; value: number }).effectiveAt, at);
  });

  test('personnel cannot answer as the patient through /api/me', async () => {
    assert.equal((await call('POST', '/api/me/questionnaires/phq9', env.c.nurseA, { idempotencyKey: 'phq9-answer-0009', answers: phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]) })).status, 403);
  });
});

describe('the clinic reads the answers', () => {
  test('the care team sees each answer with its text; others are refused', async () => {
    const r = await call('GET', `/api/patients/${env.f.patient.id}/questionnaire-responses?code=phq9`, env.c.nurseA);
    assert.equal(r.status, 200);
    const responses = r.body!.responses as { score: number; answers: { itemId: string; value: number; answerText: { nb: string } }[] }[];
    assert.equal(responses.length, 3);
    const selfHarm = responses.map((x) => x.answers.find((a) => a.itemId === 'phq9-9')!).find((a) => a.value === 1)!;
    assert.equal(selfHarm.value, 1);
    assert.equal(selfHarm.answerText.nb, 'Flere dager');
    assert.equal((await call('GET', `/api/patients/${env.f.patient.id}/questionnaire-responses`, env.c.nurseB)).status, 403);
  });
});
