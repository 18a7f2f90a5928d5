import { CATALOGUE, type MeasureCode, roundTo } from './catalogue.js';
import { news2 as computeNews2, type News2Result } from './news2.js';
import { type PlanDefinition, type Schedule, type Thresholds, type TrendRule, planEntryFor } from './plan.js';
import { PHQ9_SELF_HARM_ITEM, QUESTIONNAIRES, isQuestionnaireCode, scoreQuestionnaire, severityFor } from './questionnaires.js';
import { type Result, ok } from './result.js';
import { type Lang, type LocalText, formatNumber, localise } from './text.js';
import { addDays, isValidTimeZone, isoWeekday, toLocal, zonedInstant } from './time.js';

/*
 * The triage engine: pure functions from (plan, observations, time) to findings.
 * A finding is one rule firing; the server turns findings into alerts, merging
 * findings for the same episode and `ruleId` into one open alert, so ruleIds must
 * be stable across calls and plan versions.
 */

export type Zone = 'green' | 'yellow' | 'red';

/** A stored observation in canonical units (see normaliseMeasurement). */
export interface ObservationPoint {
  id: string;
  code: MeasureCode;
  value: number;
  unit: string;
  effectiveAt: Date;
}

export interface FindingValue {
  observationId?: string;
  code: MeasureCode;
  value: number;
  unit: string;
  /** ISO 8601 */
  effectiveAt: string;
}

export interface Finding {
  /**
   * Stable rule key: 'threshold:<code>', 'trend:<rule id>', 'missing:<code>',
   * 'news2', 'questionnaire:<code>', 'questionnaire:phq9:item9'. The server merges
   * findings of the same episode and ruleId into one open alert.
   */
  ruleId: string;
  kind: 'threshold' | 'trend' | 'missing' | 'questionnaire' | 'news2';
  zone: 'yellow' | 'red' | 'missing';
  code?: MeasureCode;
  planVersion: number;
  values: FindingValue[];
  /** ISO 8601: when the finding happened (the observation time, or the missed due time). */
  at: string;
  /** Nurse-facing explanation: rule, limit, value and plan version. */
  summary: LocalText;
}

export interface Evaluation {
  /** Worst zone among the new observations and the findings they caused. */
  zone: Zone;
  /** Zone of each new observation from its own thresholds and trend rules, in time order. */
  perObservation: { id: string; zone: Zone }[];
  findings: Finding[];
  /** The plan's patient-facing action text for `zone`. */
  actions: LocalText;
}

const ZONE_RANK: Record<Zone, number> = { green: 0, yellow: 1, red: 2 };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The more severe of zones (green < yellow < red). */
export function worstZone(...zones: Zone[]): Zone {
  return zones.reduce<Zone>((a, b) => (ZONE_RANK[b] > ZONE_RANK[a] ? b : a), 'green');
}

/** Which limit a value crosses, red before yellow; null when green. */
export function thresholdCrossed(
  thresholds: Thresholds,
  value: number,
): { zone: 'yellow' | 'red'; key: keyof Thresholds; limit: number } | null {
  const { redBelow, yellowBelow, yellowAbove, redAbove } = thresholds;
  if (redBelow !== undefined && value < redBelow) return { zone: 'red', key: 'redBelow', limit: redBelow };
  if (redAbove !== undefined && value > redAbove) return { zone: 'red', key: 'redAbove', limit: redAbove };
  if (yellowBelow !== undefined && value < yellowBelow) return { zone: 'yellow', key: 'yellowBelow', limit: yellowBelow };
  if (yellowAbove !== undefined && value > yellowAbove) return { zone: 'yellow', key: 'yellowAbove', limit: yellowAbove };
  return null;
}

/**
 * Zone of a value against per-patient limits. Limits are strict ("below 88" means
 * 87 and under); absent limits never fire, so `{}` is always green.
 * @param thresholds plan limits for the measure
 * @param value value in canonical unit
 */
