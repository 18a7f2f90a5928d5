import type { CombinedRule, ItemRule, MeasurePlan, News2Settings, PlanDefinition, QuestionnairePlan, Schedule, TrendRule } from '../../src/domain/plan.js';
import { formatValue, parseDecimal } from '../shared/format.js';
import { LANGS, LANGUAGE_NAMES, msg, raw, type Catalogue, type Lang, type LocalizedText, type Text } from '../shared/i18n.js';
import { measureName, unitLabel } from '../shared/measures.js';
import { scheduleText } from '../shared/plan.js';

/*
 * The GP's plan editor works on a form model: the plan with every number as the text the GP
 * typed (decimal comma allowed), so a half-typed value is never lost or rounded. `fromForm`
 * turns it back into a plan and reports errors under the server's own paths
 * ("definition.trendRules.0.amount"), so the server's messages land on the same inputs.
 * Types come from src/domain/plan.ts (type-only import). A new required field there is a compile
 * error here; a new optional one is caught by planModel.test.ts, which sends a plan with every
 * field set, and every template, through the form and expects them back unchanged.
 */

export type { PlanDefinition };
export type Zone = 'green' | 'yellow' | 'red';
export type AlertZone = 'yellow' | 'red';
export const ZONES: readonly Zone[] = ['green', 'yellow', 'red'];
export const LIMIT_KEYS = ['redBelow', 'yellowBelow', 'yellowAbove', 'redAbove'] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

/** Measures a plan can schedule (src/domain/catalogue.ts); questionnaires share the code space. */
export const MEASURE_CODES = ['spo2', 'heart_rate', 'resp_rate', 'bp_systolic', 'bp_diastolic', 'weight', 'temperature', 'glucose'] as const;
export const QUESTIONNAIRE_CODES = ['phq9', 'gad7', 'cat', 'symptoms'] as const;
/** Canonical UCUM units of the measures, for showing limits and trend amounts. */
export const UNIT_OF: Readonly<Record<string, string>> = {
  spo2: '%', heart_rate: '/min', resp_rate: '/min', bp_systolic: 'mm[Hg]', bp_diastolic: 'mm[Hg]', weight: 'kg', temperature: 'Cel', glucose: 'mmol/L',
};

export interface ScheduleForm {
  kind: Schedule['kind'];
  dueBy: string;
  grace: string;
  weekdays: number[];
}
export interface RuleAdviceForm {
  on: boolean;
  text: Record<Lang, string>;
}
export interface ItemRuleForm {
  kind: ItemRule['kind'];
  id: string;
  item: string;
  items: string[];
  atLeast: string;
  count: string;
  zone: AlertZone;
  advice: RuleAdviceForm;
}
export interface EntryForm {
  code: string;
  schedule: ScheduleForm;
  limits: Record<LimitKey, string>;
  actions: Record<Zone, Record<Lang, string>>;
  /** Measures only. */
  remeasure: { on: boolean; rest: string; within: string };
  /** Questionnaires only. */
  itemRules: ItemRuleForm[];
}
export interface TrendForm {
  id: string;
  code: string;
  kind: 'rise' | 'fall';
  amount: string;
  inclusive: boolean;
  windowDays: string;
  baseline: string;
  reference: 'extreme' | 'median';
  zone: AlertZone;
  advice: RuleAdviceForm;
}
export interface CombinedForm {
  kind: CombinedRule['kind'];
  id: string;
  minYellow: string;
  days: string;
  codes: string[];
  zone: AlertZone;
  advice: RuleAdviceForm;
}
export interface PlanForm {
  measures: EntryForm[];
  questionnaires: EntryForm[];
  trendRules: TrendForm[];
  combinedRules: CombinedForm[];
  news2: { enabled: boolean; scale: 1 | 2; hypercapnic: boolean; ltot: boolean };
  medicines: string;
  contacts: string;
}

const num = (v: number | undefined, lang: Lang): string => (v === undefined ? '' : lang === 'en' ? String(v) : String(v).replace('.', ','));
const texts = (l: LocalizedText | undefined): Record<Lang, string> => ({ nb: l?.nb ?? '', nn: l?.nn ?? '', en: l?.en ?? '' });
const advice = (l: LocalizedText | undefined): RuleAdviceForm => ({ on: l !== undefined, text: texts(l) });

