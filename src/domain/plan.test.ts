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
    news2: { enabled: true, scale: 2 },
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
