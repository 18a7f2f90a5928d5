import type { MeasureCode } from './catalogue.js';
import type { CombinedRule, ItemRule, MeasurePlan, PlanDefinition, QuestionnairePlan, Remeasure, Schedule, Thresholds, TrendRule, ZoneActions } from './plan.js';
import type { LocalText } from './text.js';

/*
 * Starting points for a GP writing a self-management plan. Every limit is a
 * population default with its source; the GP is expected to individualise them
 * (e.g. a COPD patient's habitual SpO2, a heart-failure patient's dry weight).
 */

export type TemplateCode = 'copd' | 'heart_failure' | 'diabetes' | 'mental_health' | 'cancer';
export const TEMPLATE_CODES: readonly TemplateCode[] = ['copd', 'heart_failure', 'diabetes', 'mental_health', 'cancer'];

export interface Diagnosis {
  system: 'ICPC-2' | 'ICD-10';
  code: string;
  display: string;
}

export interface Template {
  code: TemplateCode;
  title: LocalText;
  diagnoses: Diagnosis[];
  definition: PlanDefinition;
  source: string;
}

// ---------------------------------------------------------------- schedules

const MORNING: Schedule = { kind: 'daily', dueBy: '10:00', graceMinutes: 120 };
// Fasting glucose is taken before breakfast.
const BEFORE_BREAKFAST: Schedule = { kind: 'daily', dueBy: '09:00', graceMinutes: 120 };
// Weekly questionnaires: Monday, with a day's grace because they take longer to fill in.
const WEEKLY_MONDAY: Schedule = { kind: 'weekly', weekdays: [1], dueBy: '12:00', graceMinutes: 24 * 60 };

// ---------------------------------------------------------------- texts

const act = (green: LocalText, yellow: LocalText, red: LocalText): ZoneActions => ({ green, yellow, red });

const GREEN: LocalText = {
  nb: 'Målingen er innenfor målet ditt. Fortsett som vanlig.',
  nn: 'Målinga er innanfor målet ditt. Hald fram som vanleg.',
  en: 'Your measurement is within your target. Carry on as usual.',
};
const GREEN_ANSWERS: LocalText = {
  nb: 'Takk for svarene. Fortsett som vanlig.',
  nn: 'Takk for svara. Hald fram som vanleg.',
  en: 'Thank you for your answers. Carry on as usual.',
};
const YELLOW: LocalText = {
  nb: 'Målingen er utenfor det som er vanlig for deg. Hvil litt og mål på nytt om 30 minutter. Sykepleieren ser på målingen og tar kontakt ved behov.',
  nn: 'Målinga er utanfor det som er vanleg for deg. Kvil litt og mål på nytt om 30 minutt. Sjukepleiaren ser på målinga og tek kontakt ved behov.',
  en: 'This measurement is outside what is usual for you. Rest a little and measure again in 30 minutes. The nurse will look at it and contact you if needed.',
};
const RED: LocalText = {
  nb: 'Målingen er i rødt område. Ring fastlegen eller legevakten på 116 117 nå. Er det livstruende, ring 113.',
  nn: 'Målinga er i raudt område. Ring fastlegen eller legevakta på 116 117 no. Er det livstrugande, ring 113.',
  en: 'This measurement is in the red zone. Call your GP or the out-of-hours service (legevakt) on 116 117 now. If it is life-threatening, call 113.',
};
const VITAL_ACTIONS = act(GREEN, YELLOW, RED);

const COPD_SPO2_ACTIONS = act(
  GREEN,
  {
    nb: 'Oksygenmetningen er lavere enn målet ditt. Hvil 10 minutter og mål på nytt. Start egenbehandlingen i planen din hvis du har fått den. Sykepleieren ser på målingen når tjenesten er åpen.',
    nn: 'Oksygenmetninga er lågare enn målet ditt. Kvil 10 minutt og mål på nytt. Start eigenbehandlinga i planen din om du har fått ho. Sjukepleiaren ser på målinga når tenesta er open.',
    en: 'Your oxygen level is below your target. Rest for 10 minutes and measure again. Start the self-treatment in your plan if you have been given it. The nurse will look at it when the service is open.',
  },
  {
    nb: 'Oksygenmetningen er svært lav. Ring fastlegen eller legevakten på 116 117 nå. Er du svært tung i pusten, blå på leppene eller forvirret: ring 113.',
    nn: 'Oksygenmetninga er svært låg. Ring fastlegen eller legevakta på 116 117 no. Er du svært tung i pusten, blå på leppene eller forvirra: ring 113.',
    en: 'Your oxygen level is very low. Call your GP or the out-of-hours service (legevakt) on 116 117 now. If you are very short of breath, have blue lips or are confused: call 113.',
  },
);

