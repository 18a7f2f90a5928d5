import { type Result, ok, err } from './result.js';
import type { LocalText } from './text.js';

/**
 * Codes of everything a patient can report. 'symptoms' is the total score of the
 * daily symptom form (see questionnaires.ts).
 */
export const MEASURE_CODE_LIST = [
  'spo2',
  'heart_rate',
  'resp_rate',
  'bp_systolic',
  'bp_diastolic',
  'weight',
  'temperature',
  'glucose',
  'phq9',
  'gad7',
  'cat',
  'symptoms',
] as const;

export type MeasureCode = (typeof MEASURE_CODE_LIST)[number];

export const MEASURE_CODES: readonly MeasureCode[] = MEASURE_CODE_LIST;

/** Local code system for things LOINC has no code for (CAT is proprietary; our symptom form is ours). */
export const VARDE_CODE_SYSTEM = 'urn:varde:codes';
export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/** Blood pressure is sent to FHIR as one panel observation with systolic/diastolic components. */
export const BP_PANEL_LOINC = '85354-9';

export interface MeasureDef {
  code: MeasureCode;
  loinc: { system: string; code: string; display: string };
  display: LocalText;
  /** Canonical UCUM unit; everything is stored in this unit. */
  unit: string;
  /** Human-readable unit for screens and messages. */
  unitDisplay: string;
  /** Plausibility limits (inclusive): values outside are rejected, not triaged. */
  min: number;
  max: number;
  decimals: number;
  kind: 'vital' | 'score';
}

/**
 * Max total of the daily symptom form; must equal QUESTIONNAIRES.symptoms.maxScore
 * (asserted in tests — kept here so the catalogue has no import cycle).
 */
export const SYMPTOM_FORM_MAX_SCORE = 13;

/*
 * Plausibility limits below are physiological / device-range limits, NOT clinical
 * thresholds: they only reject values that cannot be a real reading from a living
 * patient or a home device (typing errors, unit mix-ups, sensor glitches). Clinical
 * alerting is done per patient by the plan thresholds.
 */
