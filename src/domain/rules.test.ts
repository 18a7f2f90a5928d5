import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MeasureCode } from './catalogue.js';
import type { PlanDefinition } from './plan.js';
import { QUESTIONNAIRES } from './questionnaires.js';
import { TEMPLATES, type TemplateCode } from './templates.js';
import { type ObservationPoint, type Zone, evaluate, evaluateQuestionnaire, expiredRemeasures, groupSittingFindings } from './triage.js';
import { zonedInstant } from './time.js';
import { obs, testPlan } from './test-fixtures.js';

/*
 * Every rule family, table-driven, each row citing its source. Times are Oslo wall clocks.
 */

const TZ = 'Europe/Oslo';
const at = (date: string, time: string): string => zonedInstant(date, time, TZ).toISOString();
const tpl = (code: TemplateCode): PlanDefinition => structuredClone(TEMPLATES[code].definition);

type Row = { name: string; source: string; plan: PlanDefinition; history: [MeasureCode, number, string][]; now: [MeasureCode, number][]; when: string; zone: Zone; rules: string[] };

function run(r: Row) {
  const history = r.history.map(([c, v, t]) => obs(c, v, t));
  const news = r.now.map(([c, v]) => obs(c, v, r.when));
  return evaluate({ plan: r.plan, planVersion: 1, newObservations: news, history, timeZone: TZ, now: new Date(new Date(r.when).getTime() + 3 * 3_600_000) });
}

describe('template rules (measurements)', () => {
  const rows: Row[] = [
    { name: 'COPD SpO2 3 points below the usual level (median) of the last week', source: 'BTS 2017 (fall ≥ 3 from baseline)', plan: tpl('copd'), history: [['spo2', 93, at('2026-03-02', '08:00')], ['spo2', 92, at('2026-03-03', '08:00')], ['spo2', 93, at('2026-03-04', '08:00')]], now: [['spo2', 90]], when: at('2026-03-06', '08:00'), zone: 'yellow', rules: ['trend:spo2-fall'] },
    { name: 'COPD SpO2: one lucky 96 % in a week of 92–93 does not make 91 a fall', source: 'BTS 2017 (baseline = usual level)', plan: tpl('copd'), history: [['spo2', 92, at('2026-03-02', '08:00')], ['spo2', 96, at('2026-03-03', '08:00')], ['spo2', 93, at('2026-03-04', '08:00')]], now: [['spo2', 91]], when: at('2026-03-06', '08:00'), zone: 'green', rules: [] },
    { name: 'COPD SpO2 2 points below: no trend', source: 'BTS 2017', plan: tpl('copd'), history: [['spo2', 92, at('2026-03-04', '08:00')]], now: [['spo2', 90]], when: at('2026-03-06', '08:00'), zone: 'green', rules: [] },
    { name: 'heart failure +2.1 kg in 3 local days', source: 'ESC 2021 self-care', plan: tpl('heart_failure'), history: [['weight', 80, at('2026-03-02', '07:00')]], now: [['weight', 82.1]], when: at('2026-03-05', '07:20'), zone: 'yellow', rules: ['trend:weight-rise'] },
    { name: 'diabetes level 1 hypoglycaemia 3.8', source: 'ADA 2024 §6 (< 3.9 mmol/L)', plan: tpl('diabetes'), history: [], now: [['glucose', 3.8]], when: at('2026-03-02', '07:00'), zone: 'yellow', rules: ['threshold:glucose'] },
    { name: 'diabetes level 2 hypoglycaemia 2.9', source: 'ADA 2024 §6 (< 3.0 mmol/L)', plan: tpl('diabetes'), history: [], now: [['glucose', 2.9]], when: at('2026-03-02', '07:00'), zone: 'red', rules: ['threshold:glucose'] },
    { name: 'diabetes 35 mmol/L', source: 'Kitabchi 2009 (HHS ≥ 33.3 mmol/L)', plan: tpl('diabetes'), history: [], now: [['glucose', 35]], when: at('2026-03-02', '07:00'), zone: 'red', rules: ['threshold:glucose'] },
    { name: 'glucose 1.2 in a plan with no glucose limits at all', source: 'ADA 2024 §6 level 2; catalogue critical limit', plan: testPlan(), history: [], now: [['glucose', 1.2]], when: at('2026-03-02', '07:00'), zone: 'red', rules: ['threshold:glucose'] },
    { name: 'cancer fever 38.0 after chemotherapy', source: 'NICE CG151 / ESMO 2016', plan: tpl('cancer'), history: [], now: [['temperature', 38.0]], when: at('2026-03-02', '08:00'), zone: 'red', rules: ['threshold:temperature'] },
    { name: 'cancer 37.95 from a device (exact, not rounded down)', source: 'NICE CG151', plan: tpl('cancer'), history: [], now: [['temperature', 37.95]], when: at('2026-03-02', '08:00'), zone: 'red', rules: ['threshold:temperature'] },
    { name: 'cancer two ambers in one sitting = red', source: 'UKONS 2016 triage tool', plan: tpl('cancer'), history: [], now: [['temperature', 37.6], ['heart_rate', 115]], when: at('2026-03-02', '08:00'), zone: 'red', rules: ['threshold:temperature', 'threshold:heart_rate', 'combined:ukons-two-amber'] },
    { name: 'cancer temperature amber again the next day = red', source: 'UKONS 2016 (amber on reassessment)', plan: tpl('cancer'), history: [['temperature', 37.6, at('2026-03-01', '21:00')]], now: [['temperature', 37.5]], when: at('2026-03-02', '08:00'), zone: 'red', rules: ['threshold:temperature', 'combined:ukons-temperature-again'] },
    { name: 'cancer amber two days apart is not "in a row"', source: 'UKONS 2016', plan: tpl('cancer'), history: [['temperature', 37.6, at('2026-02-28', '21:00')]], now: [['temperature', 37.5]], when: at('2026-03-02', '08:00'), zone: 'yellow', rules: ['threshold:temperature'] },
  ];
  for (const r of rows) {
    test(`${r.name} → ${r.zone} (${r.source})`, () => {
      const e = run(r);
      assert.equal(e.zone, r.zone);
      assert.deepEqual(e.findings.filter((f) => f.kind !== 'news2').map((f) => f.ruleId), r.rules);
    });
  }
});