const SYMPTOM_ACTIONS = act(
  GREEN_ANSWERS,
  {
    nb: 'Du har mer plager enn vanlig. Følg egenbehandlingsplanen din. Sykepleieren ser på svarene når tjenesten er åpen, og tar kontakt ved behov.',
    nn: 'Du har meir plager enn vanleg. Følg eigenbehandlingsplanen din. Sjukepleiaren ser på svara når tenesta er open, og tek kontakt ved behov.',
    en: 'You have more symptoms than usual. Follow your self-management plan. The nurse will look at your answers when the service is open and contact you if needed.',
  },
  {
    nb: 'Du har mye mer plager enn vanlig. Ring fastlegen eller legevakten på 116 117 nå. Er det livstruende, ring 113.',
    nn: 'Du har mykje meir plager enn vanleg. Ring fastlegen eller legevakta på 116 117 no. Er det livstrugande, ring 113.',
    en: 'You have much worse symptoms than usual. Call your GP or the out-of-hours service (legevakt) on 116 117 now. If it is life-threatening, call 113.',
  },
);

const CAT_ACTIONS = act(
  GREEN_ANSWERS,
  {
    nb: 'Lungesykdommen påvirker hverdagen din mye nå. Sykepleieren tar kontakt for å gå gjennom planen din sammen med deg.',
    nn: 'Lungesjukdommen påverkar kvardagen din mykje no. Sjukepleiaren tek kontakt for å gå gjennom planen din saman med deg.',
    en: 'Your lung disease is affecting your daily life a lot right now. The nurse will contact you to go through your plan with you.',
  },
  {
    nb: 'Lungesykdommen påvirker hverdagen din svært mye. Bestill time hos fastlegen i løpet av de nærmeste dagene. Blir du raskt verre, ring legevakten på 116 117.',
    nn: 'Lungesjukdommen påverkar kvardagen din svært mykje. Bestill time hos fastlegen i løpet av dei næraste dagane. Blir du raskt verre, ring legevakta på 116 117.',
    en: 'Your lung disease is affecting your daily life very much. Book an appointment with your GP within the next few days. If you get worse quickly, call the out-of-hours service (legevakt) on 116 117.',
  },
);

const WEIGHT_RISE_ACTION: LocalText = {
  nb: 'Vekten har økt med mer enn 2 kg på 3 dager. Det kan være væske som samler seg i kroppen. Ta vanndrivende slik planen din sier. Sykepleieren ser på målingen når tjenesten er åpen.',
  nn: 'Vekta har auka med meir enn 2 kg på 3 dagar. Det kan vere væske som samlar seg i kroppen. Ta vassdrivande slik planen din seier. Sjukepleiaren ser på målinga når tenesta er open.',
  en: 'Your weight has gone up by more than 2 kg in 3 days. This may be fluid building up in your body. Take your water tablets as your plan says. The nurse will look at it when the service is open.',
};

const WEIGHT_ACTIONS = act(
  { nb: 'Takk. Vei deg igjen i morgen tidlig, etter toalettbesøk og før frokost.', nn: 'Takk. Veg deg igjen i morgon tidleg, etter toalettbesøk og før frukost.', en: 'Thank you. Weigh yourself again tomorrow morning, after using the toilet and before breakfast.' },
  WEIGHT_RISE_ACTION,
  RED,
);

const GLUCOSE_ACTIONS = act(
  GREEN,
  {
    nb: 'Blodsukkeret er utenfor målet ditt. Er det under 3,9: spis eller drikk noe søtt nå (for eksempel 2 dl juice eller 4 druesukkertabletter) og mål igjen etter 15 minutter. Er det høyt: drikk vann, ta insulin slik planen din sier, og mål igjen om 2 timer; mål ketoner hvis du har utstyr til det.',
    nn: 'Blodsukkeret er utanfor målet ditt. Er det under 3,9: et eller drikk noko søtt no (til dømes 2 dl juice eller 4 druesukkertablettar) og mål igjen etter 15 minutt. Er det høgt: drikk vatn, ta insulin slik planen din seier, og mål igjen om 2 timar; mål ketonar om du har utstyr til det.',
    en: 'Your blood sugar is outside your target. If it is below 3.9: eat or drink something sugary now (for example 200 ml of juice or 4 glucose tablets) and measure again after 15 minutes. If it is high: drink water, take insulin as your plan says, and measure again in 2 hours; check ketones if you have the equipment.',
  },
  {
    nb: 'Blodsukkeret er i rødt område. Er det under 3,0 eller viser måleren LO: spis eller drikk noe søtt nå (for eksempel 2 dl juice eller 4 druesukkertabletter), mål igjen etter 15 minutter, og ring fastlegen eller legevakten på 116 117. Er det over 20 eller viser måleren HI: ring fastlegen eller legevakten på 116 117 nå. Blir du forvirret eller svært dårlig, ring 113.',
    nn: 'Blodsukkeret er i raudt område. Er det under 3,0 eller viser måleren LO: et eller drikk noko søtt no (til dømes 2 dl juice eller 4 druesukkertablettar), mål igjen etter 15 minutt, og ring fastlegen eller legevakta på 116 117. Er det over 20 eller viser måleren HI: ring fastlegen eller legevakta på 116 117 no. Blir du forvirra eller svært dårleg, ring 113.',
    en: 'Your blood sugar is in the red zone. If it is below 3.0 or the meter shows LO: eat or drink something sugary now (for example 200 ml of juice or 4 glucose tablets), measure again after 15 minutes, and call your GP or the out-of-hours service (legevakt) on 116 117. If it is above 20 or the meter shows HI: call your GP or the out-of-hours service (legevakt) on 116 117 now. If you become confused or very unwell, call 113.',
  },
);

