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
 * Patient-friendly names for the measure codes of the API (`spo2`, `heart_rate`, … — the server's
 * catalogue in src/domain/catalogue.ts). Tasks carry their own display text from the plan; this is
 * used where the API only sends a code (observations, worklist, alerts, feedback).
 */
export const MEASURES: Readonly<Record<string, MeasureInfo>> = {
  spo2: SPO2,
  heart_rate: {
    name: { nb: 'Puls', nn: 'Puls', en: 'Pulse' },
    short: { nb: 'Puls', nn: 'Puls', en: 'Pulse' },
    unit: { nb: 'slag/min', nn: 'slag/min', en: 'beats/min' },
  },
  resp_rate: {
    name: { nb: 'Pustefrekvens', nn: 'Pustefrekvens', en: 'Breathing rate' },
    short: { nb: 'RF', nn: 'RF', en: 'RR' },
    unit: { nb: 'pust/min', nn: 'pust/min', en: 'breaths/min' },
  },
  bp_systolic: {
    name: { nb: 'Blodtrykk, øvre tall (systolisk)', nn: 'Blodtrykk, øvre tal (systolisk)', en: 'Blood pressure, upper number (systolic)' },
    short: { nb: 'BT sys', nn: 'BT sys', en: 'BP sys' },
  },
  bp_diastolic: {
    name: { nb: 'Blodtrykk, nedre tall (diastolisk)', nn: 'Blodtrykk, nedre tal (diastolisk)', en: 'Blood pressure, lower number (diastolic)' },
    short: { nb: 'BT dia', nn: 'BT dia', en: 'BP dia' },
  },
  weight: {
    name: { nb: 'Vekt', nn: 'Vekt', en: 'Weight' },
    short: { nb: 'Vekt', nn: 'Vekt', en: 'Weight' },
  },
  temperature: {
    name: { nb: 'Kroppstemperatur', nn: 'Kroppstemperatur', en: 'Body temperature' },
    short: { nb: 'Temp', nn: 'Temp', en: 'Temp' },
  },
  glucose: GLUCOSE,
  // One name per questionnaire everywhere in the apps (task, form heading, chart): a plain word, then the code.
  phq9: { name: { nb: 'Humørskjema (PHQ-9)', nn: 'Humørskjema (PHQ-9)', en: 'Mood questionnaire (PHQ-9)' }, short: same('PHQ-9') },
  gad7: { name: { nb: 'Uroskjema (GAD-7)', nn: 'Uroskjema (GAD-7)', en: 'Anxiety questionnaire (GAD-7)' }, short: same('GAD-7') },
  cat: { name: { nb: 'KOLS-skjema (CAT)', nn: 'KOLS-skjema (CAT)', en: 'COPD test (CAT)' }, short: same('CAT') },
  symptoms: { name: { nb: 'Dagens symptomer', nn: 'Dagens symptom', en: 'Today\'s symptoms' }, short: { nb: 'Symptomer', nn: 'Symptom', en: 'Symptoms' } },
};

/** One short sentence per measure for patients: what it is and how it is measured. */
export const EXPLAIN: Readonly<Record<string, LocalizedText>> = {
  spo2: { nb: 'Hvor mye oksygen det er i blodet. Mål med klypen på fingeren.', nn: 'Kor mykje oksygen det er i blodet. Mål med klypa på fingeren.', en: 'How much oxygen there is in your blood. Measure with the clip on your finger.' },
  heart_rate: { nb: 'Hvor mange ganger hjertet slår i minuttet.', nn: 'Kor mange gonger hjartet slår i minuttet.', en: 'How many times your heart beats in a minute.' },
  resp_rate: { nb: 'Hvor mange ganger du puster inn i minuttet, mens du sitter i ro.', nn: 'Kor mange gonger du pustar inn i minuttet, medan du sit i ro.', en: 'How many breaths you take in a minute while sitting still.' },
  bp_systolic: { nb: 'Sitt i ro i fem minutter før du måler.', nn: 'Sit i ro i fem minutt før du måler.', en: 'Sit still for five minutes before measuring.' },
  weight: { nb: 'Vei deg om morgenen, etter toalettbesøk og før frokost.', nn: 'Veg deg om morgonen, etter toalettbesøk og før frukost.', en: 'Weigh yourself in the morning, after the toilet and before breakfast.' },
  temperature: { nb: 'Mål i øret eller under tungen.', nn: 'Mål i øyra eller under tunga.', en: 'Measure in the ear or under the tongue.' },
  glucose: { nb: 'Sukkeret i blodet, målt med stikk i fingeren.', nn: 'Sukkeret i blodet, målt med stikk i fingeren.', en: 'The sugar in your blood, measured with a finger prick.' },
  cat: { nb: 'Åtte spørsmål om hvordan kolsen påvirker hverdagen din.', nn: 'Åtte spørsmål om korleis kolsen påverkar kvardagen din.', en: 'Eight questions about how COPD affects your daily life.' },
  phq9: { nb: 'Ni spørsmål om humøret ditt de siste to ukene.', nn: 'Ni spørsmål om humøret ditt dei siste to vekene.', en: 'Nine questions about your mood over the last two weeks.' },
  gad7: { nb: 'Sju spørsmål om uro og bekymring de siste to ukene.', nn: 'Sju spørsmål om uro og bekymring dei siste to vekene.', en: 'Seven questions about worry over the last two weeks.' },
};

/** Blood pressure is a panel; patients type its two components as separate numbers. */
export const BP_PANEL = 'bp';
export const BP_COMPONENTS: readonly string[] = ['bp_systolic', 'bp_diastolic'];

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

/** The unit (UCUM) a plan's limits are written in: the server catalogue's canonical unit per code. */
export const CANONICAL_UNIT: Readonly<Record<string, string>> = {
  spo2: '%', heart_rate: '/min', resp_rate: '/min', bp_systolic: 'mm[Hg]', bp_diastolic: 'mm[Hg]', weight: 'kg', temperature: 'Cel', glucose: 'mmol/L',
  phq9: '{score}', gad7: '{score}', cat: '{score}', symptoms: '{score}',
};
