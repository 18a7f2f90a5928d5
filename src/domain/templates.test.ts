import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Thresholds, PlanDefinitionSchema, ThresholdsSchema, validatePlan } from './plan.js';
import { TEMPLATES, TEMPLATE_CODES, type TemplateCode, mergeSchedules, planFromTemplates, stricterThresholds } from './templates.js';
import { evaluate, zoneFor } from './triage.js';

describe('templates', () => {
  for (const code of TEMPLATE_CODES) {
    test(`${code} passes PlanDefinitionSchema and has titles, diagnoses and a source`, () => {
      const tpl = TEMPLATES[code];
      assert.equal(tpl.code, code);
      const r = validatePlan(tpl.definition);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(r.value, tpl.definition);
      assert.ok(tpl.diagnoses.some((d) => d.system === 'ICPC-2'));
      assert.ok(tpl.diagnoses.some((d) => d.system === 'ICD-10'));
      assert.ok(tpl.source.length > 20);
      assert.ok(tpl.title.nb && tpl.title.nn && tpl.title.en);
    });
  }

  test('COPD: SpO2 target 88–92 pattern, NEWS2 scale 2, weekly CAT and daily symptoms', () => {
    const d = TEMPLATES.copd.definition;
    const spo2 = d.measures.find((m) => m.code === 'spo2');
    assert.deepEqual(spo2?.thresholds, { redBelow: 86, yellowBelow: 88 });
    assert.equal(zoneFor(spo2!.thresholds, 88), 'green');
    assert.equal(zoneFor(spo2!.thresholds, 87), 'yellow');
    assert.equal(zoneFor(spo2!.thresholds, 85), 'red');
    assert.deepEqual(d.news2, { enabled: true, scale: 2, hypercapnicFailureConfirmed: true });
    assert.deepEqual(d.questionnaires.find((q) => q.code === 'cat')?.schedule, { kind: 'weekly', weekdays: [1], dueBy: '12:00', graceMinutes: 1440 });
    assert.equal(d.questionnaires.find((q) => q.code === 'symptoms')?.schedule.kind, 'daily');
    assert.deepEqual(d.measures.map((m) => m.code).sort(), ['heart_rate', 'resp_rate', 'spo2', 'temperature']);
  });

  test('heart failure: daily weight with the ESC +2 kg / 3 days rule firing through evaluate', () => {
    const d = TEMPLATES.heart_failure.definition;
    assert.deepEqual(
      d.trendRules.map((r) => [r.id, r.code, r.kind, r.amount, r.windowDays, r.zone]),
      [['weight-rise', 'weight', 'rise', 2, 3, 'yellow']],
    );
    const day = 86_400_000;
    const t0 = Date.UTC(2026, 2, 2, 6);
    const w = (id: string, v: number, days: number) => ({ id, code: 'weight' as const, value: v, unit: 'kg', effectiveAt: new Date(t0 + days * day) });
    const r = evaluate({ plan: d, planVersion: 1, newObservations: [w('c', 84.3, 3)], history: [w('a', 82.0, 0), w('b', 82.2, 1)] });
    assert.equal(r.zone, 'yellow');
    assert.match(r.actions.nb, /mer enn 2 kg på 3 dager/);
  });

  test('diabetes: hypoglycaemia level 1 (< 3.9) yellow and level 2 (< 3.0) red (ADA 2024 §6); above 13.9 yellow, above 20 red', () => {
    const th = TEMPLATES.diabetes.definition.measures[0]!.thresholds;
    const rows: [number, string][] = [[2.9, 'red'], [2.99, 'red'], [3.0, 'yellow'], [3.8, 'yellow'], [3.89, 'yellow'], [3.9, 'green'], [13.9, 'green'], [14.0, 'yellow'], [20.0, 'yellow'], [20.1, 'red']];
    for (const [v, z] of rows) assert.equal(zoneFor(th, v), z, String(v));
  });

  test('mental health: weekly PHQ-9 and GAD-7 with Kroenke / Spitzer cut-offs', () => {
    const q = TEMPLATES.mental_health.definition.questionnaires;
    assert.deepEqual(q.map((x) => [x.code, x.schedule.kind, x.thresholds]), [
      ['phq9', 'weekly', { yellowAbove: 9, redAbove: 19 }],
      ['gad7', 'weekly', { yellowAbove: 9, redAbove: 14 }],
    ]);
  });

  test('cancer: temperature ≥ 38.0 is red (neutropenic fever)', () => {
    const th = TEMPLATES.cancer.definition.measures.find((m) => m.code === 'temperature')!.thresholds;
    assert.equal(zoneFor(th, 38.0), 'red');
    assert.equal(zoneFor(th, 37.9), 'yellow');
    assert.equal(zoneFor(th, 37.2), 'green');
    assert.equal(zoneFor(th, 35.0), 'red');
  });

  test('every text in every template is filled in all three languages and differs between bokmål and English', () => {
    for (const code of TEMPLATE_CODES) {
      const d = TEMPLATES[code].definition;
      for (const e of [...d.measures, ...d.questionnaires]) {
        for (const zone of ['green', 'yellow', 'red'] as const) {
          const text = e.actions[zone];
          assert.ok(text.nb.length > 10 && text.nn.length > 10 && text.en.length > 10, `${code} ${e.code} ${zone}`);
          assert.notEqual(text.nb, text.en);
        }
      }
    }
  });
});

