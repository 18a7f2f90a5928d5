import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ThresholdsSchema } from './plan.js';
import {
  PATHWAY_ACTIONS, PATHWAY_STATES, type PathwayAction, type PathwayRole, type PathwayState, actionsFrom, baselineBlockers, coarseStatus,
  median, nextEvaluation, proposeThresholds, raisesAlert, transition,
} from './pathway.js';
import { zoneFor } from './triage.js';

/*
 * The pathway of Helsedirektoratet's nasjonale faglige råd for digital hjemmeoppfølging:
 * referred → accepted (onboarding) or declined; onboarding → baseline (2–4 weeks, safety limits
 * only) → active ⇄ paused; active → evaluation → active; any open step → ended.
 */
const ALLOWED: [PathwayState, PathwayAction, PathwayRole, PathwayState][] = [
  ['referred', 'accept', 'service', 'onboarding'],
  ['referred', 'decline', 'service', 'declined'],
  ['onboarding', 'start_baseline', 'service', 'baseline'],
  ['baseline', 'activate', 'gp', 'active'],
  ['active', 'pause', 'service', 'paused'],
  ['active', 'pause', 'gp', 'paused'],
  ['paused', 'resume', 'service', 'active'],
  ['paused', 'resume', 'gp', 'active'],
  ['active', 'start_evaluation', 'service', 'evaluation'],
  ['evaluation', 'complete_evaluation', 'service', 'active'],
  ['onboarding', 'end', 'service', 'ended'],
  ['baseline', 'end', 'gp', 'ended'],
  ['active', 'end', 'gp', 'ended'],
  ['paused', 'end', 'service', 'ended'],
  ['evaluation', 'end', 'service', 'ended'],
];

describe('pathway transitions (table)', () => {
  for (const [from, action, role, to] of ALLOWED) {
    test(`${from} --${action} by ${role}--> ${to}`, () => {
      const r = transition(from, action, [role]);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(r.value, to);
    });
  }

  test('every other (state, action) pair is refused as invalid_transition, whoever asks', () => {
    for (const from of PATHWAY_STATES) {
      for (const action of PATHWAY_ACTIONS) {
        if (ALLOWED.some(([f, a]) => f === from && a === action)) continue;
        const r = transition(from, action, ['service', 'gp']);
        assert.ok(!r.ok && r.error.code === 'invalid_transition', `${from} ${action}`);
      }
    }
  });

  const WRONG_ROLE: [PathwayState, PathwayAction, PathwayRole][] = [
    ['referred', 'accept', 'gp'], // the follow-up service makes the decision (vedtak), not the referrer
    ['referred', 'decline', 'gp'],
    ['baseline', 'activate', 'service'], // the GP approves the individualised plan
    ['active', 'start_evaluation', 'gp'],
  ];
  for (const [from, action, role] of WRONG_ROLE) {
    test(`${from} --${action}-- is not for ${role}`, () => {
      const r = transition(from, action, [role]);
      assert.ok(!r.ok && r.error.code === 'not_responsible');
    });
  }

  test('declined and ended are final; every state but those has an action', () => {
    assert.deepEqual(actionsFrom('declined'), []);
    assert.deepEqual(actionsFrom('ended'), []);
    for (const s of PATHWAY_STATES.filter((x) => x !== 'declined' && x !== 'ended')) assert.ok(actionsFrom(s).length > 0, s);
  });

  test('coarse status: a referral is open but not followed; only onboarding, baseline, active and evaluation are on the worklist', () => {
    const table: [PathwayState, string][] = [
      ['referred', 'referred'], ['declined', 'ended'], ['onboarding', 'active'], ['baseline', 'active'], ['active', 'active'],
      ['paused', 'paused'], ['evaluation', 'active'], ['ended', 'ended'],
    ];
    for (const [s, c] of table) assert.equal(coarseStatus(s), c, s);
  });
});

describe('alerts by pathway state', () => {
  test('baseline: only red (safety limits) alerts; yellow and missing do not', () => {
    assert.equal(raisesAlert('baseline', { zone: 'red' }), true);
    assert.equal(raisesAlert('baseline', { zone: 'yellow' }), false);
    assert.equal(raisesAlert('baseline', { zone: 'missing' }), false);
  });
  test('active and evaluation alert on everything; paused and onboarding only on red', () => {
    for (const z of ['red', 'yellow', 'missing'] as const) {
      assert.equal(raisesAlert('active', { zone: z }), true);
      assert.equal(raisesAlert('evaluation', { zone: z }), true);
      assert.equal(raisesAlert('paused', { zone: z }), z === 'red');
      assert.equal(raisesAlert('onboarding', { zone: z }), z === 'red');
    }
  });
});

