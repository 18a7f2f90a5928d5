import { CATALOGUE, roundTo, type MeasureCode } from '../domain/catalogue.js';
import { syntheticFnr } from '../domain/identifiers.js';
import type { PlanDefinition } from '../domain/plan.js';
import { planFromTemplates, type TemplateCode } from '../domain/templates.js';
import { addDays, isoWeekday, toLocal, zonedInstant } from '../domain/time.js';

/*
 * A synthetic cohort for demos, tests and benchmarks: pure and deterministic. Patient i of a
 * cohort with seed s is always the same person with the same plan, and the readings of any day can
 * be computed on their own (no state carried from day to day), so the bulk loader can write 30
 * days of history and the live streamer can later send "today" for the same people.
 *
 * Series are home-device vitals only (questionnaires are answered in the app, not by devices):
 * every measure of the patient's plan on its schedule, around a personal baseline, with a slow
 * wave (weeks) and day-to-day noise, a missed day now and then, and for some patients an injected
 * deterioration typical of their main diagnosis (COPD exacerbation, heart-failure fluid build-up,
 * hyperglycaemia, fever under chemotherapy) that ramps up over a few days.
 */

export interface CohortOptions {
  patients: number;
  /** Days of history before today. Day indices 0 … days−1 are history, `days` is today. */
  days: number;
  /** Picks the people; the same seed gives the same cohort. */
  seed?: number;
  /** "Now": today is its local date. */
  end: Date;
  timeZone?: string;
  /** Share of patients with an injected deterioration (0–1). */
  deteriorationRate?: number;
  /** Probability that a scheduled morning sitting is done. */
  adherence?: number;
}

export type DeteriorationKind = 'copd_exacerbation' | 'hf_fluid' | 'hyperglycaemia' | 'fever';

export interface SimPatient {
  index: number;
  identifier: string;
  name: string;
  birthDate: string;
  sex: 'male' | 'female';
  lang: 'nb' | 'nn' | 'en';
  templates: TemplateCode[];
  plan: PlanDefinition;
  /** Personal baseline per measure of the plan. */
  baseline: Partial<Record<MeasureCode, number>>;
  deterioration: { kind: DeteriorationKind; startDay: number; rampDays: number; lastDays: number } | null;
}

export interface SimMeasurement {
  code: MeasureCode;
  value: number;
  unit: string;
}

export interface SimSitting {
  patientIndex: number;
  /** Day index: 0 … days−1 history, `days` = today. */
  day: number;
  /** Local date of the sitting. */
  date: string;
  effectiveAt: Date;
  /** Stable per patient and day: what a device would use as its reading id. */
  readingId: string;
  measurements: SimMeasurement[];
}

/**
 * Most patients one cohort can hold with unique synthetic identity numbers (see identityOf):
 * 20 blocks of 10 958 birth dates. Enough for a national deployment's "tens of thousands" and the
 * bench's 100 000.
 */
export const MAX_COHORT = 219_160; // (LOW_BLOCKS + HIGH_BLOCKS) × BIRTH_SPAN_DAYS, below
const DEFAULT_TZ = 'Europe/Oslo';

/** Diagnosis mix of a typical Norwegian home follow-up caseload (COPD and heart failure dominate). */
const DIAGNOSIS_MIX: TemplateCode[][] = [
  ['copd'], ['copd'], ['copd'], ['heart_failure'], ['heart_failure'], ['copd', 'heart_failure'], ['diabetes'], ['diabetes', 'heart_failure'],
  ['cancer'], ['mental_health'], ['copd'], ['heart_failure'],
];

const FIRST_F = ['Kari', 'Astrid', 'Ingeborg', 'Solveig', 'Marit', 'Randi', 'Liv', 'Gunn', 'Eva', 'Berit', 'Turid', 'Anne', 'Reidun', 'Aud', 'Bjørg'];
const FIRST_M = ['Ola', 'Per', 'Knut', 'Arne', 'Bjørn', 'Svein', 'Odd', 'Terje', 'Geir', 'Rolf', 'Leif', 'Jan', 'Kjell', 'Egil', 'Harald'];
const LAST = ['Nordmann', 'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Karlsen', 'Eriksen', 'Berg', 'Haugen', 'Hagen', 'Bakken', 'Lie', 'Moe', 'Solberg', 'Strand', 'Dahl', 'Lund', 'Vik', 'Aas'];

/** mulberry32: tiny seeded PRNG, so the cohort needs no dependency and is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes numbers into one 32-bit seed (FNV-1a over their bytes). */
function mix(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    let v = x >>> 0;
    for (let i = 0; i < 4; i++) {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193);
      v >>>= 8;
    }
  }
  return h >>> 0;
}

