import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PlanDefinitionSchema, type PlanDefinition } from '../../src/domain/plan.js';
import { planFromTemplates, TEMPLATE_CODES } from '../../src/domain/templates.js';
import { CATALOGUES, LANGS } from '../shared/i18n.js';
import { diffPlans, fromForm, limitLabelOf, toForm } from './planModel.js';

/*
 * The plan editor must hold everything a plan can hold: a plan that goes through the editor
 * unchanged comes out the same (nothing dropped, nothing rounded), and the diff shown before
 * approval names every change and nothing else.
 */

const t = CATALOGUES.nb;
const label = (k: Parameters<typeof limitLabelOf>[0]) => limitLabelOf(k, t);
const names = (_code: string, id: string) => id;
// `inclusive: false` is the default the editor leaves out; everything else must survive as is.
const normal = (p: PlanDefinition): PlanDefinition =>
  PlanDefinitionSchema.parse(JSON.parse(JSON.stringify(p, (k, v: unknown) => (k === 'inclusive' && v === false ? undefined : v))));

const combos: string[][] = [...TEMPLATE_CODES.map((c) => [c]), ['copd', 'heart_failure'], ['diabetes', 'mental_health', 'cancer'], [...TEMPLATE_CODES]];

const tx = (nb: string) => ({ nb, nn: `${nb} (nn)`, en: `${nb} (en)` });
const actions = { green: tx('Grønn.'), yellow: tx('Gul.'), red: tx('Rød.') };
/** Every field a plan can hold set at least once, so a field the editor drops fails the round trip. */
const FULL: PlanDefinition = {
  measures: [
    { code: 'spo2', schedule: { kind: 'weekly', weekdays: [1, 3, 5], dueBy: '09:30', graceMinutes: 90 }, thresholds: { redBelow: 88, yellowBelow: 92 }, actions, remeasure: { restMinutes: 5, withinMinutes: 30 } },
    { code: 'weight', schedule: { kind: 'daily', dueBy: '08:00', graceMinutes: 120 }, thresholds: { yellowAbove: 92.5, redAbove: 95.25 }, actions },
    { code: 'temperature', schedule: { kind: 'as_needed' }, thresholds: { redBelow: 35, yellowAbove: 37.95, redAbove: 38 }, actions },
  ],
  questionnaires: [
    {
      code: 'phq9', schedule: { kind: 'weekly', weekdays: [7], dueBy: '18:00', graceMinutes: 1440 }, thresholds: { yellowAbove: 9, redAbove: 19 }, actions,
      itemRules: [
        { kind: 'answer', id: 'phq9-item9', item: 'phq9-9', atLeast: 1, zone: 'red', actions: tx('Ring 113.') },
        { kind: 'count', id: 'many-high', items: ['phq9-1', 'phq9-2', 'phq9-3'], atLeast: 2, count: 2, zone: 'yellow' },
        { kind: 'count', id: 'any-three', atLeast: 3, count: 3, zone: 'yellow' },
      ],
    },
  ],
  trendRules: [
    { id: 'weight-3d', code: 'weight', kind: 'rise', amount: 2, windowDays: 3, zone: 'yellow', actions: tx('Ta vanndrivende.') },
    { id: 'spo2-drop', code: 'spo2', kind: 'fall', amount: 3, inclusive: true, windowDays: 2, baseline: 94.5, zone: 'red' },
    { id: 'phq9-rise', code: 'phq9', kind: 'rise', amount: 5, inclusive: true, windowDays: 30, zone: 'yellow' },
  ],
  combinedRules: [
    { kind: 'sitting', id: 'two-yellow', minYellow: 2, codes: ['spo2', 'temperature'], zone: 'red', actions: tx('Ring legevakt.') },
    { kind: 'consecutive_days', id: 'yellow-3d', days: 3, zone: 'red' },
  ],
  news2: { enabled: true, scale: 2, hypercapnicFailureConfirmed: true, longTermOxygen: true },
  medicines: 'Spiriva',
  contacts: 'Oppfølgingstjenesten 12 34 56 78',
};