describe('one sitting, one alert', () => {
  test('four yellows in a sitting become one finding listing every measure, led by the worst rule', () => {
    const plan = testPlan({
      measures: testPlan().measures.map((m) => (m.code === 'temperature' ? m : m.code === 'resp_rate' ? { ...m, thresholds: { yellowAbove: 20 } } : m.code === 'bp_systolic' ? { ...m, thresholds: { yellowBelow: 100 } } : m)),
    });
    const when = at('2026-03-02', '08:00');
    const e = evaluate({ plan, planVersion: 3, newObservations: [obs('spo2', 91, when, 'a'), obs('heart_rate', 115, when, 'b'), obs('resp_rate', 22, when, 'c'), obs('bp_systolic', 95, when, 'd')], history: [] });
    assert.equal(e.findings.length, 4);
    const grouped = groupSittingFindings(e.findings);
    assert.equal(grouped.length, 1);
    const g = grouped[0]!;
    assert.equal(g.ruleId, 'threshold:spo2');
    assert.deepEqual(g.values.map((v) => v.observationId).sort(), ['a', 'b', 'c', 'd']);
    assert.equal(g.rules?.length, 4);
    assert.match(g.summary.nb, /SpO2 91 %.* · .*Puls 115\/min/);
  });

  test('three yellows under a two-yellow rule: the combined rule is reported once', () => {
    const plan = testPlan({ combinedRules: [{ kind: 'sitting', id: 'two', minYellow: 2, zone: 'red' }] });
    const when = at('2026-03-02', '08:00');
    const e = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 91, when), obs('heart_rate', 115, when), obs('temperature', 38.5, when)], history: [] });
    const combined = e.findings.filter((f) => f.ruleId === 'combined:two');
    assert.equal(combined.length, 1);
    assert.deepEqual(combined[0]!.values.map((v) => v.code), ['spo2', 'heart_rate', 'temperature']);
  });

  test('questionnaire and missing findings are not merged into a sitting', () => {
    const when = at('2026-03-02', '08:00');
    const f = (ruleId: string, kind: 'threshold' | 'questionnaire') => ({ ruleId, kind, zone: 'yellow' as const, planVersion: 1, values: [], at: when, summary: { nb: ruleId, nn: ruleId, en: ruleId } });
    assert.equal(groupSittingFindings([f('threshold:spo2', 'threshold'), f('questionnaire:cat', 'questionnaire')]).length, 2);
  });

  test('property: grouping keeps every deviating reading and the worst zone of each sitting', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ code: fc.constantFrom('spo2', 'heart_rate', 'temperature'), v: fc.integer({ min: 0, max: 2 }), minute: fc.integer({ min: 0, max: 3 }) }), { maxLength: 8 }), (rs) => {
        const value = { spo2: [95, 90, 85], heart_rate: [70, 105, 140], temperature: [37, 38.5, 39.5] } as const;
        const points = rs.map((r, i) => obs(r.code, value[r.code][r.v]!, at('2026-03-02', `08:0${r.minute}`), `p${i}`));
        const e = evaluate({ plan: testPlan(), planVersion: 1, newObservations: points, history: [] });
        const grouped = groupSittingFindings(e.findings);
        const ids = (fs: typeof e.findings) => new Set(fs.flatMap((f) => f.values.map((v) => v.observationId)));
        assert.deepEqual(ids(grouped), ids(e.findings));
        assert.equal(new Set(grouped.map((g) => g.at)).size, grouped.length);
        for (const g of grouped) {
          const worst = e.findings.filter((f) => f.at === g.at).some((f) => f.zone === 'red') ? 'red' : 'yellow';
          assert.equal(g.zone, worst);
        }
      }),
    );
  });
});