const PHQ9_ACTIONS = act(
  GREEN_ANSWERS,
  {
    nb: 'Svarene dine tyder på at du har det tyngre nå. Sykepleieren tar kontakt for en samtale.',
    nn: 'Svara dine tyder på at du har det tyngre no. Sjukepleiaren tek kontakt for ein samtale.',
    en: 'Your answers suggest you are having a harder time now. The nurse will contact you for a talk.',
  },
  {
    nb: 'Svarene dine tyder på at du har det svært tungt. Kontakt fastlegen i dag. Trenger du hjelp nå, ring legevakten på 116 117, eller 113 hvis livet er i fare.',
    nn: 'Svara dine tyder på at du har det svært tungt. Kontakt fastlegen i dag. Treng du hjelp no, ring legevakta på 116 117, eller 113 om livet er i fare.',
    en: 'Your answers suggest you are having a very hard time. Contact your GP today. If you need help now, call the out-of-hours service (legevakt) on 116 117, or 113 if a life is in danger.',
  },
);

const GAD7_ACTIONS = act(
  GREEN_ANSWERS,
  {
    nb: 'Svarene dine tyder på at du er mye plaget av uro og bekymring. Sykepleieren tar kontakt for en samtale.',
    nn: 'Svara dine tyder på at du er mykje plaga av uro og bekymring. Sjukepleiaren tek kontakt for ein samtale.',
    en: 'Your answers suggest you are troubled a lot by anxiety and worry. The nurse will contact you for a talk.',
  },
  {
    nb: 'Svarene dine tyder på at du er svært plaget av angst. Kontakt fastlegen i løpet av de nærmeste dagene. Trenger du hjelp nå, ring legevakten på 116 117.',
    nn: 'Svara dine tyder på at du er svært plaga av angst. Kontakt fastlegen i løpet av dei næraste dagane. Treng du hjelp no, ring legevakta på 116 117.',
    en: 'Your answers suggest you are very troubled by anxiety. Contact your GP within the next few days. If you need help now, call the out-of-hours service (legevakt) on 116 117.',
  },
);

const CANCER_TEMPERATURE_ACTIONS = act(
  GREEN,
  {
    nb: 'Temperaturen er litt høy eller lav. Mål igjen om 1 time. Er den 38,0 eller høyere, ring kreftavdelingen eller legevakten på 116 117 med en gang.',
    nn: 'Temperaturen er litt høg eller låg. Mål igjen om 1 time. Er han 38,0 eller høgare, ring kreftavdelinga eller legevakta på 116 117 med ein gong.',
    en: 'Your temperature is slightly high or low. Measure again in 1 hour. If it is 38.0 or higher, call the cancer ward or the out-of-hours service (legevakt) on 116 117 at once.',
  },
  {
    nb: 'Du har feber eller svært lav temperatur. Under kreftbehandling kan det være tegn på alvorlig infeksjon. Ring kreftavdelingen eller legevakten på 116 117 nå – ikke vent til i morgen. Ikke ta febernedsettende før du har snakket med dem. Er du svært dårlig, ring 113.',
    nn: 'Du har feber eller svært låg temperatur. Under kreftbehandling kan det vere teikn på alvorleg infeksjon. Ring kreftavdelinga eller legevakta på 116 117 no – ikkje vent til i morgon. Ikkje ta febernedsetjande før du har snakka med dei. Er du svært dårleg, ring 113.',
    en: 'You have a fever or a very low temperature. During cancer treatment this can be a sign of a serious infection. Call the cancer ward or the out-of-hours service (legevakt) on 116 117 now – do not wait until tomorrow. Do not take fever-reducing medicine before you have spoken to them. If you are very unwell, call 113.',
  },
);

// ---------------------------------------------------------------- limits

/*
 * Vital limits aligned with the NEWS2 bands (Royal College of Physicians 2017,
 * "National Early Warning Score (NEWS) 2", chart 1): a value scoring 3 points is red,
 * a value scoring 1–2 points yellow, so a single measurement and the aggregate
 * score tell the same story. Limits are strict (see ThresholdsSchema).
 */
