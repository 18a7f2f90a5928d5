import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type PlanDefinition, PlanDefinitionSchema, ThresholdsSchema, validatePlan } from './plan.js';

const text = { nb: 'nb', nn: 'nn', en: 'en' };
const actions = { green: text, yellow: text, red: text };

function basePlan(): PlanDefinition {
  return {
    measures: [
      { code: 'spo2', schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 120 }, thresholds: { redBelow: 88, yellowBelow: 92 }, actions },
      { code: 'weight', schedule: { kind: 'daily', dueBy: '09:00', graceMinutes: 60 }, thresholds: {}, actions },
    ],
    questionnaires: [{ code: 'cat', schedule: { kind: 'weekly', weekdays: [1, 4], dueBy: '12:00', graceMinutes: 1440 }, thresholds: { yellowAbove: 20, redAbove: 30 }, actions }],
    trendRules: [{ id: 'weight-rise', code: 'weight', kind: 'rise', amount: 2, windowDays: 3, zone: 'yellow' }],
    news2: { enabled: true, scale: 2, hypercapnicFailureConfirmed: true },
    medicines: 'Spiriva 1x1',
    contacts: 'Fastlege: 22 22 22 22',
  };
}

/** Deep copy with a mutation, so each case starts from a valid plan. */
function mutate(f: (p: Record<string, unknown> & PlanDefinition) => void): unknown {
  const p = structuredClone(basePlan()) as Record<string, unknown> & PlanDefinition;
  f(p);
  return p;
}

describe('validatePlan', () => {
  test('accepts a valid plan and returns it unchanged', () => {
    const r = validatePlan(basePlan());
    assert.deepEqual(r, { ok: true, value: basePlan() });
  });

  const invalid: [string, unknown, string, RegExp][] = [
    ['not an object', 42, '', /expected object/i],
    [
      'yellowBelow not above redBelow',
      mutate((p) => {
        p.measures[0]!.thresholds = { redBelow: 90, yellowBelow: 88 };
      }),
      'measures.0.thresholds.yellowBelow',
      /yellowBelow \(88\) must be greater than redBelow \(90\)/,
    ],
    [
      'redAbove not above yellowAbove',
      mutate((p) => {
        p.questionnaires[0]!.thresholds = { yellowAbove: 20, redAbove: 20 };
      }),
      'questionnaires.0.thresholds.redAbove',
      /redAbove \(20\) must be greater than yellowAbove \(20\)/,
    ],
    [
      'below limit above the upper one, with missing yellows',
      mutate((p) => {
        p.measures[0]!.thresholds = { redBelow: 40, redAbove: 35 };
      }),
      'measures.0.thresholds.redAbove',
      /redAbove \(35\) must be greater than redBelow \(40\)/,
    ],
    [
      'unknown threshold key (typo)',
      mutate((p) => {
        (p.measures[0]!.thresholds as Record<string, number>)['redbelow'] = 80;
      }),
      'measures.0.thresholds',
      /redbelow/,
    ],
    [
      'bad due time',
      mutate((p) => {
        p.measures[0]!.schedule = { kind: 'daily', dueBy: '24:00', graceMinutes: 0 };
      }),
      'measures.0.schedule.dueBy',
      /HH:MM/,
    ],
    [
      'weekday out of range',
      mutate((p) => {
        p.questionnaires[0]!.schedule = { kind: 'weekly', weekdays: [0], dueBy: '12:00', graceMinutes: 0 };
      }),
      'questionnaires.0.schedule.weekdays.0',
      /ISO weekday/,
    ],
    [
      'repeated weekday',
      mutate((p) => {
        p.questionnaires[0]!.schedule = { kind: 'weekly', weekdays: [2, 2], dueBy: '12:00', graceMinutes: 0 };
      }),
      'questionnaires.0.schedule.weekdays',
      /repeat/,
    ],
    [
      'negative grace',
      mutate((p) => {
        p.measures[1]!.schedule = { kind: 'daily', dueBy: '09:00', graceMinutes: -5 };
      }),
      'measures.1.schedule.graceMinutes',
      />=0|greater than or equal/i,
    ],
    [
      'unknown measure code',
      mutate((p) => {
        (p.measures[0] as unknown as Record<string, unknown>)['code'] = 'cholesterol';
      }),
      'measures.0.code',
      /spo2/,
    ],
    [
      'questionnaire that is not a questionnaire',
      mutate((p) => {
        (p.questionnaires[0] as unknown as Record<string, unknown>)['code'] = 'spo2';
      }),
      'questionnaires.0.code',
      /phq9/,
    ],
    [
      'duplicate measure',
      mutate((p) => {
        p.measures.push(structuredClone(p.measures[0]!));
      }),
      'measures.2.code',
      /spo2 is already planned in measures\.0/,
    ],
    [
      'trend rule on a code not in the plan',
      mutate((p) => {
        p.trendRules[0]!.code = 'glucose';
      }),
      'trendRules.0.code',
      /glucose, which is not in the plan/,
    ],
    [
      'trend rule id with spaces',
      mutate((p) => {
        p.trendRules[0]!.id = 'Weight rise';
      }),
      'trendRules.0.id',
      /lower-case/,
    ],
    [
      'NEWS2 scale 3',
      mutate((p) => {
        (p.news2 as { scale: number }).scale = 3;
      }),
      'news2.scale',
      /./,
    ],
    [
      'empty nynorsk action',
      mutate((p) => {
        p.measures[0]!.actions.red = { nb: 'Ring', nn: ' ', en: 'Call' };
      }),
      'measures.0.actions.red.nn',
      /nynorsk/,
    ],
  ];
  for (const [name, input, field, message] of invalid) {
    test(`rejects: ${name}`, () => {
      const r = validatePlan(input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, 'invalid_plan');
      assert.equal(r.error.field ?? '', field);
      if (field !== '') assert.ok(r.error.message.startsWith(`${field}: `), r.error.message);
      assert.match(r.error.message, message);
    });
  }
});