export function emptyAdvice(): RuleAdviceForm {
  return { on: false, text: { nb: '', nn: '', en: '' } };
}

function scheduleForm(s: Schedule): ScheduleForm {
  if (s.kind === 'as_needed') return { kind: 'as_needed', dueBy: '10:00', grace: '60', weekdays: [] };
  return { kind: s.kind, dueBy: s.dueBy, grace: String(s.graceMinutes), weekdays: s.kind === 'weekly' ? [...s.weekdays] : [] };
}

function entryForm(e: MeasurePlan | QuestionnairePlan, lang: Lang): EntryForm {
  const limits = Object.fromEntries(LIMIT_KEYS.map((k) => [k, num(e.thresholds[k], lang)])) as Record<LimitKey, string>;
  const rm = 'remeasure' in e ? e.remeasure : undefined;
  const itemRules = 'itemRules' in e ? (e.itemRules ?? []) : [];
  return {
    code: e.code,
    schedule: scheduleForm(e.schedule),
    limits,
    actions: { green: texts(e.actions.green), yellow: texts(e.actions.yellow), red: texts(e.actions.red) },
    remeasure: rm ? { on: true, rest: String(rm.restMinutes), within: String(rm.withinMinutes) } : { on: false, rest: '5', within: '30' },
    itemRules: itemRules.map((r) => ({
      kind: r.kind,
      id: r.id,
      item: r.kind === 'answer' ? r.item : '',
      items: r.kind === 'count' ? [...(r.items ?? [])] : [],
      atLeast: String(r.atLeast),
      count: r.kind === 'count' ? String(r.count) : '2',
      zone: r.zone,
      advice: advice(r.actions),
    })),
  };
}

/** A plan as the editor's form. */
export function toForm(p: PlanDefinition, lang: Lang): PlanForm {
  return {
    measures: p.measures.map((m) => entryForm(m, lang)),
    questionnaires: p.questionnaires.map((q) => entryForm(q, lang)),
    trendRules: p.trendRules.map((r) => ({
      id: r.id, code: r.code, kind: r.kind, amount: num(r.amount, lang), inclusive: r.inclusive === true, windowDays: String(r.windowDays),
      baseline: num(r.baseline, lang), reference: r.reference ?? 'extreme', zone: r.zone, advice: advice(r.actions),
    })),
    combinedRules: (p.combinedRules ?? []).map((r) => ({
      kind: r.kind, id: r.id, minYellow: r.kind === 'sitting' ? String(r.minYellow) : '2', days: r.kind === 'consecutive_days' ? String(r.days) : '3',
      codes: [...(r.codes ?? [])], zone: r.zone, advice: advice(r.actions),
    })),
    news2: { enabled: p.news2.enabled, scale: p.news2.scale, hypercapnic: p.news2.hypercapnicFailureConfirmed === true, ltot: p.news2.longTermOxygen === true },
    medicines: p.medicines,
    contacts: p.contacts,
  };
}

/** A new, empty entry for a measure or questionnaire the GP adds. */
export function newEntry(code: string): EntryForm {
  const blank = { nb: '', nn: '', en: '' };
  return {
    code,
    schedule: { kind: 'daily', dueBy: '10:00', grace: '60', weekdays: [] },
    limits: { redBelow: '', yellowBelow: '', yellowAbove: '', redAbove: '' },
    actions: { green: { ...blank }, yellow: { ...blank }, red: { ...blank } },
    remeasure: { on: false, rest: '5', within: '30' },
    itemRules: [],
  };
}

/** Field keys: the server's error paths. */
export const key = {
  entry: (g: 'measures' | 'questionnaires', i: number, ...rest: (string | number)[]) => ['definition', g, i, ...rest].join('.'),
  trend: (i: number, ...rest: (string | number)[]) => ['definition', 'trendRules', i, ...rest].join('.'),
  combined: (i: number, ...rest: (string | number)[]) => ['definition', 'combinedRules', i, ...rest].join('.'),
};
export const fieldId = (k: string): string => `plan-${k.replace(/[^a-zA-Z0-9]+/g, '-')}`;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const RULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