// Pulse: ≤40 scores 3 → red below 41; 41–50 scores 1 → yellow below 51; 111–130 scores 2 → yellow above 110; ≥131 scores 3 → red above 130.
const PULSE: Thresholds = { redBelow: 41, yellowBelow: 51, yellowAbove: 110, redAbove: 130 };
// Respiration rate: ≤8 → 3, 9–11 → 1, 21–24 → 2, ≥25 → 3 (RCP 2017).
const RESP_RATE: Thresholds = { redBelow: 9, yellowBelow: 12, yellowAbove: 20, redAbove: 24 };
// SpO2 scale 1 (RCP 2017): ≤91 → 3 (red below 92), 92–93 → 2 (yellow below 94).
const SPO2_SCALE1: Thresholds = { redBelow: 92, yellowBelow: 94 };
// COPD with hypercapnic risk: target 88–92 % (BTS 2017 emergency oxygen guideline, O'Driscoll et al., Thorax 72 suppl 1;
// NEWS2 scale 2). Below 88 is under target (yellow); NEWS2 scale 2 gives 2–3 points at ≤85, so red below 86.
// No upper limit: on room air a value above 92 % is not harmful (scale 2 scores it 0 on air).
const SPO2_COPD: Thresholds = { redBelow: 86, yellowBelow: 88 };
// Temperature (RCP 2017): ≤35.0 → 3 (red below 35.1); 38.1–39.0 → 1 (yellow above 38.0); ≥39.1 → 2, treated as red above 39.0
// for frail patients at home where nobody sees the rest of the picture.
const TEMPERATURE: Thresholds = { redBelow: 35.1, yellowAbove: 38.0, redAbove: 39.0 };
// Neutropenic fever: a single temperature ≥38.0 °C during chemotherapy needs same-day assessment
// (ESMO 2016 febrile neutropenia guideline, Klastersky et al., Ann Oncol 27 suppl 5; NICE CG151: >38 °C).
// Values are compared exactly as measured: anything above 37.9 (so 38.0, and a device's 37.95) is red — the
// limits are strict, and erring towards fever is the safe side. 37.5–37.9 is subfebrile (yellow: re-measure);
// ≤36.0 scores NEWS2 1 point and may be a sepsis sign under chemotherapy (yellow), ≤35.0 red as above.
const TEMPERATURE_NEUTROPENIC: Thresholds = { redBelow: 35.1, yellowBelow: 36.1, yellowAbove: 37.4, redAbove: 37.9 };
// Systolic BP: ≤90 → 3 and 91–100 → 2 (RCP 2017) → red below 91, yellow below 101; ≥220 → 3 → red above 219.
// Yellow above 179: grade 3 hypertension (ESC/ESH 2018 hypertension guideline, Williams et al., Eur Heart J 39:3021).
const SYSTOLIC: Thresholds = { redBelow: 91, yellowBelow: 101, yellowAbove: 179, redAbove: 219 };
// Diastolic BP: ≥110 is grade 3 hypertension; ≥120 with symptoms may be a hypertensive emergency (ESC/ESH 2018).
const DIASTOLIC: Thresholds = { yellowAbove: 109, redAbove: 119 };
// Glucose: ADA Standards of Care 2024 §6 (and the International Hypoglycaemia Study Group 2017): level 1
// hypoglycaemia < 3.9 mmol/L (70 mg/dL) → yellow (treat and re-measure); level 2 < 3.0 mmol/L (54 mg/dL),
// clinically significant → red. (Norwegian practice teaches "4 er gulvet"; the plan can raise the yellow limit to 4.0.)
// Above 13.9 mmol/L (250 mg/dL, the glucose criterion for DKA in the ADA consensus, Kitabchi 2009; ADA patient
// guidance says check ketones above 240 mg/dL) the patient should check ketones (yellow). Above 20 mmol/L is a Varde default
// for "contact a doctor now", well below the hyperosmolar range (>33.3 mmol/L, ADA consensus, Kitabchi 2009);
// individualise per patient.
const GLUCOSE: Thresholds = { redBelow: 3.0, yellowBelow: 3.9, yellowAbove: 13.9, redAbove: 20 };
// PHQ-9 (Kroenke 2001): ≥10 moderate depression (yellow), ≥20 severe (red).
const PHQ9: Thresholds = { yellowAbove: 9, redAbove: 19 };
// GAD-7 (Spitzer 2006): ≥10 moderate anxiety (yellow), ≥15 severe (red).
const GAD7: Thresholds = { yellowAbove: 9, redAbove: 14 };
// CAT (Jones 2009; CAT user guide; GOLD 2024): 21–30 high impact (yellow), >30 very high impact (red).
const CAT: Thresholds = { yellowAbove: 20, redAbove: 30 };
// Daily symptom form (0–13, not a validated instrument). The total alone cannot say "two symptoms worse"
// (breathless at rest alone scores 3; two symptoms a little worse score 2), so what the form means is said by
// its answer rules below; the total adds a broad signal: 4+ clearly more symptoms than usual (e.g. two symptoms
// much worse), 8+ most symptoms much worse.
const SYMPTOMS: Thresholds = { yellowAbove: 3, redAbove: 7 };