describe('ThresholdsSchema', () => {
  const cases: [Record<string, number>, boolean][] = [
    [{}, true],
    [{ redBelow: 88 }, true],
    [{ yellowAbove: 9, redAbove: 19 }, true],
    [{ redBelow: 4, yellowAbove: 13.9, redAbove: 20 }, true],
    [{ redBelow: 41, yellowBelow: 51, yellowAbove: 110, redAbove: 130 }, true],
    [{ yellowBelow: 50, yellowAbove: 50 }, false],
    [{ redBelow: 50, redAbove: 49 }, false],
    [{ yellowBelow: 10, redAbove: 5 }, false],
  ];
  for (const [th, valid] of cases) {
    test(`${JSON.stringify(th)} is ${valid ? 'valid' : 'invalid'}`, () => {
      assert.equal(ThresholdsSchema.safeParse(th).success, valid);
    });
  }

  test('schema type and validatePlan agree', () => {
    assert.equal(PlanDefinitionSchema.safeParse(basePlan()).success, true);
  });
});

describe('plan rules: nothing a plan states is silently dropped', () => {
  const bad: [string, (p: Record<string, unknown> & PlanDefinition) => void, string, RegExp][] = [
    ['unknown top-level rule list', (p) => { (p as Record<string, unknown>)['alarmRules'] = [{ id: 'x' }]; }, '', /unrecognized key/i],
    ['unknown key in a trend rule', (p) => { (p.trendRules[0] as Record<string, unknown>)['days'] = 3; }, 'trendRules.0', /unrecognized key/i],
    ['unknown key in a measure', (p) => { (p.measures[0] as Record<string, unknown>)['trend'] = { amount: 2 }; }, 'measures.0', /unrecognized key/i],
    ['unknown combined rule kind', (p) => { p.combinedRules = [{ kind: 'weekly', id: 'a' } as never]; }, 'combinedRules.0.kind', /invalid/i],
    ['unknown item', (p) => { p.questionnaires[0]!.itemRules = [{ kind: 'answer', id: 'x', item: 'cat-99', atLeast: 3, zone: 'yellow' }]; }, 'questionnaires.0.itemRules.0.item', /not an item of CAT/],
    ['answer above the scale', (p) => { p.questionnaires[0]!.itemRules = [{ kind: 'answer', id: 'x', item: 'cat-1', atLeast: 6, zone: 'yellow' }]; }, 'questionnaires.0.itemRules.0.atLeast', /could never fire/],
    ['count larger than the items', (p) => { p.questionnaires[0]!.itemRules = [{ kind: 'count', id: 'x', items: ['cat-1'], atLeast: 1, count: 2, zone: 'yellow' }]; }, 'questionnaires.0.itemRules.0.count', /more than the 1 items/],
    ['combined rule on an unplanned measure', (p) => { p.combinedRules = [{ kind: 'sitting', id: 's', minYellow: 2, codes: ['spo2', 'glucose'], zone: 'red' }]; }, 'combinedRules.0.codes.1', /glucose, which is not a planned measure/],
    ['sitting rule needing more measures than listed', (p) => { p.combinedRules = [{ kind: 'sitting', id: 's', minYellow: 3, codes: ['spo2', 'weight'], zone: 'red' }]; }, 'combinedRules.0.minYellow', /needs 3 measures/],
    // Plans accept windows up to 90 days (the server loads that much history).
    ['trend window over 90 days', (p) => { p.trendRules[0]!.windowDays = 91; }, 'trendRules.0.windowDays', /90/],
    ['trend window in fractions of a day', (p) => { p.trendRules[0]!.windowDays = 2.5; }, 'trendRules.0.windowDays', /whole local days/],
    // RCP 2017: scale 2 only for confirmed hypercapnic respiratory failure.
    ['scale 2 without confirmed hypercapnic failure', (p) => { p.news2 = { enabled: true, scale: 2 }; }, 'news2.scale', /hypercapnic/],
    ['re-measure window shorter than the rest', (p) => { p.measures[0]!.remeasure = { restMinutes: 10, withinMinutes: 5 }; }, 'measures.0.remeasure.withinMinutes', /./],
  ];
  for (const [name, f, field, message] of bad) {
    test(`refuses: ${name}`, () => {
      const r = validatePlan(mutate(f));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.field ?? '', field);
      assert.match(r.error.message, message);
    });
  }

  test('accepts every rule family at once', () => {
    const p = mutate((p) => {
      p.measures[0]!.remeasure = { restMinutes: 5, withinMinutes: 30 };
      p.questionnaires[0]!.itemRules = [
        { kind: 'answer', id: 'breathless', item: 'cat-4', atLeast: 5, zone: 'yellow' },
        { kind: 'count', id: 'many', atLeast: 4, count: 3, zone: 'yellow' },
      ];
      p.trendRules.push({ id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, inclusive: true, windowDays: 7, baseline: 93, zone: 'yellow' });
      p.combinedRules = [
        { kind: 'sitting', id: 'two-yellow', minYellow: 2, zone: 'red' },
        { kind: 'consecutive_days', id: 'three-days', days: 3, codes: ['spo2'], zone: 'red' },
      ];
      p.news2 = { enabled: true, scale: 1, longTermOxygen: true };
    });
    const r = validatePlan(p);
    assert.equal(r.ok, true, r.ok ? '' : r.error.message);
    assert.deepEqual(r.ok ? r.value : null, p);
  });
});
