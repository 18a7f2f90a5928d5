import type { Lang, LocalizedText } from './i18n.js';

interface MeasureInfo {
  name: LocalizedText;
  short: LocalizedText;
  /** Friendlier unit text than UCUM, when the UCUM code is cryptic for patients. */
  unit?: LocalizedText;
}

const same = (s: string): LocalizedText => ({ nb: s, nn: s, en: s });

const SPO2: MeasureInfo = {
  name: { nb: 'Oksygenmetning (SpO2)', nn: 'Oksygenmetting (SpO2)', en: 'Oxygen saturation (SpO2)' },
  short: same('SpO2'),
};
const GLUCOSE: MeasureInfo = {
  name: { nb: 'Blodsukker', nn: 'Blodsukker', en: 'Blood glucose' },
  short: { nb: 'Glukose', nn: 'Glukose', en: 'Glucose' },
};

/**
 * Client-side names for LOINC codes (DESIGN.md §2). Tasks carry their own display text from the
 * plan; this is used where the API only sends a code (observations, worklist, alerts).
 */
export const MEASURES: Readonly<Record<string, MeasureInfo>> = {
  '59408-5': SPO2,
  '2708-6': SPO2,
  '8867-4': {
    name: { nb: 'Puls', nn: 'Puls', en: 'Pulse' },
    short: { nb: 'Puls', nn: 'Puls', en: 'Pulse' },
    unit: { nb: 'slag/min', nn: 'slag/min', en: 'beats/min' },
  },
  '9279-1': {
    name: { nb: 'Pustefrekvens', nn: 'Pustefrekvens', en: 'Breathing rate' },
    short: { nb: 'RF', nn: 'RF', en: 'RR' },
    unit: { nb: 'pust/min', nn: 'pust/min', en: 'breaths/min' },
  },
  '85354-9': {
    name: { nb: 'Blodtrykk', nn: 'Blodtrykk', en: 'Blood pressure' },
    short: { nb: 'BT', nn: 'BT', en: 'BP' },
  },
  '8480-6': {
    name: { nb: 'Blodtrykk, øvre tall (systolisk)', nn: 'Blodtrykk, øvre tal (systolisk)', en: 'Blood pressure, upper number (systolic)' },
    short: { nb: 'BT sys', nn: 'BT sys', en: 'BP sys' },
  },
  '8462-4': {
    name: { nb: 'Blodtrykk, nedre tall (diastolisk)', nn: 'Blodtrykk, nedre tal (diastolisk)', en: 'Blood pressure, lower number (diastolic)' },
    short: { nb: 'BT dia', nn: 'BT dia', en: 'BP dia' },
  },
  '29463-7': {
    name: { nb: 'Vekt', nn: 'Vekt', en: 'Weight' },
    short: { nb: 'Vekt', nn: 'Vekt', en: 'Weight' },
  },
  '8310-5': {
    name: { nb: 'Kroppstemperatur', nn: 'Kroppstemperatur', en: 'Body temperature' },
    short: { nb: 'Temp', nn: 'Temp', en: 'Temp' },
  },
  '14743-9': GLUCOSE,
  '15074-8': GLUCOSE,
  '44261-6': { name: same('PHQ-9'), short: same('PHQ-9') },
  '70274-6': { name: same('GAD-7'), short: same('GAD-7') },
};

/** Blood pressure is a panel; patients type its two components as separate numbers. */
export const BP_PANEL = '85354-9';
export const BP_COMPONENTS: readonly string[] = ['8480-6', '8462-4'];

const UCUM_DISPLAY: Readonly<Record<string, LocalizedText>> = {
  'mm[Hg]': same('mmHg'),
  Cel: same('°C'),
  '{score}': { nb: 'poeng', nn: 'poeng', en: 'points' },
  '/min': same('/min'),
};

export function measureName(code: string, lang: Lang): string {
  return MEASURES[code]?.name[lang] ?? code;
}

export function measureShort(code: string, lang: Lang): string {
  return MEASURES[code]?.short[lang] ?? measureName(code, lang);
}

export function unitLabel(code: string, ucum: string, lang: Lang): string {
  const special = MEASURES[code]?.unit;
  if (special && ucum === '/min') return special[lang];
  return UCUM_DISPLAY[ucum]?.[lang] ?? ucum;
}