// Answer rules on the daily symptom form (item ids in questionnaires.ts).
const COUNT_WORSE_RESPIRATORY: ItemRule = {
  // Anthonisen 1987 (Ann Intern Med 106:196): two of the three cardinal symptoms (more breathless, more sputum
  // or cough, purulent sputum) = exacerbation; GOLD 2024 action plans act on it.
  kind: 'count', id: 'two-cardinal-symptoms', items: ['sym-breath', 'sym-cough', 'sym-sputum'], atLeast: 1, count: 2, zone: 'yellow',
};
const BREATHLESS_AT_REST: ItemRule = {
  // Breathless at rest ("even when sitting still") is a red-flag symptom in COPD (GOLD 2024, severe exacerbation)
  // and in heart failure (ESC 2021, acute heart failure).
  kind: 'answer', id: 'breathless-at-rest', item: 'sym-breath', atLeast: 3, zone: 'red',
};
const PURULENT_SPUTUM: ItemRule = {
  // Green or brown sputum (Anthonisen's sputum purulence; GOLD 2024: consider antibiotics) → call from the nurse.
  kind: 'answer', id: 'purulent-sputum', item: 'sym-sputum', atLeast: 2, zone: 'yellow',
};
const ORTHOPNOEA: ItemRule = {
  // ESC 2021 heart failure self-care: needing more pillows or waking breathless (orthopnoea, PND) is congestion.
  kind: 'answer', id: 'orthopnoea', item: 'sym-sleep', atLeast: 1, zone: 'yellow',
};
const CANNOT_LIE_FLAT: ItemRule = {
  // Unable to lie flat and having to sit up: decompensated heart failure, same-day medical review (ESC 2021).
  kind: 'answer', id: 'cannot-lie-flat', item: 'sym-sleep', atLeast: 2, zone: 'red',
};
const OEDEMA: ItemRule = {
  // ESC 2021 self-care: increasing ankle or leg swelling is a congestion sign to report.
  kind: 'answer', id: 'oedema', item: 'sym-legs', atLeast: 2, zone: 'yellow',
};

// Re-measure before a yellow: SpO2 after 10 minutes' rest (a single low reading is often cold fingers or
// movement; BTS 2017 recommends confirming a low reading), blood pressure after 5 minutes seated (ESC/ESH 2018:
// home BP after 5 minutes' rest, two readings). A red is never held.
const REMEASURE_SPO2: Remeasure = { restMinutes: 10, withinMinutes: 40 };
const REMEASURE_BP: Remeasure = { restMinutes: 5, withinMinutes: 30 };

// COPD: a fall in SpO2 of ≥ 3 percentage points from the patient's own stable value signals an exacerbation
// (BTS 2017 emergency oxygen guideline, O'Driscoll et al.; home-monitoring studies use the same 3-point fall).
// The template compares with the patient's usual level, the median of the last 7 local days (not the best
// reading: day-to-day SpO2 varies by 1–2 points in stable COPD, and a fall from one lucky 98 % is noise);
// the GP records the patient's own baseline in the plan (`baseline`) when it is known.
const SPO2_FALL: TrendRule = { id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, inclusive: true, windowDays: 7, reference: 'median', zone: 'yellow' };
// CAT: a rise of ≥ 2 points is the minimal clinically important difference (Kon et al., Lancet Respir Med 2014;2:195);
// weekly CAT compared with the lowest of the last four weeks.
const CAT_RISE: TrendRule = { id: 'cat-rise', code: 'cat', kind: 'rise', amount: 2, inclusive: true, windowDays: 28, zone: 'yellow' };

// UK Oncology Nursing Society (UKONS) 24-hour triage tool 2016: two or more amber (yellow) findings at one
// assessment = red; an amber still there when reassessed (here: the next day) = red.
const UKONS_TWO_AMBER: CombinedRule = { kind: 'sitting', id: 'ukons-two-amber', minYellow: 2, zone: 'red' };
const UKONS_AMBER_AGAIN: CombinedRule = { kind: 'consecutive_days', id: 'ukons-temperature-again', days: 2, codes: ['temperature'], zone: 'red' };

// ESC 2021 heart failure guideline (McDonagh et al., Eur Heart J 42:3599), self-care: patients should weigh daily
// and act on a weight gain of more than 2 kg in 3 days.
const WEIGHT_RISE: TrendRule = {
  id: 'weight-rise',
  code: 'weight',
  kind: 'rise',
  amount: 2,
  windowDays: 3,
  zone: 'yellow',
  actions: WEIGHT_RISE_ACTION,
};

const measure = (code: MeasureCode, schedule: Schedule, thresholds: Thresholds, actions: ZoneActions = VITAL_ACTIONS, remeasure?: Remeasure): MeasurePlan =>
  remeasure === undefined ? { code, schedule, thresholds, actions } : { code, schedule, thresholds, actions, remeasure };
const questionnaire = (code: QuestionnairePlan['code'], schedule: Schedule, thresholds: Thresholds, actions: ZoneActions, itemRules?: ItemRule[]): QuestionnairePlan =>
  itemRules === undefined ? { code, schedule, thresholds, actions } : { code, schedule, thresholds, actions, itemRules };

// ---------------------------------------------------------------- templates