/** Standard normal from two uniforms (Box–Muller). */
function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

// Birth dates 1935-01-01 … 1964-12-31: 10 958 days. 7 919 is prime and does not divide it, so
// index → day is a permutation within each block of 10 958 patients.
const BIRTH_SPAN_DAYS = 10_958;
const BIRTH_STEP = 7_919;
const BIRTH_START_MS = Date.UTC(1935, 0, 1);

/** Blocks 0–4 take individual numbers from 0, 20, 40, 60, 80 (the first 54 790 patients, as always). */
const LOW_BLOCKS = 5;
/**
 * Later blocks take the valid individual numbers of 460–499 of the patient's sex, in order. The
 * demo seed uses 100–~450 (`100 + 7i`, and 400+ for its referred people), so a cohort still loads
 * next to the demo data. Every birth date 1935–1964 has at least 15 valid numbers of each parity
 * there (cohort.test.ts checks), hence 15 more blocks.
 */
const HIGH_FIRST = 460;
const HIGH_LAST = 499;
const HIGH_BLOCKS = 15;

/** Valid individual numbers in 460–499 per birth date and sex, found once (about 4 MB for every date). */
const highNumbers = new Map<string, number[]>();
function highIndividuals(birthDate: string, male: boolean): number[] {
  const key = `${birthDate}${male ? 'm' : 'f'}`;
  let list = highNumbers.get(key);
  if (!list) {
    list = [];
    for (let ind = HIGH_FIRST + (male ? 1 : 0); ind <= HIGH_LAST;) {
      const got = Number(syntheticFnr(birthDate, ind).slice(6, 9));
      // syntheticFnr searches upwards in steps of 2 and wraps at 499: a smaller number means none left.
      if (got < ind || got > HIGH_LAST) break;
      list.push(got);
      ind = got + 2;
    }
    highNumbers.set(key, list);
  }
  return list;
}

/**
 * Identity of patient `index`: a birth date unique within each block of 10 958 patients, and an
 * individual number per block (blocks 0–4: search from 0, 20, 40, 60, 80; blocks 5–19: the k-th
 * valid number of 460–499), so identity numbers are unique for up to MAX_COHORT patients whatever
 * the seed. One draw of `r` either way, so everything drawn after it is as before.
 */
function identityOf(index: number, r: () => number): { birthDate: string; identifier: string; sex: 'male' | 'female' } {
  const block = Math.floor(index / BIRTH_SPAN_DAYS);
  const dayOffset = (index * BIRTH_STEP) % BIRTH_SPAN_DAYS;
  const birthDate = new Date(BIRTH_START_MS + dayOffset * 86_400_000).toISOString().slice(0, 10);
  const male = r() < 0.5;
  if (block >= LOW_BLOCKS + HIGH_BLOCKS) throw new RangeError(`A cohort holds at most ${MAX_COHORT} patients`);
  const high = block >= LOW_BLOCKS ? highIndividuals(birthDate, male)[block - LOW_BLOCKS] : undefined;
  if (block >= LOW_BLOCKS && high === undefined) throw new RangeError(`No synthetic identity left for patient ${index} (born ${birthDate})`);
  const identifier = syntheticFnr(birthDate, high ?? block * 20 + (male ? 1 : 0));
  return { birthDate, identifier, sex: Number(identifier[8]) % 2 === 1 ? 'male' : 'female' };
}

/** Birth date, identity number and sex of patient `index` (what simPatient gives it), without the rest. */
export function simIdentity(index: number, seed = 1): { birthDate: string; identifier: string; sex: 'male' | 'female' } {
  return identityOf(index, rng(mix(seed, index, 0x5117)));
}

/** Typical home values per measure: [population mean, between-patient sd, day-to-day sd]. */
const VITALS: Record<MeasureCode, [number, number, number]> = {
  spo2: [96, 1.2, 0.9],
  heart_rate: [74, 8, 4],
  resp_rate: [16, 1.2, 1.0],
  bp_systolic: [132, 12, 6],
  bp_diastolic: [78, 7, 4],
  weight: [82, 14, 0.35],
  temperature: [36.7, 0.2, 0.2],
  glucose: [7.4, 1.2, 1.0],
  phq9: [7, 3, 2],
  gad7: [6, 3, 2],
  cat: [14, 4, 2],
  symptoms: [2, 1, 1],
};

/** Diagnosis-specific shifts of the population mean (COPD: lower SpO2, faster breathing and pulse). */
function meanFor(code: MeasureCode, templates: TemplateCode[]): number {
  const [mean] = VITALS[code];
  const copd = templates.includes('copd');
  if (code === 'spo2') return copd ? 92.5 : 95.8;
  if (code === 'resp_rate' && copd) return 17;
  if (code === 'heart_rate' && copd) return 82;
  if (code === 'bp_systolic' && templates.includes('heart_failure')) return 124;
  return mean;
}