export function zoneFor(thresholds: Thresholds, value: number): Zone {
  return thresholdCrossed(thresholds, value)?.zone ?? 'green';
}

/*
 * Fallback patient texts, used only when an observation or rule has no plan entry
 * to take its action text from (e.g. a NEWS2 finding in a plan that does not list
 * the vital). The plan's own text always wins.
 */
export const DEFAULT_ACTIONS: Record<Zone, LocalText> = {
  green: { nb: 'Takk for målingen. Fortsett som vanlig.', nn: 'Takk for målinga. Hald fram som vanleg.', en: 'Thank you for your measurement. Carry on as usual.' },
  yellow: {
    nb: 'Målingen er utenfor det som er vanlig for deg. Følg egenbehandlingsplanen din. Sykepleieren ser på målingen og tar kontakt ved behov.',
    nn: 'Målinga er utanfor det som er vanleg for deg. Følg eigenbehandlingsplanen din. Sjukepleiaren ser på målinga og tek kontakt ved behov.',
    en: 'This measurement is outside what is usual for you. Follow your self-management plan. The nurse will look at it and contact you if needed.',
  },
  red: {
    nb: 'Målingen er i rødt område. Ring fastlegen eller legevakten på 116 117 nå. Er det livstruende, ring 113.',
    nn: 'Målinga er i raudt område. Ring fastlegen eller legevakta på 116 117 no. Er det livstrugande, ring 113.',
    en: 'This measurement is in the red zone. Call your GP or the out-of-hours service (legevakt) on 116 117 now. If it is life-threatening, call 113.',
  },
};

/** Shown to a patient who reports thoughts of death or self-harm (PHQ-9 item 9 > 0), whatever the plan says. */
export const SELF_HARM_ACTION: LocalText = {
  nb: 'Du har svart at du har hatt tanker om at det ville vært bedre om du var død, eller om å skade deg selv. Det er viktig at du snakker med noen om dette i dag. Ring fastlegen eller legevakten på 116 117. Du kan også ringe Mental Helses hjelpetelefon på 116 123, hele døgnet. Er livet i fare, ring 113.',
  nn: 'Du har svara at du har hatt tankar om at det ville vore betre om du var død, eller om å skade deg sjølv. Det er viktig at du snakkar med nokon om dette i dag. Ring fastlegen eller legevakta på 116 117. Du kan òg ringje hjelpetelefonen til Mental Helse på 116 123, heile døgnet. Er livet i fare, ring 113.',
  en: "You have answered that you have had thoughts that you would be better off dead, or of hurting yourself. It is important that you talk to someone about this today. Call your GP or the out-of-hours service (legevakt) on 116 117. You can also call Mental Helse's helpline on 116 123, day and night. If a life is in danger, call 113.",
};

// ---------------------------------------------------------------- text helpers

const ZONE_WORD: Record<'yellow' | 'red', LocalText> = {
  yellow: { nb: 'gul', nn: 'gul', en: 'yellow' },
  red: { nb: 'rød', nn: 'raud', en: 'red' },
};
const POINTS: LocalText = { nb: 'poeng', nn: 'poeng', en: 'points' };

