import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PHQ9_SELF_HARM_ITEM, QUESTIONNAIRES, scoreQuestionnaire, severityFor } from './questionnaires.js';
import { SELF_HARM_ACTION, evaluateQuestionnaire } from './triage.js';
import { TEMPLATES } from './templates.js';
import { testPlan, tx } from './test-fixtures.js';

const allAnswers = (code: keyof typeof QUESTIONNAIRES, value: (i: number) => number): Record<string, number> =>
  Object.fromEntries(QUESTIONNAIRES[code].items.map((item, i) => [item.id, value(i)]));

describe('questionnaire definitions', () => {
  const shape: [keyof typeof QUESTIONNAIRES, number, number, number][] = [
    ['phq9', 9, 3, 27],
    ['gad7', 7, 3, 21],
    ['cat', 8, 5, 40],
    ['symptoms', 6, -1, 13],
  ];
  for (const [code, items, maxPerItem, maxScore] of shape) {
    test(`${code}: ${items} items, max ${maxScore}`, () => {
      const def = QUESTIONNAIRES[code];
      assert.equal(def.code, code);
      assert.equal(def.items.length, items);
      assert.equal(def.maxScore, maxScore);
      const sumOfMax = def.items.reduce((s, i) => s + Math.max(...i.options.map((o) => o.value)), 0);
      assert.equal(sumOfMax, maxScore);
      for (const item of def.items) {
        const values = item.options.map((o) => o.value);
        assert.equal(values[0], 0, item.id);
        values.forEach((v, i) => assert.equal(v, i, `${item.id} options are 0..n`));
        if (maxPerItem >= 0) assert.equal(Math.max(...values), maxPerItem, item.id);
        for (const lang of ['nb', 'nn', 'en'] as const) {
          assert.ok(item.text[lang].length > 3, `${item.id} ${lang}`);
          for (const o of item.options) assert.ok(o.text[lang].length > 0);
        }
      }
      assert.equal(new Set(def.items.map((i) => i.id)).size, items);
      assert.ok(def.source.length > 20);
      assert.equal(def.bands[def.bands.length - 1]?.upTo, maxScore);
    });
  }

  test('CAT items describe both ends of the scale', () => {
    const item = QUESTIONNAIRES.cat.items[0]!;
    assert.equal(item.text.nb, 'Jeg hoster aldri (0) … Jeg hoster hele tiden (5)');
    assert.equal(item.options[0]?.text.en, '0 – I never cough');
    assert.equal(item.options[5]?.text.nn, '5 – Eg hostar heile tida');
    assert.equal(item.options[2]?.text.nb, '2');
  });

  test('PHQ-9 item 9 is the self-harm item', () => {
    assert.equal(QUESTIONNAIRES.phq9.items[8]?.id, PHQ9_SELF_HARM_ITEM);
    assert.match(QUESTIONNAIRES.phq9.items[8]?.text.en ?? '', /better off dead/);
  });
});