/**
 * Patient `index` of the cohort: identity, diagnoses, plan from the diagnosis templates, personal
 * baselines and (for some) a deterioration. Depends only on `index` and the options.
 */
export function simPatient(index: number, opts: CohortOptions): SimPatient {
  if (index >= MAX_COHORT) throw new RangeError(`A cohort holds at most ${MAX_COHORT} patients`);
  const seed = opts.seed ?? 1;
  const r = rng(mix(seed, index, 0x5117));
  const { birthDate, identifier, sex } = identityOf(index, r);
  const templates = DIAGNOSIS_MIX[Math.floor(r() * DIAGNOSIS_MIX.length)]!;
  const plan = planFromTemplates(templates);
  const baseline: Partial<Record<MeasureCode, number>> = {};
  for (const m of plan.measures) {
    const [, between] = VITALS[m.code];
    let v = meanFor(m.code, templates) + gauss(r) * between;
    // Keep baselines where a stable patient on a GP-individualised plan would be: inside green.
    if (m.code === 'spo2') v = Math.min(98, Math.max(templates.includes('copd') ? 90.5 : 95.3, v));
    if (m.code === 'resp_rate') v = Math.min(18, Math.max(13, v));
    if (m.code === 'bp_systolic') v = Math.min(160, Math.max(112, v));
    if (m.code === 'glucose') v = Math.min(10, Math.max(6, v));
    if (m.code === 'weight') v = Math.min(140, Math.max(48, v));
    if (m.code === 'temperature') v = Math.min(37.1, Math.max(36.2, v));
    if (m.code === 'heart_rate') v = Math.min(95, Math.max(55, v));
    baseline[m.code] = v;
  }
  let deterioration: SimPatient['deterioration'] = null;
  const kind = deteriorationKindFor(templates);
  if (kind && r() < (opts.deteriorationRate ?? 0.08)) {
    // Most start in the last days (open alerts on the worklist now), the rest earlier in the history.
    const recent = r() < 0.6;
    const startDay = recent ? opts.days - Math.floor(r() * 3) : Math.floor(r() * Math.max(1, opts.days - 5));
    deterioration = { kind, startDay, rampDays: 2 + Math.floor(r() * 3), lastDays: 4 + Math.floor(r() * 4) };
  }
  const first = (sex === 'male' ? FIRST_M : FIRST_F)[Math.floor(r() * FIRST_F.length)]!;
  const name = `${first} ${LAST[Math.floor(r() * LAST.length)]!}`;
  return { index, identifier, name, birthDate, sex, lang: r() < 0.1 ? 'nn' : 'nb', templates, plan, baseline, deterioration };
}

function deteriorationKindFor(templates: TemplateCode[]): DeteriorationKind | null {
  switch (templates[0]) {
    case 'copd':
      return 'copd_exacerbation';
    case 'heart_failure':
      return 'hf_fluid';
    case 'diabetes':
      return 'hyperglycaemia';
    case 'cancer':
      return 'fever';
    default:
      return null;
  }
}

/** The patients of a cohort, one at a time (10 000 plans are not held in memory at once). */
export function* cohort(opts: CohortOptions): Generator<SimPatient> {
  for (let i = 0; i < opts.patients; i++) yield simPatient(i, opts);
}

/** Local date of day index `day` (today = `opts.days`). */
export function dateOfDay(day: number, opts: CohortOptions): string {
  const today = toLocal(opts.end, opts.timeZone ?? DEFAULT_TZ).date;
  return addDays(today, day - opts.days);
}

const noons = new Map<string, number>();
/**
 * Local noon of a date as an instant, cached: Intl conversions dominate generation time otherwise.
 * Sittings are 07:00–10:00, after any DST switch (02:00–03:00), so they share noon's UTC offset.
 */
function noonOf(date: string, timeZone: string): number {
  const key = `${timeZone} ${date}`;
  let t = noons.get(key);
  if (t === undefined) {
    t = zonedInstant(date, '12:00', timeZone).getTime();
    if (noons.size > 10_000) noons.clear();
    noons.set(key, t);
  }
  return t;
}

/** How far into the deterioration the patient is on `day`: 0 (none) … 1 (worst). */
function severity(p: SimPatient, day: number): number {
  const d = p.deterioration;
  if (!d || day < d.startDay) return 0;
  const t = day - d.startDay;
  if (t >= d.lastDays) return Math.max(0, 1 - (t - d.lastDays + 1) / 3); // recovering over 3 days
  return Math.min(1, (t + 1) / d.rampDays);
}