describe('template advice is honest about opening hours', () => {
  // The follow-up service is not an acute service and is closed nights, weekends and holidays
  // (Helsedirektoratet, nasjonale faglige råd for DHO): yellow advice shown at 22:00 must not
  // promise a call that nobody will make. The opening-hours notice says when someone looks.
  const PROMISE = /ringer deg|ringjer deg|will call you|call you/i;
  test('no yellow advice in any template promises a call', () => {
    for (const code of TEMPLATE_CODES) {
      const d = TEMPLATES[code].definition;
      const yellows = [
        ...[...d.measures, ...d.questionnaires].map((e) => e.actions.yellow),
        ...d.trendRules.filter((r) => r.zone === 'yellow' && r.actions).map((r) => r.actions!),
      ];
      for (const text of yellows) for (const lang of ['nb', 'nn', 'en'] as const) assert.doesNotMatch(text[lang], PROMISE, `${code}: ${text[lang]}`);
    }
  });
});

describe('planFromTemplates (multimorbidity)', () => {
  const subsets: TemplateCode[][] = [];
  for (let mask = 1; mask < 1 << TEMPLATE_CODES.length; mask++) subsets.push(TEMPLATE_CODES.filter((_, i) => mask & (1 << i)));

  test('every combination of templates gives a valid plan without duplicate codes', () => {
    for (const codes of subsets) {
      const plan = planFromTemplates(codes);
      const r = PlanDefinitionSchema.safeParse(plan);
      assert.ok(r.success, `${codes.join('+')}: ${r.success ? '' : JSON.stringify(r.error.issues[0])}`);
    }
  });

  test('a single template comes back unchanged', () => {
    for (const code of TEMPLATE_CODES) assert.deepEqual(planFromTemplates([code]), TEMPLATES[code].definition);
  });

  test('COPD + heart failure: COPD SpO2 limits and texts win, NEWS2 scale 2, weight rule kept', () => {
    const plan = planFromTemplates(['heart_failure', 'copd']);
    const spo2 = plan.measures.find((m) => m.code === 'spo2');
    assert.deepEqual(spo2?.thresholds, { redBelow: 86, yellowBelow: 88 });
    assert.deepEqual(spo2?.actions, TEMPLATES.copd.definition.measures.find((m) => m.code === 'spo2')?.actions);
    assert.deepEqual(plan.news2, { enabled: true, scale: 2, hypercapnicFailureConfirmed: true });
    assert.deepEqual(plan.trendRules.map((r) => r.id), ['weight-rise', 'spo2-fall', 'cat-rise']);
    assert.equal(plan.measures.filter((m) => m.code === 'heart_rate').length, 1);
    const symptoms = plan.questionnaires.filter((q) => q.code === 'symptoms');
    assert.equal(symptoms.length, 1);
    // Nothing either template states is dropped: the answer rules of both are united.
    assert.deepEqual(symptoms[0]!.itemRules?.map((r) => r.id), ['breathless-at-rest', 'cannot-lie-flat', 'orthopnoea', 'oedema', 'two-cardinal-symptoms', 'purulent-sputum']);
    // Both ask to re-measure SpO2? Only COPD does — but COPD's SpO2 entry wins outright, hold included.
    assert.deepEqual(plan.measures.find((m) => m.code === 'spo2')?.remeasure, { restMinutes: 10, withinMinutes: 40 });
    assert.deepEqual(plan.measures.find((m) => m.code === 'bp_systolic')?.remeasure, { restMinutes: 5, withinMinutes: 30 });
  });

  test('COPD + cancer: stricter temperature limits (neutropenic fever) win', () => {
    const plan = planFromTemplates(['copd', 'cancer']);
    const temp = plan.measures.find((m) => m.code === 'temperature');
    assert.deepEqual(temp?.thresholds, { redBelow: 35.1, yellowBelow: 36.1, yellowAbove: 37.4, redAbove: 37.9 });
    // COPD asks as needed, cancer daily: the merged plan asks daily.
    assert.equal(temp?.schedule.kind, 'daily');
  });

  test('cancer + heart failure: combined rules kept, temperature without a re-measure hold', () => {
    const plan = planFromTemplates(['cancer', 'heart_failure']);
    assert.deepEqual(plan.combinedRules?.map((r) => r.id), ['ukons-two-amber', 'ukons-temperature-again']);
    assert.equal(validatePlan(plan).ok, true);
  });

  test('diabetes + mental health + NEWS2 off everywhere stays off', () => {
    assert.deepEqual(planFromTemplates(['diabetes', 'mental_health']).news2, { enabled: false, scale: 1 });
  });

  test('does not share objects with the templates', () => {
    const plan = planFromTemplates(['copd', 'heart_failure']);
    plan.measures[0]!.thresholds.redBelow = 1;
    assert.deepEqual(TEMPLATES.copd.definition.measures[0]!.thresholds, { redBelow: 86, yellowBelow: 88 });
  });

  test('duplicate template codes are ignored', () => {
    assert.deepEqual(planFromTemplates(['copd', 'copd']), TEMPLATES.copd.definition);
  });
});