export const CATALOGUE: Readonly<Record<MeasureCode, MeasureDef>> = {
  spo2: {
    code: 'spo2',
    loinc: { system: LOINC_SYSTEM, code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
    display: { nb: 'SpO2', nn: 'SpO2', en: 'SpO2' },
    unit: '%',
    unitDisplay: '%',
    // Device range: home pulse oximeters are not validated below ~70 % and report nothing
    // meaningful below 50 %; saturation cannot exceed 100 %.
    min: 50,
    max: 100,
    decimals: 0,
    kind: 'vital',
  },
  heart_rate: {
    code: 'heart_rate',
    loinc: { system: LOINC_SYSTEM, code: '8867-4', display: 'Heart rate' },
    display: { nb: 'Puls', nn: 'Puls', en: 'Heart rate' },
    unit: '/min',
    unitDisplay: '/min',
    // Physiological limits: sustained rates outside 20–250/min are not compatible with a patient measuring at home.
    min: 20,
    max: 250,
    decimals: 0,
    kind: 'vital',
  },
  resp_rate: {
    code: 'resp_rate',
    loinc: { system: LOINC_SYSTEM, code: '9279-1', display: 'Respiratory rate' },
    display: { nb: 'Respirasjonsfrekvens', nn: 'Respirasjonsfrekvens', en: 'Respiratory rate' },
    unit: '/min',
    unitDisplay: '/min',
    // Physiological limits for a conscious adult counting their own breaths.
    min: 4,
    max: 60,
    decimals: 0,
    kind: 'vital',
  },
  bp_systolic: {
    code: 'bp_systolic',
    loinc: { system: LOINC_SYSTEM, code: '8480-6', display: 'Systolic blood pressure' },
    display: { nb: 'Systolisk blodtrykk', nn: 'Systolisk blodtrykk', en: 'Systolic blood pressure' },
    unit: 'mm[Hg]',
    unitDisplay: 'mmHg',
    // Device range of common validated home oscillometric monitors (about 50–280 mmHg).
    min: 50,
    max: 280,
    decimals: 0,
    kind: 'vital',
  },
  bp_diastolic: {
    code: 'bp_diastolic',
    loinc: { system: LOINC_SYSTEM, code: '8462-4', display: 'Diastolic blood pressure' },
    display: { nb: 'Diastolisk blodtrykk', nn: 'Diastolisk blodtrykk', en: 'Diastolic blood pressure' },
    unit: 'mm[Hg]',
    unitDisplay: 'mmHg',
    // Device range of common validated home oscillometric monitors (about 20–200 mmHg).
    min: 20,
    max: 200,
    decimals: 0,
    kind: 'vital',
  },
  weight: {
    code: 'weight',
    loinc: { system: LOINC_SYSTEM, code: '29463-7', display: 'Body weight' },
    display: { nb: 'Vekt', nn: 'Vekt', en: 'Weight' },
    unit: 'kg',
    unitDisplay: 'kg',
    // Physiological limits for the adult population followed up; also the range of home bathroom scales.
    min: 20,
    max: 350,
    decimals: 1,
    kind: 'vital',
  },
  temperature: {
    code: 'temperature',
    loinc: { system: LOINC_SYSTEM, code: '8310-5', display: 'Body temperature' },
    display: { nb: 'Temperatur', nn: 'Temperatur', en: 'Temperature' },
    unit: 'Cel',
    unitDisplay: '°C',
    // Physiological limits: below 30 °C / above 44 °C a patient cannot take their own temperature.
    min: 30,
    max: 44,
    decimals: 1,
    kind: 'vital',
  },
  glucose: {
    code: 'glucose',
    loinc: { system: LOINC_SYSTEM, code: '14743-9', display: 'Glucose [Moles/volume] in Capillary blood by Glucometer' },
    display: { nb: 'Blodsukker', nn: 'Blodsukker', en: 'Blood glucose' },
    unit: 'mmol/L',
    unitDisplay: 'mmol/L',
    // Device range: home glucometers measure about 0.6–33.3 mmol/L and show "LO"/"HI" outside it.
    min: 0.6,
    max: 33.3,
    decimals: 1,
    kind: 'vital',
  },
  phq9: {
    code: 'phq9',
    loinc: { system: LOINC_SYSTEM, code: '44261-6', display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]' },
    display: { nb: 'PHQ-9', nn: 'PHQ-9', en: 'PHQ-9' },
    unit: '{score}',
    unitDisplay: '',
    // Score range of the instrument: 9 items × 0–3 (Kroenke 2001).
    min: 0,
    max: 27,
    decimals: 0,
    kind: 'score',
  },
  gad7: {
    code: 'gad7',
    loinc: { system: LOINC_SYSTEM, code: '70274-6', display: 'Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]' },
    display: { nb: 'GAD-7', nn: 'GAD-7', en: 'GAD-7' },
    unit: '{score}',
    unitDisplay: '',
    // Score range of the instrument: 7 items × 0–3 (Spitzer 2006).
    min: 0,
    max: 21,
    decimals: 0,
    kind: 'score',
  },
  cat: {
    code: 'cat',
    loinc: { system: VARDE_CODE_SYSTEM, code: 'cat-total', display: 'COPD Assessment Test (CAT) total score' },
    display: { nb: 'CAT', nn: 'CAT', en: 'CAT' },
    unit: '{score}',
    unitDisplay: '',
    // Score range of the instrument: 8 items × 0–5 (Jones 2009).
    min: 0,
    max: 40,
    decimals: 0,
    kind: 'score',
  },
  symptoms: {
    code: 'symptoms',
    loinc: { system: VARDE_CODE_SYSTEM, code: 'symptom-score', display: 'Varde daily symptom form total score' },
    display: { nb: 'Symptomskår', nn: 'Symptomskår', en: 'Symptom score' },
    unit: '{score}',
    unitDisplay: '',
    // Score range of the form itself (see questionnaires.ts).
    min: 0,
    max: SYMPTOM_FORM_MAX_SCORE,
    decimals: 0,
    kind: 'score',
  },
};

/** Type guard for measure codes coming from untyped input. */
export function isMeasureCode(code: string): code is MeasureCode {
  return (MEASURE_CODE_LIST as readonly string[]).includes(code);
}

/**
 * Rounds half away from zero at the given number of decimals. The small nudge
 * compensates for binary floating point (1.005 is stored as 1.00499…).
 * @param value the number to round
 * @param decimals digits after the decimal point
 */
export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(Math.abs(value) * f * (1 + Number.EPSILON)) / f;
  return value < 0 ? -r : r;
}

/** Formats a number for an English error message without trailing noise (e.g. 0.1+0.2). */
function plain(value: number): string {
  return String(roundTo(value, 6));
}

type Converter = { to: (v: number) => number; from: string };