describe('onboarding and evaluation', () => {
  test('baseline needs consent, every training item and an approved plan', () => {
    assert.deepEqual(baselineBlockers({ consentAt: null, training: {}, hasApprovedPlan: false }), [
      'consent', 'training:equipment', 'training:app', 'training:plan', 'training:contact', 'training:emergency', 'approved_plan',
    ]);
    const all = { equipment: 1, app: 1, plan: 1, contact: 1, emergency: 1 };
    assert.deepEqual(baselineBlockers({ consentAt: new Date(), training: all, hasApprovedPlan: true }), []);
  });
  test('evaluation every 3 months, clamped to the end of a shorter month', () => {
    assert.equal(nextEvaluation(new Date('2026-01-15T09:00:00Z'), 3).toISOString(), '2026-04-15T09:00:00.000Z');
    assert.equal(nextEvaluation(new Date('2026-11-30T09:00:00Z'), 3).toISOString(), '2027-02-28T09:00:00.000Z');
  });
});

describe('baseline threshold proposal', () => {
  const COPD_SPO2 = { redBelow: 86, yellowBelow: 88 }; // templates.ts (BTS 2017 target 88–92)
  const PULSE = { redBelow: 41, yellowBelow: 51, yellowAbove: 110, redAbove: 130 }; // templates.ts (NEWS2)

  test('median and robust spread', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });

  test('too few readings or no yellow limit: the template stays', () => {
    assert.equal(proposeThresholds('spo2', COPD_SPO2, [90, 91, 90]).note, 'too_few_readings');
    assert.deepEqual(proposeThresholds('spo2', COPD_SPO2, [90, 91, 90]).proposed, COPD_SPO2);
    assert.equal(proposeThresholds('weight', { redAbove: 200 }, Array(14).fill(80)).note, 'no_yellow_limit');
  });

  // Table: readings → proposed limits, worked by hand (median ± 2 × 1.4826 × MAD, floor = min spread).
  const CASES: { name: string; code: 'spo2' | 'heart_rate'; template: Record<string, number>; values: number[]; proposed: Record<string, number> }[] = [
    {
      // A COPD patient whose habitual SpO2 is 87–89: the population yellow at 88 would alert most days.
      // median 88, MAD 1 → SD 1.48 → 88 − 2.97 = 85.03 → 85, bounded by red 86 → 87.
      name: 'habitual low SpO2: yellow relaxed down to one step above red, red unchanged',
      code: 'spo2', template: COPD_SPO2, values: [87, 88, 89, 88, 87, 89, 88, 88, 87, 89, 88, 88, 87, 88], proposed: { redBelow: 86, yellowBelow: 87 },
    },
    {
      // median 95, spread floor 1 → 93; never stricter than the template's 88.
      name: 'good SpO2: never stricter than the template',
      code: 'spo2', template: COPD_SPO2, values: Array(14).fill(95), proposed: { redBelow: 86, yellowBelow: 88 },
    },
    {
      // median 100, MAD 4 → SD 5.93: lower 88.1 would be stricter than the template's 51, so 51 stays;
      // upper 111.9 ↑ 112 (laxer than 110, under red 130).
      name: 'fast resting pulse: upper yellow relaxed to the patient, lower keeps the template',
      code: 'heart_rate', template: PULSE, values: [96, 100, 104, 100, 96, 104, 100, 100, 96, 104, 100, 100, 96, 104], proposed: { redBelow: 41, yellowBelow: 51, yellowAbove: 112, redAbove: 130 },
    },
    {
      // median 125 → upper 125 + 2 × 1.48 × 5 ≈ 139.8, bounded by red 130 → 129.
      name: 'pulse near the red limit: yellow stops one step under red',
      code: 'heart_rate', template: PULSE, values: [120, 125, 130, 125, 120, 130, 125, 125, 120, 130], proposed: { redBelow: 41, yellowBelow: 51, yellowAbove: 129, redAbove: 130 },
    },
  ];
  for (const c of CASES) {
    test(c.name, () => {
      const p = proposeThresholds(c.code, c.template, c.values);
      assert.equal(p.note, 'proposed');
      assert.deepEqual(p.proposed, c.proposed);
    });
  }

  test('property: red limits unchanged, proposal valid, within red and template yellow, median green unless at red', () => {
    const tpl = PULSE;
    fc.assert(fc.property(fc.array(fc.double({ min: 20, max: 200, noNaN: true }), { minLength: 7, maxLength: 40 }), (values) => {
      const p = proposeThresholds('heart_rate', tpl, values);
      const th = p.proposed;
      assert.ok(ThresholdsSchema.safeParse(th).success, JSON.stringify(th));
      assert.equal(th.redBelow, tpl.redBelow);
      assert.equal(th.redAbove, tpl.redAbove);
      assert.ok(th.yellowBelow! > tpl.redBelow && th.yellowBelow! <= tpl.yellowBelow);
      assert.ok(th.yellowAbove! < tpl.redAbove && th.yellowAbove! >= tpl.yellowAbove);
      const m = p.median!;
      if (m > tpl.redBelow + 1 && m < tpl.redAbove - 1) assert.equal(zoneFor(th, m), 'green', `median ${m} → ${JSON.stringify(th)}`);
    }));
  });
});