describe('plan editor round trip', () => {
  test('a plan with every field set comes back unchanged, in every language', () => {
    assert.equal(PlanDefinitionSchema.safeParse(FULL).success, true, JSON.stringify(PlanDefinitionSchema.safeParse(FULL).error?.issues));
    for (const lang of LANGS) {
      const { plan, errs } = fromForm(toForm(FULL, lang), CATALOGUES[lang], (k) => limitLabelOf(k, CATALOGUES[lang]));
      assert.deepEqual(errs, {});
      assert.deepEqual(plan, FULL);
    }
  });

  test('the diff names what changed and nothing else', () => {
    const next = structuredClone(FULL);
    next.news2 = { enabled: true, scale: 1 };
    next.trendRules = next.trendRules.filter((r) => r.id !== 'phq9-rise');
    next.measures[0]!.remeasure = undefined;
    delete next.measures[0]!.remeasure;
    const changes = diffPlans(FULL, next, t, 'nb', names).map((c) => `${c.kind} ${c.section}: ${c.what}`);
    assert.deepEqual(changes.sort(), ['changed NEWS2: NEWS2', 'removed Oksygenmetning (SpO2): Ny måling før gult varsel', 'removed Trendregler: phq9-rise']);
  });

  for (const codes of combos) {
    for (const lang of LANGS) {
      test(`${codes.join('+')} in ${lang}: unchanged through the form`, () => {
        const plan = planFromTemplates(codes as never);
        const { plan: back, errs } = fromForm(toForm(plan, lang), CATALOGUES[lang], (k) => limitLabelOf(k, CATALOGUES[lang]));
        assert.deepEqual(errs, {});
        assert.deepEqual(back, normal(plan));
        assert.deepEqual(diffPlans(plan, back!, t, lang, names), []);
      });
    }
  }

  test('property: any limit typed with a decimal comma comes back exactly, and the diff names only it', () => {
    const base = planFromTemplates(['copd']);
    fc.assert(
      fc.property(fc.double({ min: 50, max: 87.99, noNaN: true }), (v) => {
        const form = toForm(base, 'nb');
        const spo2 = form.measures.find((m) => m.code === 'spo2')!;
        spo2.limits.redBelow = String(v).replace('.', ',');
        const { plan, errs } = fromForm(form, t, label);
        assert.deepEqual(errs, {});
        assert.equal(plan!.measures.find((m) => m.code === 'spo2')!.thresholds.redBelow, v);
        const changes = diffPlans(base, plan!, t, 'nb', names);
        assert.equal(changes.length, 1);
        assert.equal(changes[0]!.what, 'Rød under');
      }),
      { numRuns: 100 },
    );
  });

  test('a limit changed by less than the display once rounded (86 → 85,995) is a change, shown exactly', () => {
    const base = planFromTemplates(['copd']);
    assert.equal(base.measures.find((m) => m.code === 'spo2')!.thresholds.redBelow, 86);
    const form = toForm(base, 'nb');
    form.measures.find((m) => m.code === 'spo2')!.limits.redBelow = '85,995';
    const changes = diffPlans(base, fromForm(form, t, label).plan!, t, 'nb', names);
    assert.deepEqual(changes.map((c) => [c.what, c.before, c.after]), [['Rød under', '86 %', '85,995 %']]);
  });
});

describe('plan editor checks what the server checks', () => {
  const form = () => toForm(planFromTemplates(['copd', 'heart_failure']), 'nb');
  const rows: [string, (f: ReturnType<typeof form>) => void, string][] = [
    ['scale 2 without confirmed hypercapnic failure', (f) => { f.news2 = { enabled: true, scale: 2, hypercapnic: false, ltot: false }; }, 'definition.news2.scale'],
    ['limits out of order', (f) => { f.measures[0]!.limits.yellowBelow = '80'; f.measures[0]!.limits.redBelow = '88'; }, 'definition.measures.0.thresholds.yellowBelow'],
    ['weekly without weekdays', (f) => { f.measures[0]!.schedule = { kind: 'weekly', dueBy: '09:00', grace: '60', weekdays: [] }; }, 'definition.measures.0.schedule.weekdays'],
    ['a time that is not HH:MM', (f) => { f.measures[0]!.schedule.dueBy = '9'; }, 'definition.measures.0.schedule.dueBy'],
    ['re-measure window shorter than the rest', (f) => { f.measures[0]!.remeasure = { on: true, rest: '20', within: '10' }; }, 'definition.measures.0.remeasure.withinMinutes'],
    ['trend over more than 90 days', (f) => { f.trendRules[0]!.windowDays = '91'; }, 'definition.trendRules.0.windowDays'],
    ['trend amount 0', (f) => { f.trendRules[0]!.amount = '0'; }, 'definition.trendRules.0.amount'],
    ['two rules with one id', (f) => { f.trendRules.splice(1, 0, { ...f.trendRules[0]! }); }, 'definition.trendRules.1.id'],
    ['advice missing in nynorsk', (f) => { f.measures[0]!.actions.red.nn = ' '; }, 'definition.measures.0.actions.red.nn'],
    ['rule advice in one language only', (f) => { f.trendRules[0]!.advice = { on: true, text: { nb: 'Ring.', nn: '', en: '' } }; }, 'definition.trendRules.0.actions.nn'],
  ];
  for (const [name, change, field] of rows) {
    test(name, () => {
      const f = form();
      change(f);
      const { plan, errs } = fromForm(f, t, label);
      assert.equal(plan, null);
      assert.ok(errs[field], `${field} in ${JSON.stringify(Object.keys(errs))}`);
    });
  }
});