type Errs = Record<string, Text>;

function intIn(s: string, min: number, max: number, k: string, errs: Errs, t: Catalogue): number {
  const v = parseDecimal(s);
  if (v === null || !Number.isInteger(v)) errs[k] = s.trim() === '' ? msg('errRequired') : msg('errWholeNumber');
  else if (v < min || v > max) errs[k] = raw(t.errNumberRange(min, max));
  return v ?? 0;
}

function ruleAdvice(a: RuleAdviceForm, k: string, errs: Errs): LocalizedText | undefined {
  if (!a.on) return undefined;
  for (const l of LANGS) if (!a.text[l].trim()) errs[`${k}.${l}`] = msg('errAdviceRequired');
  return { nb: a.text.nb.trim(), nn: a.text.nn.trim(), en: a.text.en.trim() };
}

function scheduleOf(s: ScheduleForm, k: string, errs: Errs, t: Catalogue): Schedule {
  if (s.kind === 'as_needed') return { kind: 'as_needed' };
  if (!HHMM.test(s.dueBy)) errs[`${k}.dueBy`] = msg('errOhTime');
  // A week of grace (src/domain/plan.ts MAX_GRACE_MINUTES).
  const graceMinutes = intIn(s.grace, 0, 7 * 24 * 60, `${k}.graceMinutes`, errs, t);
  if (s.kind === 'daily') return { kind: 'daily', dueBy: s.dueBy, graceMinutes };
  if (s.weekdays.length === 0) errs[`${k}.weekdays`] = msg('errWeekdays');
  return { kind: 'weekly', weekdays: [...s.weekdays].sort(), dueBy: s.dueBy, graceMinutes };
}

function entryOf(g: 'measures' | 'questionnaires', e: EntryForm, i: number, errs: Errs, t: Catalogue, limitLabel: (k: LimitKey) => string) {
  const thresholds: Partial<Record<LimitKey, number>> = {};
  let prev: { k: LimitKey; v: number } | null = null;
  for (const k of LIMIT_KEYS) {
    const s = e.limits[k].trim();
    if (s === '') continue;
    const v = parseDecimal(s);
    const fk = key.entry(g, i, 'thresholds', k);
    if (v === null) {
      errs[fk] = msg('errNotNumber');
      continue;
    }
    if (prev && !(prev.v < v)) errs[fk] = raw(t.errLimitOrder(limitLabel(k), limitLabel(prev.k)));
    thresholds[k] = v;
    prev = { k, v };
  }
  const actions = Object.fromEntries(
    ZONES.map((z) => {
      for (const l of LANGS) if (!e.actions[z][l].trim()) errs[key.entry(g, i, 'actions', z, l)] = msg('errAdviceRequired');
      return [z, { nb: e.actions[z].nb.trim(), nn: e.actions[z].nn.trim(), en: e.actions[z].en.trim() }];
    }),
  ) as Record<Zone, LocalizedText>;
  return { code: e.code, schedule: scheduleOf(e.schedule, key.entry(g, i, 'schedule'), errs, t), thresholds, actions };
}

/**
 * The plan the form describes, or the errors by field key. Checks what the server checks
 * (src/domain/plan.ts), so most mistakes show before a round trip; the server stays the gate.
 */