/*
 * Units that are the same quantity spelled differently by devices; they need no
 * arithmetic so accepting them is safe. Anything else must be converted explicitly
 * below or rejected — silently guessing a unit is how mg/dL ends up stored as mmol/L.
 */
const SYNONYMS: Partial<Record<MeasureCode, readonly string[]>> = {
  heart_rate: ['{beats}/min', '1/min', 'bpm'],
  resp_rate: ['{breaths}/min', '1/min'],
  bp_systolic: ['mmHg'],
  bp_diastolic: ['mmHg'],
  temperature: ['°C'],
  glucose: ['mmol/l'],
  phq9: ['{score}'],
  gad7: ['{score}'],
  cat: ['{score}'],
  symptoms: ['{score}'],
};

// mg/dL → mmol/L: glucose molar mass 180.16 g/mol gives 18.016; the factor 18 is the
// one used in clinical practice and by ADA / Helsedirektoratet conversion tables.
const GLUCOSE_MGDL_PER_MMOLL = 18;
// International avoirdupois pound, exact by definition (1959 agreement).
const KG_PER_LB = 0.45359237;

const CONVERSIONS: Partial<Record<MeasureCode, Record<string, Converter>>> = {
  glucose: {
    'mg/dL': { from: 'mg/dL', to: (v) => v / GLUCOSE_MGDL_PER_MMOLL },
    'mg/dl': { from: 'mg/dL', to: (v) => v / GLUCOSE_MGDL_PER_MMOLL },
  },
  weight: {
    '[lb_av]': { from: '[lb_av]', to: (v) => v * KG_PER_LB },
    lb: { from: '[lb_av]', to: (v) => v * KG_PER_LB },
  },
  temperature: {
    '[degF]': { from: '[degF]', to: (v) => ((v - 32) * 5) / 9 },
    '°F': { from: '[degF]', to: (v) => ((v - 32) * 5) / 9 },
  },
};

/**
 * Units accepted for a measure (canonical first, then synonyms and convertible units).
 * @param code the measure
 */
export function acceptedUnits(code: MeasureCode): string[] {
  return [CATALOGUE[code].unit, ...(SYNONYMS[code] ?? []), ...Object.keys(CONVERSIONS[code] ?? {})];
}

/**
 * Validates and normalises one reported value to its canonical unit.
 * Accepts the canonical UCUM unit, an omitted unit (meaning canonical), exact
 * synonyms, and explicit conversions: glucose mg/dL → mmol/L (÷18), weight
 * [lb_av] → kg, temperature [degF] → Cel. Rounds to the measure's decimals and
 * then checks plausibility.
 * @param input raw code, value and optional unit as received
 * @returns the canonical measurement, or an error with code 'unknown_measure',
 *   'unit_not_accepted' or 'implausible_value'
 */
export function normaliseMeasurement(input: {
  code: string;
  value: number;
  unit?: string;
}): Result<{ code: MeasureCode; value: number; unit: string }> {
  if (!isMeasureCode(input.code)) {
    return err('unknown_measure', `Unknown measure "${input.code}"; expected one of ${MEASURE_CODES.join(', ')}`, 'code');
  }
  const def = CATALOGUE[input.code];
  if (typeof input.value !== 'number' || !Number.isFinite(input.value)) {
    return err('implausible_value', `${def.display.en} must be a finite number, got ${String(input.value)}`, 'value');
  }
  const unit = input.unit === undefined || input.unit === '' ? def.unit : input.unit;
  let value: number;
  let fromNote = '';
  if (unit === def.unit || (SYNONYMS[def.code] ?? []).includes(unit)) {
    value = input.value;
  } else {
    const conv = CONVERSIONS[def.code]?.[unit];
    if (conv === undefined) {
      return err(
        'unit_not_accepted',
        `Unit "${unit}" is not accepted for ${def.display.en}; use ${acceptedUnits(def.code)
          .map((u) => `"${u}"`)
          .join(', ')}`,
        'unit',
      );
    }
    value = conv.to(input.value);
    fromNote = ` (${plain(input.value)} ${conv.from})`;
  }
  const rounded = roundTo(value, def.decimals);
  if (rounded < def.min || rounded > def.max) {
    const u = def.unitDisplay === '' ? '' : ` ${def.unitDisplay}`;
    return err(
      'implausible_value',
      `${def.display.en} of ${plain(rounded)}${u}${fromNote} is not possible: must be between ${plain(def.min)} and ${plain(def.max)}${u}`,
      'value',
    );
  }
  return ok({ code: def.code, value: rounded, unit: def.unit });
}
