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

describe('plan editor round trip', () => {
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