export function fromForm(f: PlanForm, t: Catalogue, limitLabel: (k: LimitKey) => string): { plan: PlanDefinition | null; errs: Errs } {
  const errs: Errs = {};
  const measures = f.measures.map((e, i): MeasurePlan => {
    const base = entryOf('measures', e, i, errs, t, limitLabel);
    if (!e.remeasure.on) return base as MeasurePlan;
    const restMinutes = intIn(e.remeasure.rest, 1, 60, key.entry('measures', i, 'remeasure', 'restMinutes'), errs, t);
    const withinMinutes = intIn(e.remeasure.within, 5, 240, key.entry('measures', i, 'remeasure', 'withinMinutes'), errs, t);
    if (!errs[key.entry('measures', i, 'remeasure', 'withinMinutes')] && withinMinutes <= restMinutes) {
      errs[key.entry('measures', i, 'remeasure', 'withinMinutes')] = msg('errWithinLonger');
    }
    return { ...base, remeasure: { restMinutes, withinMinutes } } as MeasurePlan;
  });
  const questionnaires = f.questionnaires.map((e, i): QuestionnairePlan => {
    const base = entryOf('questionnaires', e, i, errs, t, limitLabel);
    const ids = new Set<string>();
    const itemRules = e.itemRules.map((r, j): ItemRule => {
      const k = (...rest: string[]) => key.entry('questionnaires', i, 'itemRules', j, ...rest);
      if (!RULE_ID.test(r.id)) errs[k('id')] = msg('errRuleId');
      else if (ids.has(r.id)) errs[k('id')] = msg('errRuleIdTaken');
      ids.add(r.id);
      const atLeast = intIn(r.atLeast, 1, 100, k('atLeast'), errs, t);
      const actions = ruleAdvice(r.advice, k('actions'), errs);
      if (r.kind === 'answer') {
        if (!r.item) errs[k('item')] = msg('errChooseItem');
        return { kind: 'answer', id: r.id, item: r.item, atLeast, zone: r.zone, ...(actions ? { actions } : {}) };
      }
      const count = intIn(r.count, 1, 100, k('count'), errs, t);
      return { kind: 'count', id: r.id, ...(r.items.length > 0 ? { items: r.items } : {}), atLeast, count, zone: r.zone, ...(actions ? { actions } : {}) };
    });
    return { ...base, ...(itemRules.length > 0 ? { itemRules } : {}) } as QuestionnairePlan;
  });
  const planned = new Set([...f.measures, ...f.questionnaires].map((e) => e.code));
  const trendIds = new Set<string>();
  const trendRules = f.trendRules.map((r, i): TrendRule => {
    const k = (...rest: string[]) => key.trend(i, ...rest);
    if (!RULE_ID.test(r.id)) errs[k('id')] = msg('errRuleId');
    else if (trendIds.has(r.id)) errs[k('id')] = msg('errRuleIdTaken');
    trendIds.add(r.id);
    if (!planned.has(r.code)) errs[k('code')] = msg('errTrendNotPlanned');
    const amount = parseDecimal(r.amount);
    if (amount === null || amount <= 0) errs[k('amount')] = msg('errPositive');
    const windowDays = intIn(r.windowDays, 1, 90, k('windowDays'), errs, t);
    let baseline: number | undefined;
    if (r.baseline.trim() !== '') {
      const b = parseDecimal(r.baseline);
      if (b === null) errs[k('baseline')] = msg('errNotNumber');
      else baseline = b;
    }
    const actions = ruleAdvice(r.advice, k('actions'), errs);
    return {
      id: r.id, code: r.code as TrendRule['code'], kind: r.kind, amount: amount ?? 0, ...(r.inclusive ? { inclusive: true } : {}), windowDays,
      ...(baseline !== undefined ? { baseline } : {}), ...(r.reference === 'median' ? { reference: 'median' as const } : {}), zone: r.zone, ...(actions ? { actions } : {}),
    };
  });
  const combinedIds = new Set<string>();
  const plannedMeasures = new Set(f.measures.map((e) => e.code));
  const combinedRules = f.combinedRules.map((r, i): CombinedRule => {
    const k = (...rest: string[]) => key.combined(i, ...rest);
    if (!RULE_ID.test(r.id)) errs[k('id')] = msg('errRuleId');
    else if (combinedIds.has(r.id)) errs[k('id')] = msg('errRuleIdTaken');
    combinedIds.add(r.id);
    const codes = r.codes.filter((c) => plannedMeasures.has(c)) as NonNullable<CombinedRule['codes']>;
    const actions = ruleAdvice(r.advice, k('actions'), errs);
    if (r.kind === 'sitting') {
      const minYellow = intIn(r.minYellow, 2, MEASURE_CODES.length, k('minYellow'), errs, t);
      if (codes.length === 1) errs[k('codes')] = msg('errTwoCodes');
      else if (codes.length > 0 && minYellow > codes.length) errs[k('minYellow')] = raw(t.errNumberRange(2, codes.length));
      return { kind: 'sitting', id: r.id, minYellow, ...(codes.length > 0 ? { codes } : {}), zone: r.zone, ...(actions ? { actions } : {}) };
    }
    const days = intIn(r.days, 2, 90, k('days'), errs, t);
    return { kind: 'consecutive_days', id: r.id, days, ...(codes.length > 0 ? { codes } : {}), zone: r.zone, ...(actions ? { actions } : {}) };
  });
  const news2: News2Settings = {
    enabled: f.news2.enabled,
    scale: f.news2.scale,
    ...(f.news2.hypercapnic ? { hypercapnicFailureConfirmed: true } : {}),
    ...(f.news2.ltot ? { longTermOxygen: true } : {}),
  };
  if (f.news2.enabled && f.news2.scale === 2 && !f.news2.hypercapnic) errs['definition.news2.scale'] = msg('errScale2');
  const plan: PlanDefinition = {
    measures,
    questionnaires,
    trendRules,
    ...(combinedRules.length > 0 ? { combinedRules } : {}),
    news2,
    medicines: f.medicines,
    contacts: f.contacts,
  };
  return { plan: Object.keys(errs).length === 0 ? plan : null, errs };
}