describe('merge helpers', () => {
  test('mergeSchedules', () => {
    const rows: [Parameters<typeof mergeSchedules>[0], Parameters<typeof mergeSchedules>[1], ReturnType<typeof mergeSchedules>][] = [
      [{ kind: 'as_needed' }, { kind: 'daily', dueBy: '10:00', graceMinutes: 60 }, { kind: 'daily', dueBy: '10:00', graceMinutes: 60 }],
      [{ kind: 'daily', dueBy: '10:00', graceMinutes: 120 }, { kind: 'daily', dueBy: '09:00', graceMinutes: 180 }, { kind: 'daily', dueBy: '09:00', graceMinutes: 120 }],
      [{ kind: 'weekly', weekdays: [1], dueBy: '12:00', graceMinutes: 1440 }, { kind: 'daily', dueBy: '10:00', graceMinutes: 120 }, { kind: 'daily', dueBy: '10:00', graceMinutes: 120 }],
      [{ kind: 'weekly', weekdays: [4, 1], dueBy: '12:00', graceMinutes: 60 }, { kind: 'weekly', weekdays: [3, 1], dueBy: '08:30', graceMinutes: 90 }, { kind: 'weekly', weekdays: [1, 3, 4], dueBy: '08:30', graceMinutes: 60 }],
      [{ kind: 'as_needed' }, { kind: 'as_needed' }, { kind: 'as_needed' }],
    ];
    for (const [a, b, expected] of rows) {
      assert.deepEqual(mergeSchedules(a, b), expected);
      assert.deepEqual(mergeSchedules(b, a), expected);
    }
  });

  test('stricterThresholds examples', () => {
    assert.deepEqual(stricterThresholds({ redBelow: 92, yellowBelow: 94 }, { redBelow: 86, yellowBelow: 88 }), { redBelow: 92, yellowBelow: 94 });
    assert.deepEqual(stricterThresholds({ yellowAbove: 38, redAbove: 39 }, { yellowAbove: 37.4, redAbove: 37.9 }), { yellowAbove: 37.4, redAbove: 37.9 });
    // Yellow swallowed by the other plan's red limit is dropped.
    assert.deepEqual(stricterThresholds({ redBelow: 92, yellowBelow: 94 }, { redBelow: 95 }), { redBelow: 95 });
    // Opposite yellow bands that overlap: only red remains.
    assert.deepEqual(stricterThresholds({ yellowBelow: 94, redBelow: 90 }, { yellowAbove: 92, redAbove: 97 }), { redBelow: 90, redAbove: 97 });
    // Contradicting reds: the first plan is kept.
    assert.deepEqual(stricterThresholds({ redBelow: 50 }, { redAbove: 40 }), { redBelow: 50 });
  });

  const thresholdsArb = fc
    .tuple(fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }))
    .map(([nums, keep]) => {
      const s = [...nums].sort((a, b) => a - b);
      const th: Thresholds = {};
      if (keep[0]) th.redBelow = s[0];
      if (keep[1]) th.yellowBelow = s[1];
      if (keep[2]) th.yellowAbove = s[2];
      if (keep[3]) th.redAbove = s[3];
      return th;
    });

  test('property: merged limits are always valid, and red under either plan stays red when the reds agree', () => {
    fc.assert(
      fc.property(thresholdsArb, thresholdsArb, fc.integer({ min: -10, max: 110 }), (a, b, v) => {
        const m = stricterThresholds(a, b);
        assert.ok(ThresholdsSchema.safeParse(m).success, JSON.stringify({ a, b, m }));
        const lows = [a.redBelow, b.redBelow].filter((x): x is number => x !== undefined);
        const highs = [a.redAbove, b.redAbove].filter((x): x is number => x !== undefined);
        const redsContradict = lows.length > 0 && highs.length > 0 && Math.max(...lows) >= Math.min(...highs);
        if (!redsContradict && (zoneFor(a, v) === 'red' || zoneFor(b, v) === 'red')) assert.equal(zoneFor(m, v), 'red');
      }),
    );
  });
});
