/*
 * National Early Warning Score 2.
 * Source for every band in this file: Royal College of Physicians (2017),
 * "National Early Warning Score (NEWS) 2: Standardising the assessment of
 * acute-illness severity in the NHS", chart 1 (scoring table) and chart 2
 * (clinical response thresholds). Bands are inclusive of both ends as printed.
 */

export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U';

export interface News2Input {
  respRate?: number;
  spo2?: number;
  /** SpO2 scale 2 is for patients with hypercapnic respiratory failure and a prescribed 88–92 % target. */
  scale: 1 | 2;
  onOxygen?: boolean;
  systolic?: number;
  pulse?: number;
  consciousness?: Consciousness;
  temperature?: number;
}

export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high';

export interface News2Result {
  /** True when every parameter a patient measures at home is present (resp rate, SpO2, systolic, pulse, temperature). */
  complete: boolean;
  /** Home parameters not measured (a partial score counts them as 0: it can only under-state). */
  missing: ('respRate' | 'spo2' | 'systolic' | 'pulse' | 'temperature')[];
  /** Sum of the parts that could be scored. */
  score: number;
  /** Points per parameter: respRate, spo2, airOrOxygen, systolic, pulse, consciousness, temperature. */
  parts: Record<string, number>;
  risk: News2Risk;
  anyParameterThree: boolean;
}

type Band = { upTo: number; points: number };

/** Picks the first band whose inclusive upper bound holds the value; the last band must be open-ended. */
function band(value: number, bands: readonly Band[]): number {
  for (const b of bands) if (value <= b.upTo) return b.points;
  return 0;
}

// RCP 2017 chart 1 — respiration rate (per minute): ≤8 →3, 9–11 →1, 12–20 →0, 21–24 →2, ≥25 →3.
const RESP_RATE_BANDS: readonly Band[] = [
  { upTo: 8, points: 3 },
  { upTo: 11, points: 1 },
  { upTo: 20, points: 0 },
  { upTo: 24, points: 2 },
  { upTo: Infinity, points: 3 },
];

// RCP 2017 chart 1 — SpO2 scale 1 (%): ≤91 →3, 92–93 →2, 94–95 →1, ≥96 →0.
const SPO2_SCALE1_BANDS: readonly Band[] = [
  { upTo: 91, points: 3 },
  { upTo: 93, points: 2 },
  { upTo: 95, points: 1 },
  { upTo: Infinity, points: 0 },
];

// RCP 2017 chart 1 — SpO2 scale 2 (%), lower part shared by air and oxygen: ≤83 →3, 84–85 →2, 86–87 →1, 88–92 →0.
// Above 92: on air ≥93 →0 (no penalty for being above target without oxygen);
// on oxygen 93–94 →1, 95–96 →2, ≥97 →3 (over-oxygenation risks CO2 retention).
const SPO2_SCALE2_LOW_BANDS: readonly Band[] = [
  { upTo: 83, points: 3 },
  { upTo: 85, points: 2 },
  { upTo: 87, points: 1 },
  { upTo: 92, points: 0 },
];
const SPO2_SCALE2_OXYGEN_HIGH_BANDS: readonly Band[] = [
  { upTo: 94, points: 1 },
  { upTo: 96, points: 2 },
  { upTo: Infinity, points: 3 },
];

// RCP 2017 chart 1 — air or oxygen: supplemental oxygen → 2, air → 0.
const OXYGEN_POINTS = 2;

// RCP 2017 chart 1 — systolic blood pressure (mmHg): ≤90 →3, 91–100 →2, 101–110 →1, 111–219 →0, ≥220 →3.
const SYSTOLIC_BANDS: readonly Band[] = [
  { upTo: 90, points: 3 },
  { upTo: 100, points: 2 },
  { upTo: 110, points: 1 },
  { upTo: 219, points: 0 },
  { upTo: Infinity, points: 3 },
];

// RCP 2017 chart 1 — pulse (per minute): ≤40 →3, 41–50 →1, 51–90 →0, 91–110 →1, 111–130 →2, ≥131 →3.
const PULSE_BANDS: readonly Band[] = [
  { upTo: 40, points: 3 },
  { upTo: 50, points: 1 },
  { upTo: 90, points: 0 },
  { upTo: 110, points: 1 },
  { upTo: 130, points: 2 },
  { upTo: Infinity, points: 3 },
];

// RCP 2017 chart 1 — consciousness: Alert → 0; new Confusion, Voice, Pain, Unresponsive → 3.
const NOT_ALERT_POINTS = 3;

// RCP 2017 chart 1 — temperature (°C, one decimal): ≤35.0 →3, 35.1–36.0 →1, 36.1–38.0 →0, 38.1–39.0 →1, ≥39.1 →2.
const TEMPERATURE_BANDS: readonly Band[] = [
  { upTo: 35.0, points: 3 },
  { upTo: 36.0, points: 1 },
  { upTo: 38.0, points: 0 },
  { upTo: 39.0, points: 1 },
  { upTo: Infinity, points: 2 },
];