// ---------- Describing a plan: the preview and the diff read the same lines ----------

/** One statement a plan makes, in the reader's language. `key` is stable across versions. */
export interface PlanLine {
  key: string;
  section: string;
  what: string;
  value: string;
}

const zoneWord = (z: Zone, t: Catalogue): string => ({ green: t.zoneGreen, yellow: t.zoneYellow, red: t.zoneRed })[z];

function amountText(code: string, v: number, lang: Lang): string {
  return `${formatValue(v, lang)} ${unitLabel(code, UNIT_OF[code] ?? '{score}', lang)}`.trim();
}

export function limitLabelOf(k: LimitKey, t: Catalogue): string {
  return { redBelow: t.limitRedBelowLabel, yellowBelow: t.limitYellowBelowLabel, yellowAbove: t.limitYellowAboveLabel, redAbove: t.limitRedAboveLabel }[k];
}

export function trendText(r: TrendRule, t: Catalogue, lang: Lang): string {
  const amount = amountText(r.code, r.amount, lang);
  const from = r.baseline === undefined ? null : amountText(r.code, r.baseline, lang);
  return t.descTrend(measureName(r.code, lang), r.kind === 'rise', r.inclusive === true, amount, r.windowDays, from, zoneWord(r.zone, t));
}

export function combinedText(r: CombinedRule, t: Catalogue, lang: Lang): string {
  const codes = (r.codes ?? []).map((c) => measureName(c, lang)).join(', ');
  return r.kind === 'sitting' ? t.descSitting(r.minYellow, codes, zoneWord(r.zone, t)) : t.descConsecutive(r.days, codes, zoneWord(r.zone, t));
}

export function itemRuleText(r: ItemRule, itemName: (id: string) => string, t: Catalogue): string {
  if (r.kind === 'answer') return t.descItemAnswer(itemName(r.item), r.atLeast, zoneWord(r.zone, t));
  return t.descItemCount(r.count, (r.items ?? []).map(itemName).join(', '), r.atLeast, zoneWord(r.zone, t));
}

export function news2Text(n: News2Settings, t: Catalogue): string {
  return n.enabled ? t.descNews2(n.scale, n.hypercapnicFailureConfirmed === true, n.longTermOxygen === true) : t.descNews2Off;
}

/**
 * Every statement of a plan as a line: schedules, limits, re-measure, advice per zone and
 * language, item rules, trend and combined rules, NEWS2, medicines and contacts.
 */
