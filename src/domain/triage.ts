import { CATALOGUE, type Interpretation, MEASURE_CODE_LIST, type MeasureCode, roundTo } from './catalogue.js';
import { news2 as computeNews2, type News2Result } from './news2.js';
import {
  type CombinedRule,
  type ItemRule,
  MAX_WINDOW_DAYS,
  type PlanDefinition,
  type Remeasure,
  type Schedule,
  type Thresholds,
  type TrendRule,
  planEntryFor,
} from './plan.js';
import { PHQ9_SELF_HARM_ITEM, QUESTIONNAIRES, isQuestionnaireCode, scoreQuestionnaire, severityFor } from './questionnaires.js';
import { type Result, ok } from './result.js';
import { type Lang, type LocalText, formatNumber, localise } from './text.js';
import { addDays, isValidTimeZone, isoWeekday, toLocal, zonedInstant } from './time.js';

/*
 * The triage engine: pure functions from (plan, observations, time) to findings.
 * A finding is one rule firing; the server turns findings into alerts, merging
 * findings for the same episode and `ruleId` into one open alert, so ruleIds must
 * be stable across calls and plan versions. Findings of one sitting are first
 * combined into one (groupSittingFindings), so a sitting raises one alert.
 */

export type Zone = 'green' | 'yellow' | 'red';

/** The patient's zone when the episode does not say otherwise. */
export const DEFAULT_TIME_ZONE = 'Europe/Oslo';

/** A stored observation in canonical units (see normaliseMeasurement), exactly as measured. */
export interface ObservationPoint {
  id: string;
  code: MeasureCode;
  value: number;
  unit: string;
  effectiveAt: Date;
  /** The meter showed "HI"/"LO" (out of its range); `value` is then the edge of that range. */
  interpretation?: Interpretation | undefined;
}

/**
 * An ObservationPoint, with `interpretation` only when there is one. Two plain literals instead of
 * a spread of `{ interpretation }` or `{}`, which made a throwaway object per point (triage builds
 * one per reading and per history row; bench/README.md round 20).
 */
export function observationPoint(id: string, code: MeasureCode, value: number, unit: string, effectiveAt: Date, interpretation?: Interpretation | null): ObservationPoint {
  return interpretation ? { id, code, value, unit, effectiveAt, interpretation } : { id, code, value, unit, effectiveAt };
}

export interface FindingValue {
  observationId?: string;
  code: MeasureCode;
  value: number;
  unit: string;
  /** ISO 8601 */
  effectiveAt: string;
  interpretation?: Interpretation;
}

export interface Finding {
  /**
   * Stable rule key: 'threshold:<code>', 'trend:<rule id>', 'combined:<rule id>', 'missing:<code>',
   * 'news2', 'questionnaire:<code>', 'questionnaire:<code>:<item rule id>', 'questionnaire:phq9:item9'.
   * The server merges findings of the same episode and ruleId into one open alert.
   */
  ruleId: string;
  kind: 'threshold' | 'trend' | 'combined' | 'missing' | 'questionnaire' | 'news2';
  zone: 'yellow' | 'red' | 'missing';
  code?: MeasureCode;
  planVersion: number;
  values: FindingValue[];
  /** ISO 8601: when the finding happened (the observation time, or the missed due time). */
  at: string;
  /** Nurse-facing explanation: rule, limit, value and plan version. */
  summary: LocalText;
  /** For a finding combining a sitting (groupSittingFindings): every rule that fired, worst first. */
  rules?: { ruleId: string; kind: Finding['kind']; zone: 'yellow' | 'red' | 'missing'; summary: LocalText }[];
  /** NEWS2 from only some of the home vitals (the missing ones counted as 0). */
  partial?: boolean;
  /** NEWS2 findings: the aggregate score as a number, so the worklist ranks by it without parsing text. */
  score?: number;
}

/** A reading held back until the patient has rested and measured again (plan `remeasure`). */
export interface RemeasureRequest {
  code: MeasureCode;
  observationId: string;
  restMinutes: number;
  /** ISO 8601: if nothing new has arrived by then, the first reading's yellow is raised. */
  until: string;
}

export interface Evaluation {
  /** Worst zone among the new observations and the findings they caused. */
  zone: Zone;
  /** Zone of each new observation from its own thresholds and trend rules, in time order. */
  perObservation: { id: string; zone: Zone }[];
  findings: Finding[];
  /** The plan's patient-facing action text for `zone`. */
  actions: LocalText;
  /** Yellow readings held for a re-measurement: the app asks the patient to rest and measure again. */
  remeasure: RemeasureRequest[];
}

const ZONE_RANK: Record<Zone, number> = { green: 0, yellow: 1, red: 2 };
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
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

/** Why a single reading is yellow or red. */
export type ReadingCrossing =
  | { zone: 'yellow' | 'red'; reason: 'plan'; key: keyof Thresholds; limit: number }
  | { zone: 'red'; reason: 'critical'; below: boolean; limit: number }
  | { zone: 'red'; reason: 'flag'; flag: Interpretation };

/**
 * The zone of one reading: a meter's HI/LO flag is red; the plan's red limits; the catalogue's
 * critical limits (red whatever the plan says, e.g. glucose < 3.0 or ≥ 33.3 mmol/L); then the
 * plan's yellow limits. Values are compared exactly as measured.
 * @param thresholds the plan's limits for the measure, or undefined when it is not planned
 * @param o the reading
 */