/** Change of each measure at full severity of a deterioration (weight is handled as a build-up). */
const EFFECT: Record<DeteriorationKind, Partial<Record<MeasureCode, number>>> = {
  copd_exacerbation: { spo2: -6.5, heart_rate: 24, resp_rate: 8, temperature: 1.1 },
  hf_fluid: { heart_rate: 14, spo2: -2.5, bp_systolic: -8 },
  hyperglycaemia: {},
  fever: { temperature: 2.1, heart_rate: 26, spo2: -1.5 },
};

/** How much a deterioration `t` days in, at severity `s`, moves a measure with this baseline. */
function deteriorationEffect(kind: DeteriorationKind, code: MeasureCode, baseline: number, t: number, s: number): number {
  if (s <= 0) return 0;
  // Fluid builds up steadily, ~0.8 kg a day while it lasts (ESC: act on > 2 kg in 3 days).
  if (kind === 'hf_fluid' && code === 'weight') return 0.8 * Math.min(t + 1, 5) * Math.min(1, s * 2);
  if (kind === 'hyperglycaemia' && code === 'glucose') return s * (9 + baseline * 0.6);
  return s * (EFFECT[kind][code] ?? 0);
}

/** Whether a plan entry is due on a date (as-needed measures are taken when the patient feels ill). */
function scheduled(m: PlanDefinition['measures'][number], date: string, ill: boolean, r: () => number): boolean {
  switch (m.schedule.kind) {
    case 'daily':
      return true;
    case 'weekly':
      return m.schedule.weekdays.includes(isoWeekday(date));
    case 'as_needed':
      return ill || r() < 0.04;
  }
}

/**
 * The morning sitting of patient `p` on day index `day`, or null when the patient skipped it (or
 * has no device measures). Pure: the same patient and day always give the same readings.
 */
export function sittingOn(p: SimPatient, day: number, opts: CohortOptions): SimSitting | null {
  const seed = opts.seed ?? 1;
  const r = rng(mix(seed, p.index, day + 1_000_003));
  const s = severity(p, day);
  // Ill patients measure more faithfully (their plan tells them to).
  const adherence = opts.adherence ?? 0.92;
  if (r() > (s > 0 ? Math.max(0.98, adherence) : adherence)) return null;
  const date = dateOfDay(day, opts);
  const minutes = 7 * 60 + Math.floor(r() * 180);
  const effectiveAt = new Date(noonOf(date, opts.timeZone ?? DEFAULT_TZ) - (12 * 60 - minutes) * 60_000);
  const measurements: SimMeasurement[] = [];
  for (const m of p.plan.measures) {
    if (!scheduled(m, date, s > 0.3, r)) continue;
    const def = CATALOGUE[m.code];
    const base = p.baseline[m.code] ?? VITALS[m.code][0];
    // A slow personal wave (period ~2–4 weeks) gives the day-to-day autocorrelation of real series.
    const phase = rng(mix(seed, p.index, m.code.length * 97 + def.max))();
    const wave = Math.sin((2 * Math.PI * day) / (14 + phase * 14) + phase * 6.28) * VITALS[m.code][2] * 0.8;
    const t = p.deterioration ? day - p.deterioration.startDay : 0;
    let v = base + wave + gauss(r) * VITALS[m.code][2] + (p.deterioration ? deteriorationEffect(p.deterioration.kind, m.code, base, t, s) : 0);
    if (m.code === 'bp_diastolic') v = Math.min(v, (p.baseline.bp_systolic ?? 130) - 25);
    v = Math.min(def.max, Math.max(def.min, roundTo(v, def.decimals)));
    if (m.code === 'spo2') v = Math.min(100, v);
    measurements.push({ code: m.code, value: v, unit: def.unit });
  }
  if (measurements.length === 0) return null;
  // The cap above follows the usual systolic; a falling one (heart failure's fluid overload) could
  // still end below it, which no monitor reports and ingest refuses (422): keep 20 mmHg between them.
  const sys = measurements.find((m) => m.code === 'bp_systolic');
  const dia = measurements.find((m) => m.code === 'bp_diastolic');
  if (sys && dia && dia.value >= sys.value) dia.value = Math.max(CATALOGUE.bp_diastolic.min, sys.value - 20);
  return { patientIndex: p.index, day, date, effectiveAt, readingId: `sim${seed}-${p.index}-${date}`, measurements };
}

/** Every sitting of a patient on days [from, to), oldest first. */
export function sittingsFor(p: SimPatient, opts: CohortOptions, from = 0, to = opts.days): SimSitting[] {
  const out: SimSitting[] = [];
  for (let d = from; d < to; d++) {
    const s = sittingOn(p, d, opts);
    if (s) out.push(s);
  }
  return out;
}