export const TEMPLATES: Record<TemplateCode, Template> = {
  copd: {
    code: 'copd',
    title: { nb: 'Kols', nn: 'Kols', en: 'COPD' },
    diagnoses: [
      { system: 'ICPC-2', code: 'R95', display: 'Kronisk obstruktiv lungesykdom' },
      { system: 'ICD-10', code: 'J44', display: 'Annen kronisk obstruktiv lungesykdom' },
    ],
    definition: {
      measures: [
        measure('spo2', MORNING, SPO2_COPD, COPD_SPO2_ACTIONS, REMEASURE_SPO2),
        measure('heart_rate', MORNING, PULSE),
        measure('resp_rate', MORNING, RESP_RATE),
        measure('temperature', { kind: 'as_needed' }, TEMPERATURE),
      ],
      questionnaires: [
        questionnaire('cat', WEEKLY_MONDAY, CAT, CAT_ACTIONS),
        questionnaire('symptoms', MORNING, SYMPTOMS, SYMPTOM_ACTIONS, [BREATHLESS_AT_REST, COUNT_WORSE_RESPIRATORY, PURULENT_SPUTUM]),
      ],
      trendRules: [SPO2_FALL, CAT_RISE],
      // The template's 88–92 % target is the BTS 2017 target for patients with hypercapnic respiratory failure;
      // scale 2 goes with it (RCP 2017). The GP approving the plan confirms it, or switches to scale 1 and 92/94 % limits.
      news2: { enabled: true, scale: 2, hypercapnicFailureConfirmed: true },
      medicines: '',
      contacts: '',
    },
    source:
      'GOLD 2024 report; Helsedirektoratet, Nasjonal faglig retningslinje for diagnostisering og behandling av kols; BTS 2017 emergency oxygen guideline (target 88–92 %, a fall of ≥ 3 points from baseline); RCP 2017 NEWS2 (SpO2 scale 2, for confirmed hypercapnic respiratory failure); Jones 2009 (CAT); Kon 2014 (CAT MCID 2 points); Anthonisen 1987 (cardinal symptoms).',
  },
  heart_failure: {
    code: 'heart_failure',
    title: { nb: 'Hjertesvikt', nn: 'Hjartesvikt', en: 'Heart failure' },
    diagnoses: [
      { system: 'ICPC-2', code: 'K77', display: 'Hjertesvikt' },
      { system: 'ICD-10', code: 'I50', display: 'Hjertesvikt' },
    ],
    definition: {
      measures: [
        // No absolute weight limits: only the patient's own dry weight makes sense; the trend rule does the work.
        measure('weight', MORNING, {}, WEIGHT_ACTIONS),
        measure('bp_systolic', MORNING, SYSTOLIC, VITAL_ACTIONS, REMEASURE_BP),
        measure('bp_diastolic', MORNING, DIASTOLIC, VITAL_ACTIONS, REMEASURE_BP),
        measure('heart_rate', MORNING, PULSE),
        measure('spo2', MORNING, SPO2_SCALE1),
      ],
      questionnaires: [questionnaire('symptoms', MORNING, SYMPTOMS, SYMPTOM_ACTIONS, [BREATHLESS_AT_REST, CANNOT_LIE_FLAT, ORTHOPNOEA, OEDEMA])],
      trendRules: [WEIGHT_RISE],
      news2: { enabled: true, scale: 1 },
      medicines: '',
      contacts: '',
    },
    source:
      'ESC 2021 heart failure guideline (McDonagh et al.): daily weight, act on >2 kg gain in 3 days; orthopnoea, breathlessness and ankle swelling as congestion signs; ESC/ESH 2018 hypertension guideline (home BP after 5 minutes\' rest); RCP 2017 NEWS2.',
  },
  diabetes: {
    code: 'diabetes',
    title: { nb: 'Diabetes', nn: 'Diabetes', en: 'Diabetes' },
    diagnoses: [
      { system: 'ICPC-2', code: 'T89', display: 'Diabetes type 1' },
      { system: 'ICPC-2', code: 'T90', display: 'Diabetes type 2' },
      { system: 'ICD-10', code: 'E10', display: 'Diabetes mellitus type 1' },
      { system: 'ICD-10', code: 'E11', display: 'Diabetes mellitus type 2' },
    ],
    definition: {
      measures: [measure('glucose', BEFORE_BREAKFAST, GLUCOSE, GLUCOSE_ACTIONS)],
      questionnaires: [],
      trendRules: [],
      news2: { enabled: false, scale: 1 },
      medicines: '',
      contacts: '',
    },
    source:
      'Helsedirektoratet, Nasjonal faglig retningslinje for diabetes; ADA Standards of Care in Diabetes 2024, section 6 (hypoglycaemia level 1 < 3.9 mmol/L, level 2 < 3.0 mmol/L); Kitabchi 2009 (hyperglycaemic crises). Meter HI/LO is always red.',
  },
  mental_health: {
    code: 'mental_health',
    title: { nb: 'Psykisk helse – depresjon og angst', nn: 'Psykisk helse – depresjon og angst', en: 'Mental health – depression and anxiety' },
    diagnoses: [
      { system: 'ICPC-2', code: 'P76', display: 'Depresjon' },
      { system: 'ICPC-2', code: 'P74', display: 'Angstlidelse' },
      { system: 'ICD-10', code: 'F32', display: 'Depressiv episode' },
      { system: 'ICD-10', code: 'F41', display: 'Andre angstlidelser' },
    ],
    definition: {
      measures: [],
      questionnaires: [questionnaire('phq9', WEEKLY_MONDAY, PHQ9, PHQ9_ACTIONS), questionnaire('gad7', WEEKLY_MONDAY, GAD7, GAD7_ACTIONS)],
      trendRules: [],
      news2: { enabled: false, scale: 1 },
      medicines: '',
      contacts: '',
    },
    source: 'Kroenke 2001 (PHQ-9 severity bands); Spitzer 2006 (GAD-7 severity bands). PHQ-9 item 9 > 0 always triggers a red finding.',
  },
  cancer: {
    code: 'cancer',
    title: { nb: 'Kreft – under behandling', nn: 'Kreft – under behandling', en: 'Cancer – during treatment' },
    diagnoses: [
      { system: 'ICPC-2', code: 'A79', display: 'Kreft IKA' },
      { system: 'ICD-10', code: 'Z51.1', display: 'Kjemoterapi mot svulst' },
    ],
    definition: {
      measures: [
        measure('temperature', MORNING, TEMPERATURE_NEUTROPENIC, CANCER_TEMPERATURE_ACTIONS),
        measure('heart_rate', MORNING, PULSE),
        measure('spo2', MORNING, SPO2_SCALE1),
      ],
      questionnaires: [questionnaire('symptoms', MORNING, SYMPTOMS, SYMPTOM_ACTIONS, [BREATHLESS_AT_REST])],
      trendRules: [],
      combinedRules: [UKONS_TWO_AMBER, UKONS_AMBER_AGAIN],
      news2: { enabled: true, scale: 1 },
      medicines: '',
      contacts: '',
    },
    source:
      'ESMO 2016 febrile neutropenia guideline (Klastersky et al.); NICE CG151 neutropenic sepsis (temperature ≥ 38.0 °C after chemotherapy = red); UKONS 2016 24-hour triage tool (two or more amber = red); RCP 2017 NEWS2.',
  },
};