describe('scoreQuestionnaire', () => {
  const bands: [keyof typeof QUESTIONNAIRES, number, string][] = [
    ['phq9', 4, 'None or minimal depression'],
    ['phq9', 5, 'Mild depression'],
    ['phq9', 9, 'Mild depression'],
    ['phq9', 10, 'Moderate depression'],
    ['phq9', 15, 'Moderately severe depression'],
    ['phq9', 20, 'Severe depression'],
    ['gad7', 4, 'None or minimal anxiety'],
    ['gad7', 5, 'Mild anxiety'],
    ['gad7', 10, 'Moderate anxiety'],
    ['gad7', 15, 'Severe anxiety'],
    ['cat', 9, 'Low impact'],
    ['cat', 10, 'Medium impact'],
    ['cat', 21, 'High impact'],
    ['cat', 31, 'Very high impact'],
    ['symptoms', 3, 'Symptoms about as usual'],
    ['symptoms', 4, 'More symptoms than usual'],
    ['symptoms', 8, 'Much worse symptoms than usual'],
  ];
  for (const [code, score, severity] of bands) {
    test(`${code} ${score} → ${severity}`, () => assert.equal(severityFor(code, score).en, severity));
  }

  test('sums all items', () => {
    assert.deepEqual(scoreQuestionnaire('phq9', allAnswers('phq9', () => 3)), {
      ok: true,
      value: {
        code: 'phq9', score: 27, maxScore: 27, severity: { nb: 'Alvorlige depressive symptomer', nn: 'Alvorlege depressive symptom', en: 'Severe depression' },
        missing: [], answers: allAnswers('phq9', () => 3),
      },
    });
    const gad = scoreQuestionnaire('gad7', allAnswers('gad7', (i) => i % 4));
    assert.ok(gad.ok);
    assert.equal(gad.value.score, 0 + 1 + 2 + 3 + 0 + 1 + 2);
    const cat = scoreQuestionnaire('cat', allAnswers('cat', (i) => (i < 4 ? 5 : 1)));
    assert.ok(cat.ok);
    assert.equal(cat.value.score, 24);
    assert.equal(cat.value.severity?.nb, 'Høy påvirkning av hverdagen');
  });

  const errors: [string, string, Record<string, number>, string, string, RegExp][] = [
    ['unknown questionnaire', 'bdi', {}, 'unknown_questionnaire', 'code', /bdi/],
    ['nothing answered', 'gad7', {}, 'missing_answer', 'answers.gad7-1', /GAD-7 – anxiety questionnaire: no item is answered/],
    ['value outside item options', 'phq9', { ...allAnswers('phq9', () => 0), 'phq9-2': 4 }, 'invalid_answer', 'answers.phq9-2', /item 2 \("phq9-2"\): 4 is not an allowed answer; allowed: 0, 1, 2, 3/],
    ['fractional value', 'cat', { ...allAnswers('cat', () => 0), 'cat-3': 2.5 }, 'invalid_answer', 'answers.cat-3', /2\.5/],
    ['symptom item with a CAT-range value', 'symptoms', { ...allAnswers('symptoms', () => 0), 'sym-cough': 3 }, 'invalid_answer', 'answers.sym-cough', /allowed: 0, 1, 2$/],
    ['unknown item', 'phq9', { ...allAnswers('phq9', () => 0), 'phq9-10': 1 }, 'unknown_item', 'answers.phq9-10', /"phq9-10" is not an item/],
  ];
  for (const [name, code, answers, errCode, field, message] of errors) {
    test(`error: ${name}`, () => {
      const r = scoreQuestionnaire(code, answers);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, errCode);
      assert.equal(r.error.field, field);
      assert.match(r.error.message, message);
    });
  }

  test('property: the score of any complete valid response is the sum of its answers and within 0..max', () => {
    const codes = Object.keys(QUESTIONNAIRES) as (keyof typeof QUESTIONNAIRES)[];
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.array(fc.double({ min: 0, max: 0.9999, noNaN: true }), { minLength: 9, maxLength: 9 }), (code, picks) => {
        const def = QUESTIONNAIRES[code];
        const answers = Object.fromEntries(def.items.map((item, i) => [item.id, item.options[Math.floor((picks[i] ?? 0) * item.options.length)]!.value]));
        const r = scoreQuestionnaire(code, answers);
        assert.ok(r.ok);
        assert.equal(r.value.score, Object.values(answers).reduce((a, b) => a + b, 0));
        assert.ok(r.value.score >= 0 && r.value.score <= def.maxScore);
      }),
    );
  });
});