describe('re-measure before alarming (a red is never delayed)', () => {
  const plan = testPlan({ measures: testPlan().measures.map((m) => (m.code === 'spo2' ? { ...m, remeasure: { restMinutes: 5, withinMinutes: 30 } } : m)) });
  const t0 = at('2026-03-02', '08:00');
  const plus = (min: number): string => new Date(new Date(t0).getTime() + min * 60_000).toISOString();

  test('a yellow is held and the patient asked to rest and measure again', () => {
    const e = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 91, t0, 'first')], history: [], now: new Date(plus(1)) });
    assert.equal(e.zone, 'yellow');
    assert.deepEqual(e.findings, []);
    assert.deepEqual(e.remeasure, [{ code: 'spo2', observationId: 'first', restMinutes: 5, until: plus(30) }]);
    assert.match(e.actions.en, /Rest for 5 minutes and measure again/);
  });
  test('a green re-measurement: no alert at all', () => {
    const e = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 95, plus(7), 'second')], history: [obs('spo2', 91, t0, 'first')], now: new Date(plus(7)) });
    assert.deepEqual(e.findings, []);
    assert.equal(e.zone, 'green');
  });
  test('a yellow re-measurement raises the yellow, citing both readings', () => {
    const e = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 90, plus(7), 'second')], history: [obs('spo2', 91, t0, 'first')], now: new Date(plus(7)) });
    assert.deepEqual(e.findings.map((f) => [f.ruleId, f.zone, f.values.map((v) => v.observationId)]), [['threshold:spo2', 'yellow', ['first', 'second']]]);
    assert.deepEqual(e.remeasure, []);
  });
  test('without the current time nothing is held (a batch replayed from history)', () => {
    const e = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 91, t0)], history: [] });
    assert.deepEqual(e.findings.map((f) => f.ruleId), ['threshold:spo2']);
    assert.deepEqual(e.remeasure, []);
  });
  test('a red is never held', () => {
    const e = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 85, t0)], history: [], now: new Date(plus(1)) });
    assert.deepEqual(e.findings.map((f) => f.zone), ['red']);
    assert.deepEqual(e.remeasure, []);
  });
  test('no re-measurement within the window: the held yellow is raised (late upload, or the sweep)', () => {
    const late = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 91, t0, 'first')], history: [], now: new Date(plus(45)) });
    assert.deepEqual(late.findings.map((f) => f.ruleId), ['threshold:spo2']);
    const swept = expiredRemeasures({ plan, planVersion: 1, observations: [obs('spo2', 91, t0, 'first')], now: new Date(plus(31)) });
    assert.deepEqual(swept.map((f) => [f.ruleId, f.values[0]?.observationId]), [['threshold:spo2', 'first']]);
    assert.deepEqual(expiredRemeasures({ plan, planVersion: 1, observations: [obs('spo2', 91, t0, 'first')], now: new Date(plus(29)) }), []);
    assert.deepEqual(expiredRemeasures({ plan, planVersion: 1, observations: [obs('spo2', 91, t0, 'first'), obs('spo2', 96, plus(8))], now: new Date(plus(31)) }), []);
  });
  test('property: a red is never delayed and a yellow is never lost (held now, raised when the window has passed)', () => {
    fc.assert(
      fc.property(fc.double({ min: 80, max: 100, noNaN: true }), fc.integer({ min: 0, max: 120 }), (value, minutesLater) => {
        const o = obs('spo2', value, t0, 'x');
        const e = evaluate({ plan, planVersion: 1, newObservations: [o], history: [], now: new Date(plus(minutesLater)) });
        const raised = e.findings.some((f) => f.ruleId === 'threshold:spo2');
        if (value < 88) assert.ok(raised, 'red at once');
        else if (value < 92) assert.equal(raised, minutesLater >= 30, 'yellow raised once the 30-minute window has passed');
        else assert.equal(raised, false);
        if (value < 92 && value >= 88 && minutesLater < 30) assert.equal(e.remeasure.length, 1);
      }),
    );
  });
  test('two yellows in a sitting under a sitting rule are red at once, held or not', () => {
    const p = { ...plan, combinedRules: [{ kind: 'sitting' as const, id: 'two', minYellow: 2, zone: 'red' as const }] };
    const e = evaluate({ plan: p, planVersion: 1, newObservations: [obs('spo2', 91, t0), obs('heart_rate', 115, t0)], history: [], now: new Date(plus(1)) });
    assert.equal(e.zone, 'red');
    assert.ok(e.findings.some((f) => f.ruleId === 'combined:two' && f.zone === 'red'));
  });
});