// ---------------------------------------------------------------- merging

/** The more demanding of two schedules: daily beats weekly beats as-needed; earliest due time, shortest grace. */
export function mergeSchedules(a: Schedule, b: Schedule): Schedule {
  if (a.kind === 'as_needed') return b;
  if (b.kind === 'as_needed') return a;
  const dueBy = a.dueBy < b.dueBy ? a.dueBy : b.dueBy;
  const graceMinutes = Math.min(a.graceMinutes, b.graceMinutes);
  if (a.kind === 'daily' || b.kind === 'daily') return { kind: 'daily', dueBy, graceMinutes };
  const weekdays = [...new Set([...a.weekdays, ...b.weekdays])].sort((x, y) => x - y);
  return { kind: 'weekly', weekdays, dueBy, graceMinutes };
}

const minDefined = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);
const maxDefined = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/**
 * The stricter of two sets of limits: the highest lower limits and the lowest upper
 * limits, so a value alerting under either plan still alerts. Repairs what that can
 * break: a yellow limit swallowed by the other plan's red one is dropped (it adds
 * nothing); if the lower and upper yellow bands then overlap (the plans disagree
 * about what normal is) both yellow limits are dropped, because alerting on every
 * value would teach the nurse to ignore the patient; if even the red limits
 * contradict each other, `a` (the first template) is kept as it is.
 */
export function stricterThresholds(a: Thresholds, b: Thresholds): Thresholds {
  const redBelow = maxDefined(a.redBelow, b.redBelow);
  const redAbove = minDefined(a.redAbove, b.redAbove);
  let yellowBelow = maxDefined(a.yellowBelow, b.yellowBelow);
  let yellowAbove = minDefined(a.yellowAbove, b.yellowAbove);
  if (redBelow !== undefined && redAbove !== undefined && redBelow >= redAbove) return a;
  if (yellowBelow !== undefined && redBelow !== undefined && yellowBelow <= redBelow) yellowBelow = undefined;
  if (yellowAbove !== undefined && redAbove !== undefined && yellowAbove >= redAbove) yellowAbove = undefined;
  const lower = yellowBelow ?? redBelow;
  const upper = yellowAbove ?? redAbove;
  if (lower !== undefined && upper !== undefined && lower >= upper) {
    yellowBelow = undefined;
    yellowAbove = undefined;
  }
  const out: Thresholds = {};
  if (redBelow !== undefined) out.redBelow = redBelow;
  if (yellowBelow !== undefined) out.yellowBelow = yellowBelow;
  if (yellowAbove !== undefined) out.yellowAbove = yellowAbove;
  if (redAbove !== undefined) out.redAbove = redAbove;
  return out;
}

/** Union by id, first one wins: nothing either template states is dropped. */
function unionById<R extends { id: string }>(a: readonly R[] | undefined, b: readonly R[] | undefined): R[] | undefined {
  if (a === undefined && b === undefined) return undefined;
  const out = [...(a ?? [])];
  for (const r of b ?? []) if (!out.some((x) => x.id === r.id)) out.push(r);
  return out;
}