export function readingCrossing(thresholds: Thresholds | undefined, o: Pick<ObservationPoint, 'code' | 'value' | 'interpretation'>): ReadingCrossing | null {
  if (o.interpretation !== undefined) return { zone: 'red', reason: 'flag', flag: o.interpretation };
  const planned = thresholds === undefined ? null : thresholdCrossed(thresholds, o.value);
  if (planned?.zone === 'red') return { ...planned, zone: 'red', reason: 'plan' };
  const crit = CATALOGUE[o.code].critical;
  if (crit?.redBelow !== undefined && o.value < crit.redBelow) return { zone: 'red', reason: 'critical', below: true, limit: crit.redBelow };
  if (crit?.redFrom !== undefined && o.value >= crit.redFrom) return { zone: 'red', reason: 'critical', below: false, limit: crit.redFrom };
  return planned === null ? null : { ...planned, reason: 'plan' };
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

/**
 * Shown when a yellow reading is held for a re-measurement.
 * @param restMinutes how long the plan asks the patient to rest
 */
export function remeasureAction(restMinutes: number): LocalText {
  return {
    nb: `Målingen er litt utenfor det som er vanlig for deg. Sitt i ro i ${restMinutes} minutter og mål på nytt.`,
    nn: `Målinga er litt utanfor det som er vanleg for deg. Sit i ro i ${restMinutes} minutt og mål på nytt.`,
    en: `This measurement is a little outside what is usual for you. Rest for ${restMinutes} minutes and measure again.`,
  };
}

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

/** A value with its unit, in the reader's language ("38,2 °C", "21 poeng"); exact values keep up to 3 decimals. */
function valueText(code: MeasureCode, value: number, lang: Lang): string {
  const def = CATALOGUE[code];
  const n = formatNumber(roundTo(value, 3), Math.max(def.decimals, Math.min(decimalsIn(roundTo(value, 3)), 3)), lang);
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
  const v: FindingValue = { observationId: o.id, code: o.code, value: o.value, unit: o.unit, effectiveAt: o.effectiveAt.toISOString() };
  if (o.interpretation !== undefined) v.interpretation = o.interpretation;
  return v;
}

/** Stable time order; the id tie-break makes the result independent of input order. */
function byTime(a: ObservationPoint, b: ObservationPoint): number {
  const d = a.effectiveAt.getTime() - b.effectiveAt.getTime();
  if (d !== 0) return d;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.value - b.value;
}

/** Local midnight `days` local calendar days before the local day of `at` (DST-safe). */
export function localWindowStart(at: Date, days: number, timeZone: string): Date {
  return zonedInstant(addDays(toLocal(at, timeZone).date, -days), '00:00', timeZone);
}

// ---------------------------------------------------------------- thresholds

const FLAG_TEXT: Record<Interpretation, LocalText> = {
  HI: { nb: 'over måleområdet', nn: 'over måleområdet', en: 'above the measuring range' },
  LO: { nb: 'under måleområdet', nn: 'under måleområdet', en: 'below the measuring range' },
};

function thresholdFinding(obs: ObservationPoint, crossed: ReadingCrossing, planVersion: number, questionnaire: boolean, remeasured?: ObservationPoint): Finding {
  const label = CATALOGUE[obs.code].display;
  const severity = questionnaire && isQuestionnaireCode(obs.code) ? severityFor(obs.code, obs.value) : null;
  const summary = localise((lang) => {
    const tag = planTag(planVersion);
    if (crossed.reason === 'flag') {
      const red = ZONE_WORD.red[lang];
      const shows = { nb: 'måleren viser', nn: 'måleren viser', en: 'meter shows' }[lang];
      return `${label[lang]}: ${shows} «${crossed.flag}» (${FLAG_TEXT[crossed.flag][lang]}, ${crossed.flag === 'HI' ? '>' : '<'} ${valueText(obs.code, obs.value, lang)}) – ${red} ${tag}`;
    }
    const below = crossed.reason === 'critical' ? crossed.below : crossed.key === 'redBelow' || crossed.key === 'yellowBelow';
    const dir =
      crossed.reason === 'critical' && !below
        ? { nb: 'på eller over', nn: 'på eller over', en: 'at or above' }[lang]
        : below
          ? { nb: 'under', nn: 'under', en: 'below' }[lang]
          : { nb: 'over', nn: 'over', en: 'above' }[lang];
    const limitWord =
      crossed.reason === 'critical' ? { nb: 'kritisk grense', nn: 'kritisk grense', en: 'critical limit' }[lang] : `${ZONE_WORD[crossed.zone][lang]} ${{ nb: 'grense', nn: 'grense', en: 'limit' }[lang]}`;
    const sev = severity === null ? '' : ` – ${midSentence(severity[lang])}`;
    const again =
      remeasured === undefined
        ? ''
        : ` (${{ nb: 'også ved ny måling, første', nn: 'også ved ny måling, første', en: 'also on re-measuring, first' }[lang]} ${valueText(remeasured.code, remeasured.value, lang)})`;
    return `${label[lang]} ${valueText(obs.code, obs.value, lang)} ${dir} ${limitWord} ${valueText(obs.code, crossed.limit, lang)}${sev}${again} ${tag}`;
  });
  return {
    ruleId: questionnaire ? `questionnaire:${obs.code}` : `threshold:${obs.code}`,
    kind: questionnaire ? 'questionnaire' : 'threshold',
    zone: crossed.zone,
    code: obs.code,
    planVersion,
    values: remeasured === undefined ? [toFindingValue(obs)] : [toFindingValue(remeasured), toFindingValue(obs)],
    at: obs.effectiveAt.toISOString(),
    summary,
  };
}

// ---------------------------------------------------------------- trends

/**
 * Whether a trend rule fires for an observation. Without a recorded baseline it compares the
 * observation with every earlier reading of the same measure from local midnight `windowDays`
 * local calendar days before the observation's own local day (in `timeZone`, so DST changes and
 * the time of day of a morning routine do not matter), and fires on the most extreme one: the
 * lowest for a rise, the highest for a fall. Comparing with the extreme rather than the oldest
 * value catches a gain that started mid-window, which is how fluid retention in heart failure
 * usually looks. With a baseline the change is measured from it. Readings flagged HI/LO are left
 * out (their value is only a bound).
 * @param rule the plan's trend rule
 * @param obs the observation being evaluated
 * @param all every known observation (history and new); only earlier ones are used
 * @param timeZone the patient's IANA time zone
 * @returns the reference observation (null for a baseline) and value, and the change, or null
 */
export function trendFires(
  rule: TrendRule,
  obs: ObservationPoint,
  all: readonly ObservationPoint[],
  timeZone: string = DEFAULT_TIME_ZONE,
): { reference: ObservationPoint | null; referenceValue: number; change: number } | null {
  if (rule.code !== obs.code || obs.interpretation !== undefined) return null;
  // Rounded far below any measuring precision, only so that 82.1 − 80.1 is 2 and not 2.0000000000000284.
  const fires = (change: number): boolean => (rule.inclusive === true ? change >= rule.amount : change > rule.amount);
  if (rule.baseline !== undefined) {
    const change = roundTo(rule.kind === 'rise' ? obs.value - rule.baseline : rule.baseline - obs.value, 9);
    return fires(change) ? { reference: null, referenceValue: rule.baseline, change } : null;
  }
  const from = localWindowStart(obs.effectiveAt, rule.windowDays, timeZone).getTime();
  const inWindow = (o: ObservationPoint): boolean =>
    o.code === rule.code && o.id !== obs.id && o.interpretation === undefined && o.effectiveAt.getTime() >= from && byTime(o, obs) < 0;
  if (rule.reference === 'median') {
    const earlier = all.filter(inWindow);
    if (earlier.length === 0) return null;
    const values = earlier.map((o) => o.value).sort((a, b) => a - b);
    const mid = values.length >> 1;
    const median = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
    const change = roundTo(rule.kind === 'rise' ? obs.value - median : median - obs.value, 9);
    return fires(change) ? { reference: null, referenceValue: median, change } : null;
  }
  let reference: ObservationPoint | undefined;
  for (const o of all) {
    if (!inWindow(o)) continue;
    if (reference === undefined) {
      reference = o;
      continue;
    }
    const better = rule.kind === 'rise' ? o.value < reference.value : o.value > reference.value;
    if (better || (o.value === reference.value && byTime(o, reference) < 0)) reference = o;
  }
  if (reference === undefined) return null;
  const change = roundTo(rule.kind === 'rise' ? obs.value - reference.value : reference.value - obs.value, 9);
  return fires(change) ? { reference, referenceValue: reference.value, change } : null;
}

function trendFinding(rule: TrendRule, obs: ObservationPoint, fired: NonNullable<ReturnType<typeof trendFires>>, planVersion: number): Finding {
  const label = CATALOGUE[obs.code].display;
  const summary = localise((lang) => {
    const verb = rule.kind === 'rise' ? { nb: 'har steget', nn: 'har stige', en: 'rose' }[lang] : { nb: 'har falt', nn: 'har falle', en: 'fell' }[lang];
    const days = formatNumber(rule.windowDays, 0, lang);
    const span =
      fired.reference === null && rule.reference === 'median' && rule.baseline === undefined
        ? { nb: `fra vanlig nivå (median siste ${days} døgn)`, nn: `frå vanleg nivå (median siste ${days} døgn)`, en: `from the usual level (median of the last ${days} days)` }[lang]
        : fired.reference === null
        ? { nb: 'fra egen grunnverdi', nn: 'frå eigen grunnverdi', en: 'from own baseline' }[lang]
        : { nb: `på ${days} døgn`, nn: `på ${days} døgn`, en: `within ${days} days` }[lang];
    const limit = rule.inclusive === true ? { nb: 'minst', nn: 'minst', en: 'at least' }[lang] : { nb: 'mer enn', nn: 'meir enn', en: 'more than' }[lang];
    const path = `${valueText(obs.code, fired.referenceValue, lang)} → ${valueText(obs.code, obs.value, lang)}`;
    const limitWord = { nb: 'grensen er', nn: 'grensa er', en: 'the limit is' }[lang];
    return `${label[lang]} ${verb} ${valueText(obs.code, fired.change, lang)} ${span} (${path}); ${limitWord} ${limit} ${valueText(obs.code, rule.amount, lang)} ${planTag(planVersion)}`;
  });
  return {
    ruleId: `trend:${rule.id}`,
    kind: 'trend',
    zone: rule.zone,
    code: obs.code,
    planVersion,
    values: fired.reference === null ? [toFindingValue(obs)] : [toFindingValue(fired.reference), toFindingValue(obs)],
    at: obs.effectiveAt.toISOString(),
    summary,
  };
}

// ---------------------------------------------------------------- re-measure

const remeasureFor = (plan: PlanDefinition, code: MeasureCode): Remeasure | undefined => plan.measures.find((m) => m.code === code)?.remeasure;

/** The reading of the same measure taken after `obs` within the plan's re-measure window, if any. */
function remeasuredBy(obs: ObservationPoint, rm: Remeasure, all: readonly ObservationPoint[]): ObservationPoint | undefined {
  const until = obs.effectiveAt.getTime() + rm.withinMinutes * MINUTE_MS;
  let first: ObservationPoint | undefined;
  for (const o of all) {
    if (o.code !== obs.code || o.id === obs.id || byTime(o, obs) <= 0 || o.effectiveAt.getTime() > until) continue;
    if (first === undefined || byTime(o, first) < 0) first = o;
  }
  return first;
}

/** The reading `obs` re-measures: a yellow of the same measure within the window before it. */
function remeasureOf(obs: ObservationPoint, rm: Remeasure, all: readonly ObservationPoint[], zoneOf: (o: ObservationPoint) => Zone): ObservationPoint | undefined {
  const from = obs.effectiveAt.getTime() - rm.withinMinutes * MINUTE_MS;
  let last: ObservationPoint | undefined;
  for (const o of all) {
    if (o.code !== obs.code || o.id === obs.id || byTime(o, obs) >= 0 || o.effectiveAt.getTime() < from) continue;
    if (last === undefined || byTime(o, last) > 0) last = o;
  }
  return last !== undefined && zoneOf(last) === 'yellow' && remeasureOf(last, rm, all, zoneOf) === undefined ? last : undefined;
}

// ---------------------------------------------------------------- combined rules

// RCP 2017 scores a set of observations taken together; one hour is how we define "together"
// (a sitting) for a patient measuring one device after another at home.
const SITTING_MS = HOUR_MS;

/** Everything the rules of one evaluation need to know about a set of readings. */
class Readings {
  readonly all: ObservationPoint[];
  private readonly zones = new Map<string, Zone>();
  private readonly superseded = new Map<string, boolean>();
  private readonly days = new Map<string, Map<string, ObservationPoint>>();

  constructor(
    readonly plan: PlanDefinition,
    all: readonly ObservationPoint[],
    readonly timeZone: string,
  ) {
    this.all = [...all].sort(byTime);
  }

  /** The reading's own zone (flags, plan and critical limits), whatever re-measuring did. */
  zone(o: ObservationPoint): Zone {
    let z = this.zones.get(o.id);
    if (z === undefined) {
      z = readingCrossing(planEntryFor(this.plan, o.code)?.thresholds, o)?.zone ?? 'green';
      this.zones.set(o.id, z);
    }
    return z;
  }

  /** A yellow that a re-measurement within the plan's window replaced. */
  isSuperseded(o: ObservationPoint): boolean {
    let s = this.superseded.get(o.id);
    if (s === undefined) {
      const rm = remeasureFor(this.plan, o.code);
      s = rm !== undefined && this.zone(o) === 'yellow' && remeasuredBy(o, rm, this.all) !== undefined;
      this.superseded.set(o.id, s);
    }
    return s;
  }

  /** Counts towards combined rules: yellow or red, and not replaced by a re-measurement. */
  deviates(o: ObservationPoint): boolean {
    return this.zone(o) !== 'green' && !this.isSuperseded(o);
  }

  /** Local date → first deviating reading that day, for the codes of a rule (cached per code set). */
  deviatingDays(codes: readonly MeasureCode[]): Map<string, ObservationPoint> {
    const key = codes.join(',');
    let m = this.days.get(key);
    if (m === undefined) {
      m = new Map();
      for (const o of this.all) {
        if (!codes.includes(o.code) || !this.deviates(o)) continue;
        const d = toLocal(o.effectiveAt, this.timeZone).date;
        if (!m.has(d)) m.set(d, o);
      }
      this.days.set(key, m);
    }
    return m;
  }
}

const ruleCodes = (plan: PlanDefinition, r: CombinedRule): MeasureCode[] => r.codes ?? plan.measures.map((m) => m.code);

function combinedFinding(rule: CombinedRule, subject: ObservationPoint, values: ObservationPoint[], planVersion: number): Finding {
  const list = (lang: Lang): string => values.map((o) => `${CATALOGUE[o.code].display[lang]} ${valueText(o.code, o.value, lang)}`).join(', ');
  const zoneWord = (lang: Lang): string => ZONE_WORD[rule.zone][lang];
  const summary =
    rule.kind === 'sitting'
      ? localise((lang) => {
          const head = { nb: `${values.length} målinger utenfor planen i samme måling`, nn: `${values.length} målingar utanfor planen i same måling`, en: `${values.length} measures outside the plan in one sitting` }[lang];
          const rule2 = { nb: `minst ${rule.minYellow} gir ${zoneWord(lang)}`, nn: `minst ${rule.minYellow} gir ${zoneWord(lang)}`, en: `${rule.minYellow} or more make ${zoneWord(lang)}` }[lang];
          return `${head}: ${list(lang)} (${rule2}) ${planTag(planVersion)}`;
        })
      : localise((lang) => {
          const head = { nb: `Utenfor planen ${rule.days} dager på rad`, nn: `Utanfor planen ${rule.days} dagar på rad`, en: `Outside the plan ${rule.days} days in a row` }[lang];
          const tail = { nb: `gir ${zoneWord(lang)}`, nn: `gir ${zoneWord(lang)}`, en: `makes ${zoneWord(lang)}` }[lang];
          return `${head}: ${list(lang)} (${tail}) ${planTag(planVersion)}`;
        });
  return {
    ruleId: `combined:${rule.id}`,
    kind: 'combined',
    zone: rule.zone,
    code: subject.code,
    planVersion,
    values: values.map(toFindingValue),
    at: subject.effectiveAt.toISOString(),
    summary,
  };
}

/**
 * Whether a combined rule fires for a reading.
 * - sitting: the subject deviates, and so do at least `minYellow` of the rule's measures within
 *   the hour up to it (a yellow replaced by a planned re-measurement does not count; an unplanned
 *   second try does not undo the first).
 * - consecutive_days: the subject deviates and so does some reading of the rule's measures on each
 *   of the `days − 1` local days before its own.
 * @returns the readings that make it fire, or null
 */
function combinedFires(rule: CombinedRule, subject: ObservationPoint, r: Readings): ObservationPoint[] | null {
  const codes = ruleCodes(r.plan, rule);
  if (!codes.includes(subject.code) || !r.deviates(subject)) return null;
  if (rule.kind === 'sitting') {
    const from = subject.effectiveAt.getTime() - SITTING_MS;
    const latest = new Map<MeasureCode, ObservationPoint>();
    for (const o of r.all) {
      if (byTime(o, subject) > 0) break;
      if (o.effectiveAt.getTime() < from || !codes.includes(o.code) || !r.deviates(o)) continue;
      latest.set(o.code, o);
    }
    const deviating = [...latest.values()];
    return deviating.length >= rule.minYellow ? deviating.sort((a, b) => codes.indexOf(a.code) - codes.indexOf(b.code)) : null;
  }
  const days = r.deviatingDays(codes);
  const today = toLocal(subject.effectiveAt, r.timeZone).date;
  const earlier: ObservationPoint[] = [];
  for (let k = rule.days - 1; k >= 1; k--) {
    const o = days.get(addDays(today, -k));
    if (o === undefined) return null;
    earlier.push(o);
  }
  return [...earlier, subject];
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
/** The measures NEWS2 scores (what a NEWS2 snapshot reads of the history). */
export const NEWS2_VITAL_CODES = Object.keys(NEWS2_VITALS) as readonly MeasureCode[];

const NEWS2_WINDOW_MS = SITTING_MS;

/**
 * RCP 2017 chart 2 thresholds, mapped to zones: high (≥7) → red; medium (5–6) → yellow, but red
 * when the follow-up service is closed (the urgent response it needs will not come from a nurse
 * who reads the worklist tomorrow); a single parameter at 3 → yellow.
 */
function news2Zone(r: News2Result, serviceOpen: boolean): 'yellow' | 'red' | null {
  if (r.risk === 'high') return 'red';
  if (r.risk === 'medium') return serviceOpen ? 'yellow' : 'red';
  if (r.anyParameterThree) return 'yellow';
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

/** NEWS2 settings as the engine applies them. */
export interface News2Options {
  /** SpO2 scale 2 only with confirmed hypercapnic respiratory failure (RCP 2017); otherwise scale 1. */
  scale: 1 | 2;
  /** Long-term oxygen therapy: scored as on oxygen. */
  onOxygen: boolean;
  /** New confusion reported with these readings (ACVPU "C": 3 points). */
  newConfusion: boolean;
}

/** The NEWS2 options a plan gives: scale 2 needs the recorded confirmation, whatever `scale` says. */
export function news2OptionsFor(plan: PlanDefinition, newConfusion = false): News2Options {
  const scale = plan.news2.scale === 2 && plan.news2.hypercapnicFailureConfirmed === true ? 2 : 1;
  return { scale, onOxygen: plan.news2.longTermOxygen === true, newConfusion };
}

/**
 * NEWS2 over the latest value of each home vital within one hour up to `at`. A partial set is
 * scored from the vitals present (missing ones count 0, so it can only under-state) and marked
 * `complete: false`.
 * @param all observations to look in
 * @param at the moment scored
 * @param opts scale, oxygen and confusion (a bare 1 | 2 means that scale, on air, alert)
 * @returns the score and the observations used, or null when no vital is present and no confusion reported
 */
export function news2Snapshot(
  all: readonly ObservationPoint[],
  at: Date,
  opts: News2Options | 1 | 2,
): { result: News2Result; used: ObservationPoint[] } | null {
  const o2 = typeof opts === 'number' ? { scale: opts, onOxygen: false, newConfusion: false } : opts;
  const t = at.getTime();
  const latest = new Map<News2Vital, ObservationPoint>();
  for (const o of all) {
    const ot = o.effectiveAt.getTime();
    if (!isNews2Vital(o.code) || ot > t || ot < t - NEWS2_WINDOW_MS) continue;
    const prev = latest.get(o.code);
    if (prev === undefined || byTime(prev, o) < 0) latest.set(o.code, o);
  }
  if (latest.size === 0 && !o2.newConfusion) return null;
  const v = (c: News2Vital): number | undefined => latest.get(c)?.value;
  const result = computeNews2({
    scale: o2.scale,
    onOxygen: o2.onOxygen,
    consciousness: o2.newConfusion ? 'C' : 'A',
    respRate: v('resp_rate'),
    spo2: v('spo2'),
    systolic: v('bp_systolic'),
    pulse: v('heart_rate'),
    temperature: v('temperature'),
  });
  const order = Object.keys(NEWS2_VITALS) as News2Vital[];
  const used = order.map((c) => latest.get(c)).filter((o): o is ObservationPoint => o !== undefined);
  return { result, used };
}

const NEWS2_PART_LABEL: Record<News2Result['missing'][number], LocalText> = {
  respRate: NEWS2_LABELS.resp_rate,
  spo2: NEWS2_LABELS.spo2,
  systolic: NEWS2_LABELS.bp_systolic,
  pulse: NEWS2_LABELS.heart_rate,
  temperature: NEWS2_LABELS.temperature,
};

function news2Finding(result: News2Result, used: ObservationPoint[], at: Date, zone: 'yellow' | 'red', opts: News2Options, serviceOpen: boolean, planVersion: number): Finding {
  const summary = localise((lang) => {
    const parts = used.map((o) => {
      const key = NEWS2_VITALS[o.code as News2Vital];
      return `${NEWS2_LABELS[o.code as News2Vital][lang]} ${valueText(o.code, o.value, lang)} (${result.parts[key] ?? 0})`;
    });
    if (opts.onOxygen) parts.push(`${{ nb: 'oksygen', nn: 'oksygen', en: 'oxygen' }[lang]} (${result.parts['airOrOxygen'] ?? 0})`);
    if (opts.newConfusion) parts.push(`${{ nb: 'ny forvirring', nn: 'ny forvirring', en: 'new confusion' }[lang]} (${result.parts['consciousness'] ?? 0})`);
    const scaleText = { nb: `SpO2-skala ${opts.scale}`, nn: `SpO2-skala ${opts.scale}`, en: `SpO2 scale ${opts.scale}` }[lang];
    const name = result.complete
      ? 'NEWS2'
      : `${{ nb: 'Delvis NEWS2', nn: 'Delvis NEWS2', en: 'Partial NEWS2' }[lang]} (${{ nb: 'mangler', nn: 'manglar', en: 'missing' }[lang]} ${result.missing.map((m) => NEWS2_PART_LABEL[m][lang]).join(', ')})`;
    const closed =
      zone === 'red' && result.risk === 'medium' && !serviceOpen
        ? `; ${{ nb: 'rød fordi oppfølgingstjenesten er stengt', nn: 'raud fordi oppfølgingstenesta er stengd', en: 'red because the follow-up service is closed' }[lang]}`
        : '';
    return `${name} ${result.score} (${NEWS2_RISK_TEXT[result.risk][lang]}): ${parts.join(', ')}; ${scaleText}${closed} ${planTag(planVersion)}`;
  });
  const f: Finding = { ruleId: 'news2', kind: 'news2', zone, planVersion, values: used.map(toFindingValue), at: at.toISOString(), summary, score: result.score };
  if (!result.complete) f.partial = true;
  return f;
}

// ---------------------------------------------------------------- evaluate

type Candidate = { zone: Zone; actions: LocalText; held?: boolean };

/** Trend and combined findings for one reading against a set of readings (thresholds are separate). */
function ruleFindings(subject: ObservationPoint, r: Readings, planVersion: number): { finding: Finding; actions: LocalText | undefined }[] {
  const out: { finding: Finding; actions: LocalText | undefined }[] = [];
  for (const rule of r.plan.trendRules) {
    const fired = trendFires(rule, subject, r.all, r.timeZone);
    if (fired !== null) out.push({ finding: trendFinding(rule, subject, fired, planVersion), actions: rule.actions });
  }
  for (const rule of r.plan.combinedRules ?? []) {
    const values = combinedFires(rule, subject, r);
    if (values !== null) out.push({ finding: combinedFinding(rule, subject, values, planVersion), actions: rule.actions });
  }
  return out;
}

/**
 * Triage of newly received observations against the patient's plan.
 *
 * - Thresholds: a finding ('threshold:<code>', or 'questionnaire:<code>' for questionnaire totals)
 *   for each yellow/red value, from the plan's limits, the catalogue's critical limits and meter
 *   HI/LO flags, compared exactly as measured. A yellow of a measure whose plan asks for a
 *   re-measurement is held (listed in `remeasure`) until the re-measurement decides, or raised when
 *   `now` is past the plan's window with none; a red is never held.
 * - Trend rules ('trend:<id>') over local calendar days in `timeZone`, and combined rules
 *   ('combined:<id>': several yellow measures in one sitting; yellow on N local days in a row).
 * - Late data: new observations may be older than history (offline uploads). Every history reading
 *   after the oldest new one is evaluated again against everything, and a trend or combined finding
 *   is reported for it when it fires now and did not on the history alone, so a late reading is
 *   judged against everything around it and the union of findings does not depend on the order in
 *   which readings arrive.
 * - NEWS2 (when enabled): at the newest vital of each burst of measurements (re-measuring within the
 *   hour supersedes), from the vitals present — a partial score is marked partial and fires like a
 *   complete one (≥7 red; 5–6 yellow, red while the service is closed; a single 3 yellow).
 *
 * The result does not depend on the order of `newObservations`; history entries with the same id
 * as a new observation are ignored, so re-sent uploads are harmless.
 * @param input plan and version, new observations, earlier observations (any order), the
 *   patient's time zone (default Europe/Oslo), the current time (without it no yellow is held for
 *   a re-measurement), whether the follow-up service is open now (default true), and new
 *   confusion reported with these observations
 * @returns overall zone, per-observation zones, findings, the patient action text and re-measure requests
 */
export function evaluate(input: {
  plan: PlanDefinition;
  planVersion: number;
  newObservations: ObservationPoint[];
  history: ObservationPoint[];
  timeZone?: string;
  now?: Date;
  serviceOpen?: boolean;
  newConfusion?: boolean;
}): Evaluation {
  const { plan, planVersion } = input;
  const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
  const serviceOpen = input.serviceOpen ?? true;
  const newIds = new Set(input.newObservations.map((o) => o.id));
  const ordered = [...input.newObservations].sort(byTime);
  const before = input.history.filter((o) => !newIds.has(o.id));
  const all = new Readings(plan, [...before, ...ordered], timeZone);
  // Without the current time nothing can be held for a re-measurement (a batch replayed from history).
  const now = input.now;

  const perObservation: { id: string; zone: Zone }[] = [];
  const obsFindings: Finding[] = [];
  const remeasure: RemeasureRequest[] = [];
  // Patient texts that could be shown, in priority order; the last one of the worst zone wins.
  const candidates: Candidate[] = [];
  const zoneOf = (o: ObservationPoint): Zone => all.zone(o);
  const sittingKeys = new Map<string, number>();

  for (const obs of ordered) {
    const entry = planEntryFor(plan, obs.code);
    const questionnaire = isQuestionnaireCode(obs.code) && plan.questionnaires.some((q) => q.code === obs.code);
    const crossed = readingCrossing(entry?.thresholds, obs);
    let zone: Zone = crossed?.zone ?? 'green';
    if (crossed !== null) {
      const rm = crossed.zone === 'yellow' ? remeasureFor(plan, obs.code) : undefined;
      const first = rm === undefined ? undefined : remeasureOf(obs, rm, all.all, zoneOf);
      const later = rm === undefined || first !== undefined ? undefined : remeasuredBy(obs, rm, all.all);
      const until = rm === undefined ? 0 : obs.effectiveAt.getTime() + rm.withinMinutes * MINUTE_MS;
      if (rm !== undefined && first === undefined && later !== undefined) {
        // Re-measured: the later reading decides (and is evaluated on its own).
      } else if (rm !== undefined && first === undefined && now !== undefined && now.getTime() < until) {
        remeasure.push({ code: obs.code, observationId: obs.id, restMinutes: rm.restMinutes, until: new Date(until).toISOString() });
        candidates.push({ zone, actions: remeasureAction(rm.restMinutes), held: true });
      } else {
        obsFindings.push(thresholdFinding(obs, crossed, planVersion, questionnaire, first));
        candidates.push({ zone, actions: entry?.actions[zone] ?? DEFAULT_ACTIONS[zone] });
      }
    } else if (entry !== undefined) {
      candidates.push({ zone, actions: entry.actions.green });
    }
    for (const { finding, actions } of ruleFindings(obs, all, planVersion)) {
      const fz = finding.zone === 'red' ? 'red' : 'yellow';
      zone = worstZone(zone, fz);
      // A sitting rule fires again for each further deviating reading of the same sitting: report it
      // once, citing every deviating reading (the last firing sees them all).
      const key = `${finding.ruleId}|${finding.at}`;
      const earlier = finding.kind === 'combined' ? sittingKeys.get(key) : undefined;
      if (earlier !== undefined) {
        obsFindings[earlier] = finding;
        continue;
      }
      if (finding.kind === 'combined') sittingKeys.set(key, obsFindings.length);
      obsFindings.push(finding);
      candidates.push({ zone: fz, actions: actions ?? entry?.actions[fz] ?? DEFAULT_ACTIONS[fz] });
    }
    perObservation.push({ id: obs.id, zone });
  }

  // Late data: readings already known that come after the oldest new one see new neighbours.
  const oldest = ordered[0];
  const newest = ordered[ordered.length - 1];
  if (oldest !== undefined && newest !== undefined && before.length > 0) {
    // Only readings a rule could compare with the new ones: the rules' measures, within their windows.
    const newCodes = new Set(ordered.map((o) => o.code));
    const relevant = new Set<MeasureCode>();
    let reachDays = 0;
    for (const r of plan.trendRules) {
      if (!newCodes.has(r.code) || r.baseline !== undefined) continue;
      relevant.add(r.code);
      reachDays = Math.max(reachDays, r.windowDays);
    }
    for (const r of plan.combinedRules ?? []) {
      const codes = ruleCodes(plan, r);
      if (!codes.some((c) => newCodes.has(c))) continue;
      for (const c of codes) relevant.add(c);
      reachDays = Math.max(reachDays, r.kind === 'sitting' ? 1 : r.days);
    }
    // A day of slack for the local-day boundary and DST.
    const reach = newest.effectiveAt.getTime() + Math.min(reachDays + 1, MAX_WINDOW_DAYS + 2) * DAY_MS;
    const affected = all.all.filter((o) => !newIds.has(o.id) && relevant.has(o.code) && byTime(o, oldest) > 0 && o.effectiveAt.getTime() <= reach);
    if (affected.length > 0) {
      const old = new Readings(plan, before, timeZone);
      for (const subject of affected) {
        const earlier = new Set(ruleFindings(subject, old, planVersion).map((f) => f.finding.ruleId));
        for (const { finding, actions } of ruleFindings(subject, all, planVersion)) {
          if (earlier.has(finding.ruleId)) continue;
          const fz = finding.zone === 'red' ? 'red' : 'yellow';
          obsFindings.push(finding);
          candidates.push({ zone: fz, actions: actions ?? planEntryFor(plan, subject.code)?.actions[fz] ?? DEFAULT_ACTIONS[fz] });
        }
      }
    }
  }

  const news2Findings: Finding[] = [];
  const news2Candidates: Candidate[] = [];
  if (plan.news2.enabled) {
    const held = new Set(remeasure.map((r) => r.observationId));
    const opts = news2OptionsFor(plan, input.newConfusion === true);
    const vitals = ordered.filter((o) => isNews2Vital(o.code));
    const moments = vitals.filter((o, i) => {
      const next = vitals[i + 1];
      // Only the newest vital of a burst is scored; an earlier one is superseded by a re-measure within the hour.
      return next === undefined || next.effectiveAt.getTime() - o.effectiveAt.getTime() > NEWS2_WINDOW_MS;
    }).map((o) => o.effectiveAt);
    // Confusion reported without any vital is still scored (3 points on its own).
    if (moments.length === 0 && opts.newConfusion && newest !== undefined) moments.push(newest.effectiveAt);
    for (const at of moments) {
      const snap = news2Snapshot(all.all, at, opts);
      if (snap === null) continue;
      const zone = news2Zone(snap.result, serviceOpen);
      if (zone === null) continue;
      if (zone === 'yellow' && held.size > 0) {
        // A yellow NEWS2 that only a held reading makes yellow waits for the re-measurement too.
        const without = news2Snapshot(all.all.filter((o) => !held.has(o.id)), at, opts);
        if (without === null || news2Zone(without.result, serviceOpen) === null) continue;
      }
      news2Findings.push(news2Finding(snap.result, snap.used, at, zone, opts, serviceOpen, planVersion));
      const entry = plan.measures.find((m) => snap.used.some((u) => u.code === m.code));
      news2Candidates.push({ zone, actions: entry?.actions[zone] ?? DEFAULT_ACTIONS[zone] });
    }
  }

  const findings = [...obsFindings, ...news2Findings];
  const zone = worstZone(...perObservation.map((p) => p.zone), ...candidates.map((c) => c.zone), ...news2Candidates.map((c) => c.zone));
  // Held texts first: a raised yellow's own text beats "rest and measure again". Observation texts
  // come last so they beat the generic NEWS2 text on a tie: they name the actual problem.
  const pool = [...candidates.filter((c) => c.held === true), ...news2Candidates, ...candidates.filter((c) => c.held !== true)].filter((c) => c.zone === zone);
  const actions = pool[pool.length - 1]?.actions ?? DEFAULT_ACTIONS[zone];
  return { zone, perObservation, findings, actions, remeasure: zone === 'red' ? [] : remeasure };
}

/**
 * Yellow readings held for a re-measurement that never came: once the plan's window has passed
 * (at `now`) with no later reading of the measure, their threshold finding is due. The server runs
 * this periodically for recent readings and raises each once.
 * @param input plan and version, recent observations of the episode, the current time
 * @returns one threshold finding per expired hold
 */
export function expiredRemeasures(input: { plan: PlanDefinition; planVersion: number; observations: ObservationPoint[]; now: Date }): Finding[] {
  const r = new Readings(input.plan, input.observations, DEFAULT_TIME_ZONE);
  const zoneOf = (o: ObservationPoint): Zone => r.zone(o);
  const out: Finding[] = [];
  for (const o of r.all) {
    const rm = remeasureFor(input.plan, o.code);
    if (rm === undefined || r.zone(o) !== 'yellow') continue;
    if (o.effectiveAt.getTime() + rm.withinMinutes * MINUTE_MS > input.now.getTime()) continue;
    if (remeasuredBy(o, rm, r.all) !== undefined || remeasureOf(o, rm, r.all, zoneOf) !== undefined) continue;
    const crossed = readingCrossing(planEntryFor(input.plan, o.code)?.thresholds, o);
    if (crossed !== null) out.push(thresholdFinding(o, crossed, input.planVersion, false));
  }
  return out;
}

// ---------------------------------------------------------------- one alert per sitting

const KIND_ORDER: Finding['kind'][] = ['combined', 'news2', 'trend', 'threshold'];
const codeOrder = (c: MeasureCode | undefined): number => (c === undefined ? -1 : MEASURE_CODE_LIST.indexOf(c));
const ZONE_ORDER = { red: 0, yellow: 1, missing: 2 } as const;

/**
 * Combines the measurement findings of each sitting (threshold, trend, combined and NEWS2
 * findings at the same moment) into one finding, so one sitting raises one alert that lists every
 * deviating measure instead of one alert per measure. The combined finding keeps the ruleId of its
 * lead rule — the worst zone first, then combined > NEWS2 > trend > threshold, then catalogue order —
 * so a single deviation keeps its own ruleId ('threshold:spo2') and repeats merge as before, while
 * `rules` lists every rule that fired. Questionnaire and missing findings are left as they are.
 * @param findings findings of one evaluation
 * @returns the findings with each sitting's measurement findings combined, in the order of first appearance
 */
export function groupSittingFindings(findings: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  const out: (Finding | string)[] = [];
  for (const f of findings) {
    if (!KIND_ORDER.includes(f.kind)) {
      out.push(f);
      continue;
    }
    const g = groups.get(f.at);
    if (g === undefined) {
      groups.set(f.at, [f]);
      out.push(f.at);
    } else g.push(f);
  }
  return out.map((x) => {
    if (typeof x !== 'string') return x;
    const g = groups.get(x)!;
    if (g.length === 1) return g[0]!;
    const sorted = [...g].sort(
      (a, b) =>
        ZONE_ORDER[a.zone] - ZONE_ORDER[b.zone] ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        codeOrder(a.code) - codeOrder(b.code) ||
        a.ruleId.localeCompare(b.ruleId),
    );
    const lead = sorted[0]!;
    const seen = new Set<string>();
    const values: FindingValue[] = [];
    for (const f of sorted) {
      for (const v of f.values) {
        const k = v.observationId ?? `${v.code}@${v.effectiveAt}`;
        if (seen.has(k)) continue;
        seen.add(k);
        values.push(v);
      }
    }
    const combined: Finding = {
      ...lead,
      values,
      summary: localise((lang) => sorted.map((f) => f.summary[lang]).join(' · ')),
      rules: sorted.map((f) => ({ ruleId: f.ruleId, kind: f.kind, zone: f.zone, summary: f.summary })),
    };
    return combined;
  });
}

// ---------------------------------------------------------------- questionnaires

export interface QuestionnaireEvaluation extends Evaluation {
  /** The total (prorated over one unanswered item), or null when too many items are unanswered. */
  score: number | null;
  maxScore: number;
  severity: LocalText | null;
  /** Unanswered items. */
  missing: string[];
  /** The total as an observation (id = responseId), ready to store and chart; null without a total. */
  observation: ObservationPoint | null;
}

function itemRuleFires(rule: ItemRule, code: keyof typeof QUESTIONNAIRES, answers: Record<string, number>): string[] | null {
  if (rule.kind === 'answer') {
    const v = answers[rule.item];
    return v !== undefined && v >= rule.atLeast ? [rule.item] : null;
  }
  const items = rule.items ?? QUESTIONNAIRES[code].items.map((i) => i.id);
  const hits = items.filter((id) => (answers[id] ?? 0) >= rule.atLeast);
  return hits.length >= rule.count ? hits : null;
}

function quoteAnswer(code: keyof typeof QUESTIONNAIRES, itemId: string, value: number, lang: Lang): string {
  const item = QUESTIONNAIRES[code].items.find((i) => i.id === itemId);
  const text = item?.options.find((o) => o.value === value)?.text;
  const n = (item === undefined ? -1 : QUESTIONNAIRES[code].items.indexOf(item)) + 1;
  const label = { nb: 'spørsmål', nn: 'spørsmål', en: 'item' }[lang];
  const q = text === undefined ? String(value) : lang === 'en' ? `“${text.en}” (${value})` : `«${text[lang]}» (${value})`;
  return `${label} ${n} ${q}`;
}

/**
 * Scores a questionnaire response and triages it like an observation of its total, plus rules
 * on single answers: the plan's item rules ('questionnaire:<code>:<rule id>') and PHQ-9 item 9
 * (thoughts of death or self-harm) above 0, which always gives a red 'questionnaire:phq9:item9'
 * finding and the self-harm action text, whatever the total and whether or not PHQ-9 is in the
 * plan (PHQ-9 instructions, Kroenke/Spitzer/Williams: any positive answer to item 9 needs a further
 * assessment of suicide risk, whatever the total). Answer rules are checked even when other items
 * are unanswered; an unanswered PHQ-9 item 9 gives a yellow finding (ask the patient). With more
 * than one item unanswered there is no total, and only the answer rules apply.
 * @param input plan, version, questionnaire code, answers (item id → value), response id and time,
 *   optional history of earlier totals for trend rules, and the patient's time zone
 * @returns the evaluation, or the scoring error (invalid answer, unknown item or questionnaire, nothing answered)
 */
export function evaluateQuestionnaire(input: {
  plan: PlanDefinition;
  planVersion: number;
  code: string;
  answers: Record<string, number>;
  responseId: string;
  effectiveAt: Date;
  history?: ObservationPoint[];
  timeZone?: string;
}): Result<QuestionnaireEvaluation> {
  const scored = scoreQuestionnaire(input.code, input.answers);
  if (!scored.ok) return scored;
  const { code, score, maxScore, severity, missing, answers } = scored.value;
  const observation: ObservationPoint | null =
    score === null ? null : { id: input.responseId, code, value: score, unit: CATALOGUE[code].unit, effectiveAt: input.effectiveAt };
  const base = evaluate({
    plan: input.plan,
    planVersion: input.planVersion,
    newObservations: observation === null ? [] : [observation],
    history: input.history ?? [],
    ...(input.timeZone === undefined ? {} : { timeZone: input.timeZone }),
  });
  const tag = planTag(input.planVersion);
  const at = input.effectiveAt.toISOString();
  const values: FindingValue[] = observation === null ? [] : [toFindingValue(observation)];
  const extra: Finding[] = [];
  const texts: Candidate[] = [];
  const plan = input.plan.questionnaires.find((q) => q.code === code);
  const partialNote = (lang: Lang): string =>
    missing.length === 0
      ? ''
      : ` – ${{ nb: 'ubesvart', nn: 'ubesvart', en: 'unanswered' }[lang]}: ${missing.map((id) => QUESTIONNAIRES[code].items.findIndex((i) => i.id === id) + 1).join(', ')}`;

  for (const rule of plan?.itemRules ?? []) {
    const hits = itemRuleFires(rule, code, answers);
    if (hits === null) continue;
    const title = QUESTIONNAIRES[code].title;
    extra.push({
      ruleId: `questionnaire:${code}:${rule.id}`,
      kind: 'questionnaire',
      zone: rule.zone,
      code,
      planVersion: input.planVersion,
      values,
      at,
      summary: localise((lang) => {
        const answered = hits.map((id) => quoteAnswer(code, id, answers[id]!, lang)).join('; ');
        const head = rule.kind === 'count' ? { nb: `${hits.length} svar utenfor planen`, nn: `${hits.length} svar utanfor planen`, en: `${hits.length} answers outside the plan` }[lang] : '';
        return `${title[lang]}: ${head}${head === '' ? '' : ': '}${answered} – ${ZONE_WORD[rule.zone][lang]}${partialNote(lang)} ${tag}`;
      }),
    });
    texts.push({ zone: rule.zone, actions: rule.actions ?? plan?.actions[rule.zone] ?? DEFAULT_ACTIONS[rule.zone] });
  }

  let selfHarm = false;
  if (code === 'phq9') {
    const item9 = answers[PHQ9_SELF_HARM_ITEM];
    if (item9 === undefined) {
      extra.push({
        ruleId: 'questionnaire:phq9:item9',
        kind: 'questionnaire',
        zone: 'yellow',
        code,
        planVersion: input.planVersion,
        values,
        at,
        summary: {
          nb: `PHQ-9 spørsmål 9 (tanker om død eller selvskading) er ikke besvart – spør pasienten ${tag}`,
          nn: `PHQ-9 spørsmål 9 (tankar om død eller sjølvskading) er ikkje svara – spør pasienten ${tag}`,
          en: `PHQ-9 item 9 (thoughts of death or self-harm) is unanswered – ask the patient ${tag}`,
        },
      });
      texts.push({ zone: 'yellow', actions: plan?.actions.yellow ?? DEFAULT_ACTIONS.yellow });
    } else if (item9 > 0) {
      selfHarm = true;
      // Display only: a prorated total may have decimals.
      const shown = score === null ? null : roundTo(score, 2);
      const total = (lang: Lang): string => (shown === null ? '' : `; ${lang === 'en' ? 'total' : 'sum'} ${formatNumber(shown, decimalsIn(shown), lang)}`);
      const quoted = (lang: Lang): string => quoteAnswer('phq9', PHQ9_SELF_HARM_ITEM, item9, lang).replace(/^\S+ \d+ /, '');
      extra.push({
        ruleId: 'questionnaire:phq9:item9',
        kind: 'questionnaire',
        zone: 'red',
        code,
        planVersion: input.planVersion,
        values,
        at,
        summary: {
          nb: `PHQ-9 spørsmål 9 (tanker om død eller selvskading) besvart med ${quoted('nb')}${total('nb')} – vurder selvmordsrisiko samme dag${partialNote('nb')} ${tag}`,
          nn: `PHQ-9 spørsmål 9 (tankar om død eller sjølvskading) svara med ${quoted('nn')}${total('nn')} – vurder sjølvmordsrisiko same dag${partialNote('nn')} ${tag}`,
          en: `PHQ-9 item 9 (thoughts of death or self-harm) answered ${quoted('en')}${total('en')} – assess suicide risk the same day${partialNote('en')} ${tag}`,
        },
      });
    }
  }

  const zone = worstZone(base.zone, ...extra.map((f) => (f.zone === 'red' ? 'red' : 'yellow')), ...(selfHarm ? ['red' as const] : []));
  let actions = base.actions;
  if (selfHarm) actions = SELF_HARM_ACTION;
  else if (zone !== base.zone) actions = [...texts].reverse().find((c) => c.zone === zone)?.actions ?? DEFAULT_ACTIONS[zone];
  if (observation === null && zone === 'green') actions = plan?.actions.green ?? DEFAULT_ACTIONS.green;
  return ok({
    ...base,
    zone,
    perObservation: base.perObservation.map((p) => (observation !== null && p.id === observation.id ? { ...p, zone: worstZone(p.zone, zone) } : p)),
    findings: [...base.findings, ...extra],
    actions,
    score,
    maxScore,
    severity,
    missing,
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