describe('NEWS2 honest at home (RCP 2017)', () => {
  const when = at('2026-03-02', '08:00');
  const news = (overrides: Partial<PlanDefinition['news2']>): PlanDefinition => testPlan({ news2: { enabled: true, scale: 1, ...overrides } });
  const rows: { name: string; plan: PlanDefinition; now: [MeasureCode, number][]; open?: boolean; confusion?: boolean; zone: Zone | null; partial?: boolean; text?: RegExp }[] = [
    // Chart 2: a single parameter scoring 3 needs an urgent review even when other vitals are missing.
    { name: 'partial: SpO2 91 alone (3 points) fires yellow, marked partial', plan: news({}), now: [['spo2', 91]], zone: 'yellow', partial: true, text: /^Partial NEWS2 \(missing resp\. rate, syst\. BP, pulse, temp\.\) 3/ },
    { name: 'partial: parts present reach 6 without a single 3', plan: news({}), now: [['resp_rate', 22], ['heart_rate', 112], ['temperature', 39.1]], zone: 'yellow', partial: true },
    { name: 'partial: parts present reach 7 → red', plan: news({}), now: [['resp_rate', 25], ['heart_rate', 112], ['temperature', 39.2]], zone: 'red', partial: true },
    { name: 'partial below 5 and no 3: nothing', plan: news({}), now: [['resp_rate', 22], ['heart_rate', 95]], zone: null },
    // Scale 2 only for confirmed hypercapnic respiratory failure.
    { name: 'scale 2 without confirmation scores on scale 1', plan: news({ scale: 2 }), now: [['spo2', 89]], zone: 'yellow', text: /SpO2 scale 1/ },
    { name: 'scale 2 with confirmation: SpO2 89 on air scores 0', plan: news({ scale: 2, hypercapnicFailureConfirmed: true }), now: [['spo2', 89]], zone: null },
    // Long-term oxygen therapy: "on oxygen" = 2 points on every set.
    { name: 'LTOT adds 2 points: 3 + 2 = 5', plan: news({ longTermOxygen: true }), now: [['resp_rate', 22], ['heart_rate', 95]], zone: 'yellow', text: /oxygen \(2\)/ },
    // New confusion (ACVPU "C") scores 3.
    { name: 'new confusion alone fires yellow', plan: news({}), now: [['heart_rate', 80]], confusion: true, zone: 'yellow', text: /new confusion \(3\)/ },
    // 5–6 needs an urgent response: red while the follow-up service is closed (issue 8).
    { name: 'NEWS2 5 while the service is open → yellow', plan: news({}), now: [['resp_rate', 22], ['spo2', 93], ['heart_rate', 95]], open: true, zone: 'yellow' },
    { name: 'NEWS2 5 while the service is closed → red', plan: news({}), now: [['resp_rate', 22], ['spo2', 93], ['heart_rate', 95]], open: false, zone: 'red', text: /red because the follow-up service is closed/ },
    { name: 'a single 3 while closed stays yellow (score < 5)', plan: news({}), now: [['spo2', 91]], open: false, zone: 'yellow' },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const e = evaluate({ plan: r.plan, planVersion: 1, newObservations: r.now.map(([c, v]) => obs(c, v, when)), history: [], serviceOpen: r.open ?? true, newConfusion: r.confusion ?? false });
      const f = e.findings.find((x) => x.ruleId === 'news2');
      assert.equal(f?.zone ?? null, r.zone);
      if (r.partial !== undefined) assert.equal(f?.partial, r.partial);
      if (r.text) assert.match(f?.summary.en ?? '', r.text);
    });
  }
});