// RCP 2017 chart 2 — aggregate 5–6 is the "key threshold for urgent response" (medium), ≥7 is high.
export const NEWS2_MEDIUM_FROM = 5;
export const NEWS2_HIGH_FROM = 7;
// RCP 2017 chart 2 — a red score (3 in any single parameter) is low–medium risk and warrants urgent ward review.
export const NEWS2_SINGLE_PARAMETER_RED = 3;

/*
 * The chart is printed for whole numbers (one decimal for temperature). Devices send 91.5 % or
 * 90.4/min; such a value lies between two printed bands and gets the higher score of the two, so a
 * fraction never rounds a deterioration away (SpO2 91.5 scores like 91, pulse 90.4 like 91).
 */
function between(value: number, step: 1 | 0.1, score: (v: number) => number): number {
  const f = step === 1 ? 1 : 10;
  const lo = Math.floor(value * f + 1e-9) / f;
  const hi = Math.ceil(value * f - 1e-9) / f;
  return Math.max(score(lo), score(hi));
}

/** NEWS2 points for respiration rate (RCP 2017). */
export function scoreRespRate(perMinute: number): number {
  return between(perMinute, 1, (v) => band(v, RESP_RATE_BANDS));
}

/**
 * NEWS2 points for SpO2 (RCP 2017), including the air/oxygen split of scale 2.
 * @param spo2 saturation in %
 * @param scale 1 (standard) or 2 (prescribed target 88–92 %)
 * @param onOxygen whether the patient is on supplemental oxygen
 */
export function scoreSpo2(spo2: number, scale: 1 | 2, onOxygen: boolean): number {
  return between(spo2, 1, (v) => {
    if (scale === 1) return band(v, SPO2_SCALE1_BANDS);
    if (v <= 92) return band(v, SPO2_SCALE2_LOW_BANDS);
    return onOxygen ? band(v, SPO2_SCALE2_OXYGEN_HIGH_BANDS) : 0;
  });
}

/** NEWS2 points for systolic blood pressure (RCP 2017). */
export function scoreSystolic(mmHg: number): number {
  return between(mmHg, 1, (v) => band(v, SYSTOLIC_BANDS));
}

/** NEWS2 points for pulse (RCP 2017). */
export function scorePulse(perMinute: number): number {
  return between(perMinute, 1, (v) => band(v, PULSE_BANDS));
}

/** NEWS2 points for temperature in °C (RCP 2017). */
export function scoreTemperature(celsius: number): number {
  return between(celsius, 0.1, (v) => band(v, TEMPERATURE_BANDS));
}

/**
 * Clinical risk band from the aggregate and the single-parameter rule (RCP 2017 chart 2).
 * @param score aggregate NEWS2
 * @param anyParameterThree whether any single parameter scored 3
 */
export function news2Risk(score: number, anyParameterThree: boolean): News2Risk {
  if (score >= NEWS2_HIGH_FROM) return 'high';
  if (score >= NEWS2_MEDIUM_FROM) return 'medium';
  if (anyParameterThree) return 'low-medium';
  return 'low';
}

/**
 * Computes NEWS2 (RCP 2017) from whatever vitals are available.
 * At home consciousness is assumed Alert and oxygen assumed off unless stated,
 * because the patient is measuring themselves; `complete` is true only when resp
 * rate, SpO2, systolic BP, pulse and temperature are all present — an incomplete
 * score must not be read as reassuring.
 * @param input the vitals and SpO2 scale
 * @returns points per part, total, risk band and the single-parameter-3 flag
 */
export function news2(input: News2Input): News2Result {
  const onOxygen = input.onOxygen ?? false;
  const consciousness = input.consciousness ?? 'A';
  const parts: Record<string, number> = {};
  if (input.respRate !== undefined) parts['respRate'] = scoreRespRate(input.respRate);
  if (input.spo2 !== undefined) parts['spo2'] = scoreSpo2(input.spo2, input.scale, onOxygen);
  parts['airOrOxygen'] = onOxygen ? OXYGEN_POINTS : 0;
  if (input.systolic !== undefined) parts['systolic'] = scoreSystolic(input.systolic);
  if (input.pulse !== undefined) parts['pulse'] = scorePulse(input.pulse);
  parts['consciousness'] = consciousness === 'A' ? 0 : NOT_ALERT_POINTS;
  if (input.temperature !== undefined) parts['temperature'] = scoreTemperature(input.temperature);
  const values = Object.values(parts);
  const score = values.reduce((a, b) => a + b, 0);
  const anyParameterThree = values.some((p) => p >= NEWS2_SINGLE_PARAMETER_RED);
  const missing = (['respRate', 'spo2', 'systolic', 'pulse', 'temperature'] as const).filter((k) => input[k] === undefined);
  return { complete: missing.length === 0, missing, score, parts, risk: news2Risk(score, anyParameterThree), anyParameterThree };
}