function decimalsIn(n: number): number {
  const s = String(n);
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

/** A value with its unit, in the reader's language ("38,2 °C", "21 poeng"). */
function valueText(code: MeasureCode, value: number, lang: Lang): string {
  const def = CATALOGUE[code];
  const n = formatNumber(value, Math.max(def.decimals, Math.min(decimalsIn(value), 3)), lang);
  if (def.kind === 'score') return `${n} ${POINTS[lang]}`;
  // "102/min" but "87 %" and "38,4 °C" (Språkrådet: space before % and units).
  if (def.unitDisplay === '') return n;
  return def.unitDisplay.startsWith('/') ? `${n}${def.unitDisplay}` : `${n} ${def.unitDisplay}`;
}

/** Lower-cases a plain word label for use mid-sentence, leaving acronyms such as SpO2 or PHQ-9 alone. */
function midSentence(label: string): string {
  return /^[A-ZÆØÅ][a-zæøå ]+$/.test(label) ? label.toLowerCase() : label;
}

const planTag = (v: number): string => `(plan v${v})`;

function toFindingValue(o: ObservationPoint): FindingValue {
  return { observationId: o.id, code: o.code, value: o.value, unit: o.unit, effectiveAt: o.effectiveAt.toISOString() };
}

/** Stable time order; the id tie-break makes the result independent of input order. */
function byTime(a: ObservationPoint, b: ObservationPoint): number {
  const d = a.effectiveAt.getTime() - b.effectiveAt.getTime();
  if (d !== 0) return d;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.value - b.value;
}

// ---------------------------------------------------------------- thresholds

function thresholdFinding(
  obs: ObservationPoint,
  crossed: { zone: 'yellow' | 'red'; key: keyof Thresholds; limit: number },
  planVersion: number,
  questionnaire: boolean,
): Finding {
  const below = crossed.key === 'redBelow' || crossed.key === 'yellowBelow';
  const label = CATALOGUE[obs.code].display;
  const severity = questionnaire && isQuestionnaireCode(obs.code) ? severityFor(obs.code, obs.value) : null;
  const summary = localise((lang) => {
    const dir = below ? { nb: 'under', nn: 'under', en: 'below' }[lang] : { nb: 'over', nn: 'over', en: 'above' }[lang];
    const limitWord = { nb: 'grense', nn: 'grense', en: 'limit' }[lang];
    const zoneWord = ZONE_WORD[crossed.zone][lang];
    const sev = severity === null ? '' : ` – ${midSentence(severity[lang])}`;
    return `${label[lang]} ${valueText(obs.code, obs.value, lang)} ${dir} ${zoneWord} ${limitWord} ${valueText(obs.code, crossed.limit, lang)}${sev} ${planTag(planVersion)}`;
  });
  return {
    ruleId: questionnaire ? `questionnaire:${obs.code}` : `threshold:${obs.code}`,
    kind: questionnaire ? 'questionnaire' : 'threshold',
    zone: crossed.zone,
    code: obs.code,
    planVersion,
    values: [toFindingValue(obs)],
    at: obs.effectiveAt.toISOString(),
    summary,
  };
}

// ---------------------------------------------------------------- trends

/**
 * Whether a trend rule fires for an observation, comparing it with the lowest
 * (rise) or highest (fall) earlier value of the same code inside the window.
 * Comparing with the extreme rather than the oldest value catches a gain that
 * started mid-window, which is how fluid retention in heart failure usually looks.
 * @param rule the plan's trend rule
 * @param obs the observation being evaluated
 * @param all every known observation (history and new); only earlier ones are used
 * @returns the reference observation and the change, or null
 */
export function trendFires(
  rule: TrendRule,
  obs: ObservationPoint,
  all: readonly ObservationPoint[],
): { reference: ObservationPoint; change: number } | null {
  if (rule.code !== obs.code) return null;
  const t = obs.effectiveAt.getTime();
  const from = t - rule.windowDays * DAY_MS;
  let reference: ObservationPoint | undefined;
  for (const o of all) {
    const ot = o.effectiveAt.getTime();
    if (o.code !== rule.code || o.id === obs.id || ot < from || ot >= t) continue;
    if (reference === undefined) {
      reference = o;
      continue;
    }
    const better = rule.kind === 'rise' ? o.value < reference.value : o.value > reference.value;
    if (better || (o.value === reference.value && byTime(o, reference) < 0)) reference = o;
  }
  if (reference === undefined) return null;
  // Rounded so that 82.1 − 80.1 is 2, not 2.0000000000000284, before the strict comparison.
  const change = roundTo(rule.kind === 'rise' ? obs.value - reference.value : reference.value - obs.value, 6);
  return change > rule.amount ? { reference, change } : null;
}

function trendFinding(rule: TrendRule, obs: ObservationPoint, reference: ObservationPoint, change: number, planVersion: number): Finding {
  const label = CATALOGUE[obs.code].display;
  const summary = localise((lang) => {
    const verb = rule.kind === 'rise' ? { nb: 'har steget', nn: 'har stige', en: 'rose' }[lang] : { nb: 'har falt', nn: 'har falle', en: 'fell' }[lang];
    const days = formatNumber(rule.windowDays, decimalsIn(rule.windowDays), lang);
    const span = { nb: `på ${days} døgn`, nn: `på ${days} døgn`, en: `within ${days} days` }[lang];
    const limit = { nb: 'mer enn grensen', nn: 'meir enn grensa', en: 'more than the limit' }[lang];
    const path = `${valueText(obs.code, reference.value, lang)} → ${valueText(obs.code, obs.value, lang)}`;
    return `${label[lang]} ${verb} ${valueText(obs.code, change, lang)} ${span} (${path}), ${limit} ${valueText(obs.code, rule.amount, lang)} ${planTag(planVersion)}`;
  });
  return {
    ruleId: `trend:${rule.id}`,
    kind: 'trend',
    zone: rule.zone,
    code: obs.code,
    planVersion,
    values: [toFindingValue(reference), toFindingValue(obs)],
    at: obs.effectiveAt.toISOString(),
    summary,
  };
}

// ---------------------------------------------------------------- NEWS2

/** The vitals a patient can measure at home that feed NEWS2, mapped to the news2() input. */
const NEWS2_VITALS = {
  resp_rate: 'respRate',
  spo2: 'spo2',
  bp_systolic: 'systolic',
  heart_rate: 'pulse',
  temperature: 'temperature',
} as const satisfies Partial<Record<MeasureCode, string>>;
type News2Vital = keyof typeof NEWS2_VITALS;
const isNews2Vital = (c: MeasureCode): c is News2Vital => c in NEWS2_VITALS;

// RCP 2017 scores a set of observations taken together; a one-hour window is how
// we define "together" for a patient measuring one device after another at home.
const NEWS2_WINDOW_MS = HOUR_MS;

/** RCP 2017 chart 2 thresholds, mapped to zones: high (≥7) → red; medium (5–6) or a single 3 → yellow. */
function news2Zone(r: News2Result): 'yellow' | 'red' | null {
  if (r.risk === 'high') return 'red';
  if (r.risk === 'medium' || r.anyParameterThree) return 'yellow';
  return null;
}

const NEWS2_LABELS: Record<News2Vital, LocalText> = {
  resp_rate: { nb: 'resp.frekvens', nn: 'resp.frekvens', en: 'resp. rate' },
  spo2: { nb: 'SpO2', nn: 'SpO2', en: 'SpO2' },
  bp_systolic: { nb: 'syst. BT', nn: 'syst. BT', en: 'syst. BP' },
  heart_rate: { nb: 'puls', nn: 'puls', en: 'pulse' },
  temperature: { nb: 'temp.', nn: 'temp.', en: 'temp.' },
};
const NEWS2_RISK_TEXT: Record<News2Result['risk'], LocalText> = {
  low: { nb: 'lav risiko', nn: 'låg risiko', en: 'low risk' },
  'low-medium': { nb: 'lav–middels risiko: 3 poeng på én parameter', nn: 'låg–middels risiko: 3 poeng på éin parameter', en: 'low–medium risk: 3 points in one parameter' },
  medium: { nb: 'middels risiko', nn: 'middels risiko', en: 'medium risk' },
  high: { nb: 'høy risiko', nn: 'høg risiko', en: 'high risk' },
};

/**
 * NEWS2 over the latest value of each home vital within one hour up to `at`.
 * @returns the score and the observations used, or null when a vital is missing
 */
export function news2Snapshot(
  all: readonly ObservationPoint[],
  at: Date,
  scale: 1 | 2,
): { result: News2Result; used: ObservationPoint[] } | null {
  const t = at.getTime();
  const latest = new Map<News2Vital, ObservationPoint>();
  for (const o of all) {
    const ot = o.effectiveAt.getTime();
    if (!isNews2Vital(o.code) || ot > t || ot < t - NEWS2_WINDOW_MS) continue;
    const prev = latest.get(o.code);
    if (prev === undefined || byTime(prev, o) < 0) latest.set(o.code, o);
  }
  const v = (c: News2Vital): number | undefined => latest.get(c)?.value;
  const result = computeNews2({
    scale,
    respRate: v('resp_rate'),
    spo2: v('spo2'),
    systolic: v('bp_systolic'),
    pulse: v('heart_rate'),
    temperature: v('temperature'),
  });
  if (!result.complete) return null;
  const order = Object.keys(NEWS2_VITALS) as News2Vital[];
  const used = order.map((c) => latest.get(c)).filter((o): o is ObservationPoint => o !== undefined);
  return { result, used };
}

function news2Finding(result: News2Result, used: ObservationPoint[], at: Date, zone: 'yellow' | 'red', scale: 1 | 2, planVersion: number): Finding {
  const summary = localise((lang) => {
    const parts = used
      .map((o) => {
        const key = NEWS2_VITALS[o.code as News2Vital];
        return `${NEWS2_LABELS[o.code as News2Vital][lang]} ${valueText(o.code, o.value, lang)} (${result.parts[key] ?? 0})`;
      })
      .join(', ');
    const scaleText = { nb: `SpO2-skala ${scale}`, nn: `SpO2-skala ${scale}`, en: `SpO2 scale ${scale}` }[lang];
    return `NEWS2 ${result.score} (${NEWS2_RISK_TEXT[result.risk][lang]}): ${parts}; ${scaleText} ${planTag(planVersion)}`;
  });
  return { ruleId: 'news2', kind: 'news2', zone, planVersion, values: used.map(toFindingValue), at: at.toISOString(), summary };
}

// ---------------------------------------------------------------- evaluate

/**
 * Triage of newly received observations against the patient's plan.
 * New observations are processed in time order (offline uploads may arrive late and
 * out of order), each seeing only observations from before it for trend rules; the
 * result does not depend on the order of `newObservations`. History entries with the
 * same id as a new observation are ignored, so re-sent uploads are harmless.
 *
 * Produces: a threshold finding ('threshold:<code>', or 'questionnaire:<code>' for
 * questionnaire totals) for each yellow/red value; a trend finding ('trend:<id>');
 * and, when the plan enables NEWS2, a 'news2' finding when a complete set of home
 * vitals within one hour scores 5–6 or has a single parameter at 3 (yellow) or
 * scores ≥7 (red). NEWS2 is scored at the newest vital of each burst of
 * measurements, so re-measuring within the hour supersedes the first value.
 * The server merges findings into alerts by episode + `ruleId`.
 *
 * @param input plan and its version, new observations, earlier observations (any order)
 * @returns overall zone, per-observation zones, findings and the patient action text
 */
export function evaluate(input: {
  plan: PlanDefinition;
  planVersion: number;
  newObservations: ObservationPoint[];
  history: ObservationPoint[];
}): Evaluation {
  const { plan, planVersion } = input;
  const newIds = new Set(input.newObservations.map((o) => o.id));
  const ordered = [...input.newObservations].sort(byTime);
  const all = [...input.history.filter((o) => !newIds.has(o.id)), ...ordered];

  const perObservation: { id: string; zone: Zone }[] = [];
  const obsFindings: Finding[] = [];
  // Patient texts that could be shown, in priority order; the last one of the worst zone wins.
  const candidates: { zone: Zone; actions: LocalText }[] = [];

  for (const obs of ordered) {
    const entry = planEntryFor(plan, obs.code);
    let zone: Zone = 'green';
    if (entry !== undefined) {
      const crossed = thresholdCrossed(entry.thresholds, obs.value);
      if (crossed !== null) {
        zone = crossed.zone;
        obsFindings.push(thresholdFinding(obs, crossed, planVersion, isQuestionnaireCode(obs.code) && plan.questionnaires.some((q) => q.code === obs.code)));
      }
      candidates.push({ zone, actions: entry.actions[zone] });
    }
    for (const rule of plan.trendRules) {
      const fired = trendFires(rule, obs, all);
      if (fired === null) continue;
      zone = worstZone(zone, rule.zone);
      obsFindings.push(trendFinding(rule, obs, fired.reference, fired.change, planVersion));
      candidates.push({ zone: rule.zone, actions: rule.actions ?? entry?.actions[rule.zone] ?? DEFAULT_ACTIONS[rule.zone] });
    }
    perObservation.push({ id: obs.id, zone });
  }

  const news2Findings: Finding[] = [];
  const news2Candidates: { zone: Zone; actions: LocalText }[] = [];
  if (plan.news2.enabled) {
    const vitals = ordered.filter((o) => isNews2Vital(o.code));
    vitals.forEach((o, i) => {
      const next = vitals[i + 1];
      // Only the newest vital of a burst is scored; an earlier one is superseded by a re-measure within the hour.
      if (next !== undefined && next.effectiveAt.getTime() - o.effectiveAt.getTime() <= NEWS2_WINDOW_MS) return;
      const snap = news2Snapshot(all, o.effectiveAt, plan.news2.scale);
      if (snap === null) return;
      const zone = news2Zone(snap.result);
      if (zone === null) return;
      news2Findings.push(news2Finding(snap.result, snap.used, o.effectiveAt, zone, plan.news2.scale, planVersion));
      const entry = plan.measures.find((m) => snap.used.some((u) => u.code === m.code));
      news2Candidates.push({ zone, actions: entry?.actions[zone] ?? DEFAULT_ACTIONS[zone] });
    });
  }

  const findings = [...obsFindings, ...news2Findings];
  const zone = worstZone(...perObservation.map((p) => p.zone), ...news2Candidates.map((c) => c.zone));
  // Observation texts come last so they beat the generic NEWS2 text on a tie: they name the actual problem.
  const pool = [...news2Candidates, ...candidates].filter((c) => c.zone === zone);
  const actions = pool[pool.length - 1]?.actions ?? DEFAULT_ACTIONS[zone];
  return { zone, perObservation, findings, actions };
}

// ---------------------------------------------------------------- questionnaires

export interface QuestionnaireEvaluation extends Evaluation {
  score: number;
  maxScore: number;
  severity: LocalText;
  /** The total as an observation (id = responseId), ready to store and chart. */
  observation: ObservationPoint;
}

/**
 * Scores a questionnaire response and triages it like an observation of its total,
 * plus safety rules that need the individual answers: PHQ-9 item 9 (thoughts of
 * death or self-harm) above 0 always gives a red 'questionnaire:phq9:item9' finding
 * and the self-harm action text, whatever the total and whether or not PHQ-9 is in
 * the plan (PHQ-9 instructions, Kroenke/Spitzer/Williams: any positive answer to item 9
 * needs a further assessment of suicide risk, whatever the total).
 * @param input plan, version, questionnaire code, answers (item id → value), response id and time,
 *   optional history of earlier totals for trend rules
 * @returns the evaluation, or the scoring error (missing/invalid answer, unknown questionnaire)
 */
export function evaluateQuestionnaire(input: {
  plan: PlanDefinition;
  planVersion: number;
  code: string;
  answers: Record<string, number>;
  responseId: string;
  effectiveAt: Date;
  history?: ObservationPoint[];
}): Result<QuestionnaireEvaluation> {
  const scored = scoreQuestionnaire(input.code, input.answers);
  if (!scored.ok) return scored;
  const { code, score, maxScore, severity } = scored.value;
  const observation: ObservationPoint = { id: input.responseId, code, value: score, unit: CATALOGUE[code].unit, effectiveAt: input.effectiveAt };
  const base = evaluate({ plan: input.plan, planVersion: input.planVersion, newObservations: [observation], history: input.history ?? [] });
  const selfHarm = code === 'phq9' ? (input.answers[PHQ9_SELF_HARM_ITEM] ?? 0) : 0;
  if (selfHarm <= 0) return ok({ ...base, score, maxScore, severity, observation });

  const item = QUESTIONNAIRES.phq9.items.find((i) => i.id === PHQ9_SELF_HARM_ITEM);
  const answerText = item?.options.find((o) => o.value === selfHarm)?.text;
  const quoted = (lang: Lang): string =>
    answerText === undefined ? String(selfHarm) : lang === 'en' ? `“${answerText.en}” (${selfHarm})` : `«${answerText[lang]}» (${selfHarm})`;
  const tag = planTag(input.planVersion);
  const finding: Finding = {
    ruleId: 'questionnaire:phq9:item9',
    kind: 'questionnaire',
    zone: 'red',
    code: 'phq9',
    planVersion: input.planVersion,
    values: [toFindingValue(observation)],
    at: input.effectiveAt.toISOString(),
    summary: {
      nb: `PHQ-9 spørsmål 9 (tanker om død eller selvskading) besvart med ${quoted('nb')}; sum ${score} – vurder selvmordsrisiko samme dag ${tag}`,
      nn: `PHQ-9 spørsmål 9 (tankar om død eller sjølvskading) svara med ${quoted('nn')}; sum ${score} – vurder sjølvmordsrisiko same dag ${tag}`,
      en: `PHQ-9 item 9 (thoughts of death or self-harm) answered ${quoted('en')}; total ${score} – assess suicide risk the same day ${tag}`,
    },
  };
  return ok({
    ...base,
    zone: 'red',
    perObservation: base.perObservation.map((p) => (p.id === observation.id ? { ...p, zone: 'red' as const } : p)),
    findings: [...base.findings, finding],
    actions: SELF_HARM_ACTION,
    score,
    maxScore,
    severity,
    observation,
  });
}

// ---------------------------------------------------------------- missing

/** Local 'YYYY-MM-DD' dates on which a schedule is due. */
function isScheduledDay(schedule: Exclude<Schedule, { kind: 'as_needed' }>, date: string): boolean {
  return schedule.kind === 'daily' || schedule.weekdays.includes(isoWeekday(date));
}

// Longest grace (7 days) plus a full week of weekdays: far enough back to always find the latest occurrence.
const MISSING_LOOKBACK_DAYS = 15;

/**
 * The latest due occurrence of a schedule whose deadline (due + grace) has passed.
 * @returns the local date, the due instant and the start of the window in which a
 *   report counts for it, or null for 'as_needed'
 */
export function latestMissedOccurrence(
  schedule: Schedule,
  now: Date,
  timeZone: string,
): { date: string; due: Date; windowStart: Date } | null {
  if (schedule.kind === 'as_needed') return null;
  const today = toLocal(now, timeZone).date;
  for (let back = 0; back <= MISSING_LOOKBACK_DAYS; back++) {
    const date = addDays(today, -back);
    if (!isScheduledDay(schedule, date)) continue;
    const due = zonedInstant(date, schedule.dueBy, timeZone);
    if (due.getTime() + schedule.graceMinutes * 60_000 > now.getTime()) continue;
    let windowStart = zonedInstant(date, '00:00', timeZone);
    if (schedule.kind === 'weekly') {
      // Weekly reports count from the previous scheduled due moment: measuring on Sunday for a Monday schedule is fine.
      for (let d = 1; d <= 7; d++) {
        const prev = addDays(date, -d);
        if (isScheduledDay(schedule, prev)) {
          windowStart = zonedInstant(prev, schedule.dueBy, timeZone);
          break;
        }
      }
    }
    return { date, due, windowStart };
  }
  return null;
}

function localStamp(at: Date, timeZone: string, lang: Lang): string {
  const l = toLocal(at, timeZone);
  const hm = `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
  if (lang === 'en') return `${l.date} ${hm}`;
  return `${String(l.day).padStart(2, '0')}.${String(l.month).padStart(2, '0')}.${l.year} kl. ${hm}`;
}

/**
 * Missing-measurement findings: for every scheduled measure and questionnaire, if
 * the latest due moment (dueBy on a scheduled local day in `timeZone`) plus grace
 * has passed and nothing of that code was reported since the start of that local
 * day (weekly: since the previous scheduled due moment), one 'missing:<code>'
 * finding for that occurrence. Occurrences due before `since` (episode or plan
 * start) are never reported. Correct across DST changes.
 * @param input plan, version, recent observations, the current time, the service's IANA time zone,
 *   and the episode/plan start
 * @throws RangeError if `timeZone` is not a known IANA zone (a configuration error, not bad data)
 */
export function detectMissing(input: {
  plan: PlanDefinition;
  planVersion: number;
  observations: ObservationPoint[];
  now: Date;
  timeZone: string;
  since: Date;
}): Finding[] {
  if (!isValidTimeZone(input.timeZone)) throw new RangeError(`Unknown time zone "${input.timeZone}"`);
  const entries = [...input.plan.measures, ...input.plan.questionnaires];
  const findings: Finding[] = [];
  for (const entry of entries) {
    const occ = latestMissedOccurrence(entry.schedule, input.now, input.timeZone);
    if (occ === null || occ.due.getTime() < input.since.getTime()) continue;
    const reported = input.observations.some((o) => o.code === entry.code && o.effectiveAt.getTime() >= occ.windowStart.getTime());
    if (reported) continue;
    const label = CATALOGUE[entry.code].display;
    const tag = planTag(input.planVersion);
    findings.push({
      ruleId: `missing:${entry.code}`,
      kind: 'missing',
      zone: 'missing',
      code: entry.code,
      planVersion: input.planVersion,
      values: [],
      at: occ.due.toISOString(),
      summary: {
        nb: `Mangler ${midSentence(label.nb)}: skulle vært registrert innen ${localStamp(occ.due, input.timeZone, 'nb')} ${tag}`,
        nn: `Manglar ${midSentence(label.nn)}: skulle vore registrert innan ${localStamp(occ.due, input.timeZone, 'nn')} ${tag}`,
        en: `Missing ${midSentence(label.en)}: was due by ${localStamp(occ.due, input.timeZone, 'en')} ${tag}`,
      },
    });
  }
  return findings;
}

// ---------------------------------------------------------------- worklist

export type WorklistStatus = 'red' | 'yellow' | 'missing' | 'green';

const WORKLIST_RANK: Record<WorklistStatus, number> = { red: 0, yellow: 1, missing: 2, green: 3 };

/**
 * Sort order for the nurse's worklist: red, then yellow, then missing, then green;
 * within a status the one waiting longest (oldest `since`) first. A total order, so
 * it can be used directly with Array.prototype.sort.
 * @returns negative if `a` comes first, positive if `b` does, 0 if equal
 */
export function compareWorklist(a: { status: WorklistStatus; since: Date }, b: { status: WorklistStatus; since: Date }): number {
  const r = WORKLIST_RANK[a.status] - WORKLIST_RANK[b.status];
  if (r !== 0) return r;
  const d = a.since.getTime() - b.since.getTime();
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}