describe('evaluateQuestionnaire', () => {
  const effectiveAt = new Date('2026-03-02T18:00:00Z');

  test('PHQ-9 item 9 > 0 is always red, even with a total of 1', () => {
    const answers = { ...allAnswers('phq9', () => 0), [PHQ9_SELF_HARM_ITEM]: 1 };
    const r = evaluateQuestionnaire({ plan: testPlan(), planVersion: 2, code: 'phq9', answers, responseId: 'qr1', effectiveAt });
    assert.ok(r.ok);
    assert.equal(r.value.score, 1);
    assert.equal(r.value.zone, 'red');
    assert.deepEqual(r.value.perObservation, [{ id: 'qr1', zone: 'red' }]);
    assert.deepEqual(
      r.value.findings.map((f) => [f.ruleId, f.kind, f.zone]),
      [['questionnaire:phq9:item9', 'questionnaire', 'red']],
    );
    assert.equal(
      r.value.findings[0]?.summary.nb,
      'PHQ-9 spørsmål 9 (tanker om død eller selvskading) besvart med «Flere dager» (1); sum 1 – vurder selvmordsrisiko samme dag (plan v2)',
    );
    assert.deepEqual(r.value.actions, SELF_HARM_ACTION);
    assert.match(SELF_HARM_ACTION.nb, /116 123/);
    assert.match(SELF_HARM_ACTION.nn, /113/);
  });

  test('item 9 rule applies even when PHQ-9 is not in the plan', () => {
    const plan = TEMPLATES.copd.definition;
    const answers = { ...allAnswers('phq9', () => 0), [PHQ9_SELF_HARM_ITEM]: 3 };
    const r = evaluateQuestionnaire({ plan, planVersion: 1, code: 'phq9', answers, responseId: 'qr2', effectiveAt });
    assert.ok(r.ok);
    assert.equal(r.value.zone, 'red');
    assert.deepEqual(r.value.findings.map((f) => f.ruleId), ['questionnaire:phq9:item9']);
  });

  test('high total with item 9 = 0 gives the threshold finding and the plan text', () => {
    const answers = { ...allAnswers('phq9', () => 3), [PHQ9_SELF_HARM_ITEM]: 0 };
    const r = evaluateQuestionnaire({ plan: testPlan(), planVersion: 1, code: 'phq9', answers, responseId: 'qr3', effectiveAt });
    assert.ok(r.ok);
    assert.equal(r.value.score, 24);
    assert.equal(r.value.zone, 'red');
    assert.deepEqual(r.value.findings.map((f) => f.ruleId), ['questionnaire:phq9']);
    assert.deepEqual(r.value.actions, tx('phq9 red'));
    assert.deepEqual(r.value.observation, { id: 'qr3', code: 'phq9', value: 24, unit: '{score}', effectiveAt });
  });

  test('both findings when the total is red and item 9 is positive', () => {
    const r = evaluateQuestionnaire({ plan: testPlan(), planVersion: 1, code: 'phq9', answers: allAnswers('phq9', () => 3), responseId: 'qr4', effectiveAt });
    assert.ok(r.ok);
    assert.deepEqual(r.value.findings.map((f) => f.ruleId), ['questionnaire:phq9', 'questionnaire:phq9:item9']);
  });

  test('moderate total → yellow; low → green', () => {
    const yellow = evaluateQuestionnaire({ plan: testPlan(), planVersion: 1, code: 'phq9', answers: allAnswers('phq9', (i) => (i < 6 ? 2 : 0)), responseId: 'a', effectiveAt });
    assert.ok(yellow.ok);
    assert.equal(yellow.value.zone, 'yellow');
    const green = evaluateQuestionnaire({ plan: testPlan(), planVersion: 1, code: 'phq9', answers: allAnswers('phq9', () => 0), responseId: 'b', effectiveAt });
    assert.ok(green.ok);
    assert.equal(green.value.zone, 'green');
    assert.deepEqual(green.value.findings, []);
    assert.deepEqual(green.value.actions, tx('phq9 green'));
  });

  test('invalid responses are not evaluated', () => {
    const r = evaluateQuestionnaire({ plan: testPlan(), planVersion: 1, code: 'phq9', answers: { 'phq9-1': 7 }, responseId: 'c', effectiveAt });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'invalid_answer');
  });
});