describe('questionnaire answer rules', () => {
  const answers = (code: keyof typeof QUESTIONNAIRES, values: Record<string, number>): Record<string, number> =>
    Object.fromEntries(QUESTIONNAIRES[code].items.map((i) => [i.id, values[i.id] ?? 0]));
  const when = new Date(at('2026-03-02', '08:00'));
  const rows: { name: string; source: string; plan: PlanDefinition; code: 'symptoms' | 'phq9'; answers: Record<string, number>; drop?: string[]; zone: Zone; rules: string[] }[] = [
    { name: 'COPD breathless at rest alone (total 3, green by total)', source: 'GOLD 2024', plan: tpl('copd'), code: 'symptoms', answers: answers('symptoms', { 'sym-breath': 3 }), zone: 'red', rules: ['questionnaire:symptoms:breathless-at-rest'] },
    { name: 'COPD two cardinal symptoms a little worse (total 2)', source: 'Anthonisen 1987', plan: tpl('copd'), code: 'symptoms', answers: answers('symptoms', { 'sym-breath': 1, 'sym-cough': 1 }), zone: 'yellow', rules: ['questionnaire:symptoms:two-cardinal-symptoms'] },
    { name: 'COPD green sputum', source: 'Anthonisen 1987; GOLD 2024', plan: tpl('copd'), code: 'symptoms', answers: answers('symptoms', { 'sym-sputum': 2 }), zone: 'yellow', rules: ['questionnaire:symptoms:purulent-sputum'] },
    { name: 'HF needs more pillows', source: 'ESC 2021', plan: tpl('heart_failure'), code: 'symptoms', answers: answers('symptoms', { 'sym-sleep': 1 }), zone: 'yellow', rules: ['questionnaire:symptoms:orthopnoea'] },
    { name: 'HF cannot lie flat', source: 'ESC 2021', plan: tpl('heart_failure'), code: 'symptoms', answers: answers('symptoms', { 'sym-sleep': 2 }), zone: 'red', rules: ['questionnaire:symptoms:cannot-lie-flat', 'questionnaire:symptoms:orthopnoea'] },
    { name: 'HF legs much more swollen', source: 'ESC 2021', plan: tpl('heart_failure'), code: 'symptoms', answers: answers('symptoms', { 'sym-legs': 2 }), zone: 'yellow', rules: ['questionnaire:symptoms:oedema'] },
    { name: 'HF cannot lie flat with one item unanswered', source: 'ESC 2021', plan: tpl('heart_failure'), code: 'symptoms', answers: answers('symptoms', { 'sym-sleep': 2 }), drop: ['sym-cough'], zone: 'red', rules: ['questionnaire:symptoms:cannot-lie-flat', 'questionnaire:symptoms:orthopnoea'] },
    { name: 'PHQ-9 item 9 with another item unanswered is never lost', source: 'PHQ-9 instructions (Kroenke 2001)', plan: tpl('mental_health'), code: 'phq9', answers: answers('phq9', { 'phq9-9': 1 }), drop: ['phq9-4'], zone: 'red', rules: ['questionnaire:phq9:item9'] },
    { name: 'PHQ-9 item 9 unanswered: ask', source: 'PHQ-9 instructions', plan: tpl('mental_health'), code: 'phq9', answers: answers('phq9', {}), drop: ['phq9-9'], zone: 'yellow', rules: ['questionnaire:phq9:item9'] },
  ];
  for (const r of rows) {
    test(`${r.name} → ${r.zone} (${r.source})`, () => {
      const given = { ...r.answers };
      for (const id of r.drop ?? []) delete given[id];
      const e = evaluateQuestionnaire({ plan: r.plan, planVersion: 1, code: r.code, answers: given, responseId: 'resp', effectiveAt: when, timeZone: TZ });
      assert.ok(e.ok);
      assert.equal(e.value.zone, r.zone);
      assert.deepEqual(e.value.findings.map((f) => f.ruleId), r.rules);
      assert.deepEqual(e.value.missing, r.drop ?? []);
    });
  }

  test('a prorated total is exact and compared with the plan limits', () => {
    const plan = tpl('mental_health');
    const given = answers('phq9', { 'phq9-1': 2, 'phq9-2': 2, 'phq9-3': 2, 'phq9-4': 2 });
    delete given['phq9-8'];
    const e = evaluateQuestionnaire({ plan, planVersion: 1, code: 'phq9', answers: given, responseId: 'r', effectiveAt: when });
    assert.ok(e.ok);
    // 8 × 9 / 8 = 9: not above the yellow limit 9 (Kroenke 2001: ≥ 10 moderate).
    assert.equal(e.value.score, 9);
    assert.equal(e.value.zone, 'green');
  });

  test('property: an answer rule fires whatever the other answers and whichever single item is unanswered', () => {
    const plan = tpl('heart_failure');
    const items = QUESTIONNAIRES.symptoms.items;
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: items.length, maxLength: items.length }), fc.integer({ min: 0, max: items.length - 1 }), (picks, skip) => {
        const given: Record<string, number> = {};
        items.forEach((it, i) => (given[it.id] = it.options[picks[i]! % it.options.length]!.value));
        given['sym-sleep'] = 2;
        if (items[skip]!.id !== 'sym-sleep') delete given[items[skip]!.id];
        const e = evaluateQuestionnaire({ plan, planVersion: 1, code: 'symptoms', answers: given, responseId: 'r', effectiveAt: when });
        assert.ok(e.ok);
        assert.equal(e.value.zone, 'red');
        assert.ok(e.value.findings.some((f) => f.ruleId === 'questionnaire:symptoms:cannot-lie-flat'));
      }),
    );
  });
});

describe('meter HI/LO flags are red', () => {
  const rows: [string, ObservationPoint, Zone][] = [
    ['glucose HI (ISO 15197 meter range 0.6–33.3)', { ...obs('glucose', 33.3, at('2026-03-02', '08:00')), interpretation: 'HI' }, 'red'],
    ['glucose LO', { ...obs('glucose', 0.6, at('2026-03-02', '08:00')), interpretation: 'LO' }, 'red'],
    ['thermometer Lo', { ...obs('temperature', 32, at('2026-03-02', '08:00')), interpretation: 'LO' }, 'red'],
  ];
  for (const [name, o, zone] of rows) {
    test(name, () => {
      const e = evaluate({ plan: tpl('diabetes'), planVersion: 1, newObservations: [o], history: [] });
      assert.equal(e.zone, zone);
      assert.match(e.findings[0]?.summary.en ?? '', /meter shows «(HI|LO)»/);
    });
  }
});