/**
 * What two entries for the same code add up to: answer rules united (nothing either template states is
 * dropped); a re-measurement hold only when both templates ask for one (holding a yellow delays it, so
 * the template that wants it at once wins).
 */
function mergeExtras<E extends MeasurePlan | QuestionnairePlan>(merged: E, a: E, b: E, aWins = false): E {
  const out: Record<string, unknown> = { ...merged };
  delete out['itemRules'];
  delete out['remeasure'];
  if ('itemRules' in a || 'itemRules' in b) {
    const rules = unionById((a as QuestionnairePlan).itemRules, (b as QuestionnairePlan).itemRules);
    if (rules !== undefined) out['itemRules'] = rules;
  }
  const ra = (a as MeasurePlan).remeasure;
  const rb = (b as MeasurePlan).remeasure;
  if (aWins && ra !== undefined) out['remeasure'] = ra;
  else if (ra !== undefined && rb !== undefined) out['remeasure'] = ra.withinMinutes <= rb.withinMinutes ? ra : rb;
  return out as E;
}

/** Merges entries with the same code; an entry marked `wins` replaces limits and texts outright. */
function mergeEntries<E extends MeasurePlan | QuestionnairePlan>(entries: { entry: E; wins: boolean }[]): E[] {
  const byCode = new Map<string, { entry: E; wins: boolean }>();
  for (const { entry, wins } of entries) {
    const prev = byCode.get(entry.code);
    if (prev === undefined) {
      byCode.set(entry.code, { entry, wins });
      continue;
    }
    const schedule = mergeSchedules(prev.entry.schedule, entry.schedule);
    if (prev.wins) byCode.set(entry.code, { entry: mergeExtras({ ...prev.entry, schedule }, prev.entry, entry, true), wins: true });
    else if (wins) byCode.set(entry.code, { entry: mergeExtras({ ...entry, schedule }, entry, prev.entry, true), wins: true });
    // Otherwise actions stay with the first template listed: the main diagnosis speaks to the patient.
    else {
      const merged = { ...prev.entry, schedule, thresholds: stricterThresholds(prev.entry.thresholds, entry.thresholds) };
      byCode.set(entry.code, { entry: mergeExtras(merged, prev.entry, entry), wins: false });
    }
  }
  return [...byCode.values()].map((x) => x.entry);
}

/**
 * One plan for a patient with several conditions. Measures and questionnaires are
 * planned once each: the most demanding schedule (daily over weekly, union of
 * weekdays, earliest due time, shortest grace) and the stricter limits. SpO2 is the
 * exception: when a template uses NEWS2 scale 2 (COPD with a 88–92 % target), its
 * SpO2 limits and texts win outright, because the "stricter" 94 % limit of other
 * templates would alarm on a COPD patient's normal values and push for oxygen that
 * can cause CO2 retention (BTS 2017). NEWS2 is on if any template enables it, with
 * scale 2 if any says so. Trend, combined and answer rules are united by id (nothing a template states is dropped); medicines and contacts are
 * concatenated.
 * @param codes templates in order of importance (the first one's texts win on a tie)
 */
export function planFromTemplates(codes: TemplateCode[]): PlanDefinition {
  const templates = [...new Set(codes)].map((c) => TEMPLATES[c].definition);
  const copdLike = (d: PlanDefinition): boolean => d.news2.enabled && d.news2.scale === 2;
  const measures = mergeEntries(templates.flatMap((d) => d.measures.map((entry) => ({ entry, wins: entry.code === 'spo2' && copdLike(d) }))));
  const questionnaires = mergeEntries(templates.flatMap((d) => d.questionnaires.map((entry) => ({ entry, wins: false }))));
  const trendRules = new Map<string, TrendRule>();
  for (const d of templates) for (const r of d.trendRules) if (!trendRules.has(r.id)) trendRules.set(r.id, r);
  const combinedRules = templates.reduce<CombinedRule[] | undefined>((acc, d) => unionById(acc, d.combinedRules), undefined);
  const enabled = templates.some((d) => d.news2.enabled);
  const scale: 1 | 2 = templates.some(copdLike) ? 2 : 1;
  const news2: PlanDefinition['news2'] = { enabled, scale };
  if (scale === 2) news2.hypercapnicFailureConfirmed = true;
  if (templates.some((d) => d.news2.longTermOxygen === true)) news2.longTermOxygen = true;
  const join = (xs: string[]): string => [...new Set(xs.map((x) => x.trim()).filter((x) => x !== ''))].join('\n\n');
  // Cloned so a caller editing the plan can never change the shared templates.
  return structuredClone({
    measures,
    questionnaires,
    trendRules: [...trendRules.values()],
    ...(combinedRules === undefined ? {} : { combinedRules }),
    news2,
    medicines: join(templates.map((d) => d.medicines)),
    contacts: join(templates.map((d) => d.contacts)),
  });
}