export function planLines(p: PlanDefinition, t: Catalogue, lang: Lang, itemName: (code: string, id: string) => string): PlanLine[] {
  const lines: PlanLine[] = [];
  const entry = (e: MeasurePlan | QuestionnairePlan) => {
    const section = measureName(e.code, lang);
    const k = `entry:${e.code}`;
    lines.push({ key: `${k}:schedule`, section, what: t.peSchedule, value: scheduleText(e.schedule, t) });
    for (const lk of LIMIT_KEYS) {
      const v = e.thresholds[lk];
      if (v !== undefined) lines.push({ key: `${k}:${lk}`, section, what: limitLabelOf(lk, t), value: amountText(e.code, v, lang) });
    }
    if ('remeasure' in e && e.remeasure) lines.push({ key: `${k}:remeasure`, section, what: t.peRemeasure, value: t.descRemeasure(e.remeasure.restMinutes, e.remeasure.withinMinutes) });
    if ('itemRules' in e) {
      for (const r of e.itemRules ?? []) {
        lines.push({ key: `${k}:item:${r.id}`, section, what: `${t.peItemRules} (${r.id})`, value: itemRuleText(r, (id) => itemName(e.code, id), t) });
        if (r.actions) for (const l of LANGS) lines.push({ key: `${k}:item:${r.id}:advice:${l}`, section, what: `${t.peRuleAdvice} (${r.id}, ${LANGUAGE_NAMES[l]})`, value: r.actions[l] });
      }
    }
    for (const z of ZONES) {
      for (const l of LANGS) {
        lines.push({ key: `${k}:advice:${z}:${l}`, section, what: `${{ green: t.adviceGreen, yellow: t.adviceYellow, red: t.adviceRed }[z]} (${LANGUAGE_NAMES[l]})`, value: e.actions[z][l] });
      }
    }
  };
  p.measures.forEach(entry);
  p.questionnaires.forEach(entry);
  for (const r of p.trendRules) {
    lines.push({ key: `trend:${r.id}`, section: t.peTrendRules, what: r.id, value: trendText(r, t, lang) });
    if (r.actions) for (const l of LANGS) lines.push({ key: `trend:${r.id}:advice:${l}`, section: t.peTrendRules, what: `${t.peRuleAdvice} (${r.id}, ${LANGUAGE_NAMES[l]})`, value: r.actions[l] });
  }
  for (const r of p.combinedRules ?? []) {
    lines.push({ key: `combined:${r.id}`, section: t.peCombinedRules, what: r.id, value: combinedText(r, t, lang) });
    if (r.actions) for (const l of LANGS) lines.push({ key: `combined:${r.id}:advice:${l}`, section: t.peCombinedRules, what: `${t.peRuleAdvice} (${r.id}, ${LANGUAGE_NAMES[l]})`, value: r.actions[l] });
  }
  lines.push({ key: 'news2', section: 'NEWS2', what: 'NEWS2', value: news2Text(p.news2, t) });
  if (p.medicines.trim()) lines.push({ key: 'medicines', section: t.planMedicines, what: t.planMedicines, value: p.medicines });
  if (p.contacts.trim()) lines.push({ key: 'contacts', section: t.planContacts, what: t.planContacts, value: p.contacts });
  return lines;
}

export interface PlanChange {
  kind: 'added' | 'removed' | 'changed';
  section: string;
  what: string;
  before: string | null;
  after: string | null;
}

/** What changes if `next` replaces `current`: every line added, removed or changed, in plan order. */
export function diffPlans(current: PlanDefinition | null, next: PlanDefinition, t: Catalogue, lang: Lang, itemName: (code: string, id: string) => string): PlanChange[] {
  const before = new Map((current ? planLines(current, t, lang, itemName) : []).map((l) => [l.key, l]));
  const after = planLines(next, t, lang, itemName);
  const out: PlanChange[] = [];
  const seen = new Set<string>();
  for (const l of after) {
    seen.add(l.key);
    const b = before.get(l.key);
    if (!b) out.push({ kind: 'added', section: l.section, what: l.what, before: null, after: l.value });
    else if (b.value !== l.value) out.push({ kind: 'changed', section: l.section, what: l.what, before: b.value, after: l.value });
  }
  for (const [k, b] of before) if (!seen.has(k)) out.push({ kind: 'removed', section: b.section, what: b.what, before: b.value, after: null });
  return out;
}

