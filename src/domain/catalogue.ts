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
  /**
   * Plausibility limits (inclusive): values outside cannot be a reading of a living patient at
   * home (typing errors, unit mix-ups, sensor glitches) and are refused. They are deliberately
   * wide: anything clinically possible must get through to triage, however alarming.
   */
  min: number;
  max: number;
  /** Why these limits (the source). */
  limitsSource: string;
  /** Digits shown on screens. Display only: values are stored and triaged exactly as measured. */
  decimals: number;
  kind: 'vital' | 'score';
  /**
   * Values that are red whatever the plan says (a floor no plan can switch off): `redBelow` strict,
   * `redFrom` inclusive.
   */
  critical?: { redBelow?: number; redFrom?: number; source: string };
  /**
   * Measuring range of home devices: a meter showing "LO" or "HI" is below `lo` or above `hi`.
   * Such a reading is stored at that edge with its flag and is red.
   */
  deviceRange?: { lo: number; hi: number; source: string };
}

/** A home meter's out-of-range flag ("LO"/"HI" on the display), sent instead of a number. */
export type Interpretation = 'HI' | 'LO';
export const INTERPRETATIONS: readonly Interpretation[] = ['HI', 'LO'];

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
    min: 20,
    max: 100,
    limitsSource:
      'Saturation cannot exceed 100 %. ISO 80601-2-61 specifies oximeter accuracy for 70–100 %, but oximeters display lower values and a reading of 50 % is a dying patient (red), not an error; below 20 % a patient cannot measure themselves.',
    decimals: 0,
    kind: 'vital',
  },
  heart_rate: {
    code: 'heart_rate',
    loinc: { system: LOINC_SYSTEM, code: '8867-4', display: 'Heart rate' },
    display: { nb: 'Puls', nn: 'Puls', en: 'Heart rate' },
    unit: '/min',
    unitDisplay: '/min',
    min: 15,
    max: 300,
    limitsSource:
      'Ventricular rates up to 300/min occur (atrial flutter with 1:1 conduction, pre-excited atrial fibrillation; ESC 2019 SVT guideline); complete heart block can give 20–30/min. Home monitors measure about 30–240/min.',
    decimals: 0,
    kind: 'vital',
  },
  resp_rate: {
    code: 'resp_rate',
    loinc: { system: LOINC_SYSTEM, code: '9279-1', display: 'Respiratory rate' },
    display: { nb: 'Respirasjonsfrekvens', nn: 'Respirasjonsfrekvens', en: 'Respiratory rate' },
    unit: '/min',
    unitDisplay: '/min',
    min: 2,
    max: 80,
    limitsSource: 'Outside 2–80/min breaths cannot be counted by a patient or carer at home; NEWS2 already scores ≤8 and ≥25 as 3 (RCP 2017).',
    decimals: 0,
    kind: 'vital',
  },
  bp_systolic: {
    code: 'bp_systolic',
    loinc: { system: LOINC_SYSTEM, code: '8480-6', display: 'Systolic blood pressure' },
    display: { nb: 'Systolisk blodtrykk', nn: 'Systolisk blodtrykk', en: 'Systolic blood pressure' },
    unit: 'mm[Hg]',
    unitDisplay: 'mmHg',
    min: 30,
    max: 300,
    limitsSource:
      'Cuff range of validated home oscillometric monitors is 0–299 mmHg (e.g. Omron M-series manuals); a systolic below 30 mmHg is not a readable pressure.',
    decimals: 0,
    kind: 'vital',
  },
  bp_diastolic: {
    code: 'bp_diastolic',
    loinc: { system: LOINC_SYSTEM, code: '8462-4', display: 'Diastolic blood pressure' },
    display: { nb: 'Diastolisk blodtrykk', nn: 'Diastolisk blodtrykk', en: 'Diastolic blood pressure' },
    unit: 'mm[Hg]',
    unitDisplay: 'mmHg',
    min: 10,
    max: 250,
    limitsSource: 'Cuff range of validated home oscillometric monitors (0–299 mmHg); diastolic pressures above 250 mmHg are not reported in humans.',
    decimals: 0,
    kind: 'vital',
  },
  weight: {
    code: 'weight',
    loinc: { system: LOINC_SYSTEM, code: '29463-7', display: 'Body weight' },
    display: { nb: 'Vekt', nn: 'Vekt', en: 'Weight' },
    unit: 'kg',
    unitDisplay: 'kg',
    min: 10,
    max: 650,
    limitsSource: 'Adults followed up at home weigh more than 10 kg; the heaviest recorded humans weighed about 635 kg (Guinness World Records).',
    decimals: 1,
    kind: 'vital',
  },
  temperature: {
    code: 'temperature',
    loinc: { system: LOINC_SYSTEM, code: '8310-5', display: 'Body temperature' },
    display: { nb: 'Temperatur', nn: 'Temperatur', en: 'Temperature' },
    unit: 'Cel',
    unitDisplay: '°C',
    min: 25,
    max: 46,
    limitsSource:
      'Survived accidental hypothermia goes far below 25 °C, but not in a patient measuring at home; heat stroke above 46 °C is not reported as survived (Bouchama, N Engl J Med 2002).',
    decimals: 1,
    // Home thermometers show "Lo"/"Hi" outside about 32–42.9 °C (EN 12470-3 clinical thermometer range).
    deviceRange: { lo: 32, hi: 42.9, source: 'EN 12470-3: clinical electrical thermometers measure at least 35.5–42.0 °C; home devices show Lo/Hi outside about 32–42.9 °C.' },
    kind: 'vital',
  },
  glucose: {
    code: 'glucose',
    loinc: { system: LOINC_SYSTEM, code: '14743-9', display: 'Glucose [Moles/volume] in Capillary blood by Glucometer' },
    display: { nb: 'Blodsukker', nn: 'Blodsukker', en: 'Blood glucose' },
    unit: 'mmol/L',
    unitDisplay: 'mmol/L',
    // Not refused above the meter range: a value of 35 from a lab or CGM is a hyperglycaemic crisis (red).
    min: 0.1,
    max: 150,
    limitsSource:
      'Blood glucose above 33.3 mmol/L (600 mg/dL) occurs in the hyperosmolar hyperglycaemic state (ADA consensus, Kitabchi et al., Diabetes Care 2009;32:1335); values up to about 147 mmol/L have been survived. Any value above 0 mmol/L is possible.',
    decimals: 1,
    critical: {
      redBelow: 3.0,
      redFrom: 33.3,
      source:
        'ADA Standards of Care 2024 §6: level 2 hypoglycaemia < 3.0 mmol/L (54 mg/dL) needs immediate action; ≥ 33.3 mmol/L (600 mg/dL) is the glucose criterion of the hyperosmolar hyperglycaemic state (Kitabchi 2009).',
    },
    deviceRange: { lo: 0.6, hi: 33.3, source: 'ISO 15197:2013 meters; common home glucometers measure 0.6–33.3 mmol/L and show LO/HI outside it (e.g. Accu-Chek, Contour, FreeStyle manuals).' },
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
    limitsSource: 'The range of the instrument.',
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
    limitsSource: 'The range of the instrument.',
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
    limitsSource: 'The range of the instrument.',
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
    limitsSource: 'The range of the instrument.',
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
 * Validates and normalises one reported value to its canonical unit, exactly: nothing is rounded,
 * because a limit such as "red below 86" must see 85.5 as 85.5 (rounding is for display only).
 * Accepts the canonical UCUM unit, an omitted unit (meaning canonical), exact synonyms, and
 * explicit conversions: glucose mg/dL → mmol/L (÷18), weight [lb_av] → kg, temperature
 * [degF] → Cel. Then checks plausibility (see MeasureDef.min/max). A meter's "HI"/"LO" flag
 * (`interpretation`) is accepted for measures with a device range, with or without a value; without
 * one the reading is stored at the edge of the range.
 * @param input raw code, value, optional unit and optional meter flag as received
 * @returns the canonical measurement, or an error with code 'unknown_measure',
 *   'unit_not_accepted', 'flag_not_accepted' or 'implausible_value'
 */
export function normaliseMeasurement(input: {
  code: string;
  value?: number | undefined;
  unit?: string | undefined;
  interpretation?: string | undefined;
}): Result<{ code: MeasureCode; value: number; unit: string; interpretation?: Interpretation }> {
  if (!isMeasureCode(input.code)) {
    return err('unknown_measure', `Unknown measure "${input.code}"; expected one of ${MEASURE_CODES.join(', ')}`, 'code');
  }
  const def = CATALOGUE[input.code];
  let interpretation: Interpretation | undefined;
  if (input.interpretation !== undefined) {
    if (!(INTERPRETATIONS as readonly string[]).includes(input.interpretation)) {
      return err('flag_not_accepted', `"${input.interpretation}" is not a meter flag; use "HI" or "LO"`, 'interpretation');
    }
    if (def.deviceRange === undefined) {
      return err('flag_not_accepted', `${def.display.en} meters have no HI/LO flag; send the value`, 'interpretation');
    }
    interpretation = input.interpretation as Interpretation;
    if (input.value === undefined) {
      const value = interpretation === 'HI' ? def.deviceRange.hi : def.deviceRange.lo;
      return ok({ code: def.code, value, unit: def.unit, interpretation });
    }
  }
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
  if (value < def.min || value > def.max) {
    const u = def.unitDisplay === '' ? '' : ` ${def.unitDisplay}`;
    return err(
      'implausible_value',
      `${def.display.en} of ${plain(value)}${u}${fromNote} is not possible: must be between ${plain(def.min)} and ${plain(def.max)}${u}`,
      'value',
    );
  }
  return ok(interpretation === undefined ? { code: def.code, value, unit: def.unit } : { code: def.code, value, unit: def.unit, interpretation });
}

/**
 * Plausibility across the measurements of one sitting: a systolic pressure below the diastolic
 * one cannot be measured (the cuff reads systolic first, as the higher pressure) and means the
 * two were swapped or mistyped.
 * @param measurements canonical measurements of one sitting
 * @returns ok, or 'implausible_value' naming the index of the systolic value as `field` (`<i>.value`)
 */
export function checkSittingPlausibility(measurements: readonly { code: MeasureCode; value: number }[]): Result<true> {
  const sys = measurements.findIndex((m) => m.code === 'bp_systolic');
  const dia = measurements.findIndex((m) => m.code === 'bp_diastolic');
  const s = measurements[sys];
  const d = measurements[dia];
  if (s !== undefined && d !== undefined && s.value < d.value) {
    return err('implausible_value', `Systolic blood pressure ${plain(s.value)} mmHg is below diastolic ${plain(d.value)} mmHg: check that the two are not swapped`, `${sys}.value`);
  }
  return ok(true);
}
