import { type QuestionnaireCode, QUESTIONNAIRE_CODE_LIST } from './plan.js';
import { type Result, ok, err } from './result.js';
import type { LocalText } from './text.js';

export interface QuestionnaireOption {
  value: number;
  text: LocalText;
}

export interface QuestionnaireItem {
  id: string;
  text: LocalText;
  options: QuestionnaireOption[];
}

export interface QuestionnaireDef {
  code: QuestionnaireCode;
  title: LocalText;
  /** Shown above the items (recall period, how to answer). */
  intro: LocalText;
  items: QuestionnaireItem[];
  maxScore: number;
  source: string;
  /** Severity bands on the total, lowest first; `upTo` is inclusive. */
  bands: { upTo: number; severity: LocalText }[];
}

const FREQUENCY_OPTIONS: QuestionnaireOption[] = [
  { value: 0, text: { nb: 'Ikke i det hele tatt', nn: 'Ikkje i det heile', en: 'Not at all' } },
  { value: 1, text: { nb: 'Flere dager', nn: 'Fleire dagar', en: 'Several days' } },
  { value: 2, text: { nb: 'Mer enn halvparten av dagene', nn: 'Meir enn halvparten av dagane', en: 'More than half the days' } },
  { value: 3, text: { nb: 'Nesten hver dag', nn: 'Nesten kvar dag', en: 'Nearly every day' } },
];

const TWO_WEEKS_INTRO: LocalText = {
  nb: 'Hvor ofte har du vært plaget av noe av det følgende i løpet av de siste 2 ukene?',
  nn: 'Kor ofte har du vore plaga av noko av det følgjande dei siste 2 vekene?',
  en: 'Over the last 2 weeks, how often have you been bothered by any of the following problems?',
};

const frequencyItem = (id: string, text: LocalText): QuestionnaireItem => ({ id, text, options: FREQUENCY_OPTIONS });

const PHQ9: QuestionnaireDef = {
  code: 'phq9',
  title: { nb: 'PHQ-9 – spørsmål om depresjon', nn: 'PHQ-9 – spørsmål om depresjon', en: 'PHQ-9 – depression questionnaire' },
  intro: TWO_WEEKS_INTRO,
  items: [
    frequencyItem('phq9-1', { nb: 'Lite interesse for eller glede av å gjøre ting', nn: 'Lite interesse for eller glede av å gjere ting', en: 'Little interest or pleasure in doing things' }),
    frequencyItem('phq9-2', { nb: 'Følt deg nedfor, deprimert eller håpløs', nn: 'Kjent deg nedfor, deprimert eller håplaus', en: 'Feeling down, depressed, or hopeless' }),
    frequencyItem('phq9-3', { nb: 'Vansker med å sovne eller sove hele natten, eller sovet for mye', nn: 'Vanskar med å sovne eller sove heile natta, eller sove for mykje', en: 'Trouble falling or staying asleep, or sleeping too much' }),
    frequencyItem('phq9-4', { nb: 'Følt deg trett eller hatt lite energi', nn: 'Kjent deg trøytt eller hatt lite energi', en: 'Feeling tired or having little energy' }),
    frequencyItem('phq9-5', { nb: 'Dårlig matlyst eller overspising', nn: 'Dårleg matlyst eller overeting', en: 'Poor appetite or overeating' }),
    frequencyItem('phq9-6', {
      nb: 'Dårlig selvfølelse – eller følt at du er mislykket eller har sviktet deg selv eller familien din',
      nn: 'Dårleg sjølvkjensle – eller kjent at du er mislukka eller har svikta deg sjølv eller familien din',
      en: 'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
    }),
    frequencyItem('phq9-7', {
      nb: 'Vansker med å konsentrere deg, for eksempel når du leser avisen eller ser på TV',
      nn: 'Vanskar med å konsentrere deg, til dømes når du les avisa eller ser på TV',
      en: 'Trouble concentrating on things, such as reading the newspaper or watching television',
    }),
    frequencyItem('phq9-8', {
      nb: 'Beveget deg eller snakket så langsomt at andre kunne merke det? Eller det motsatte – vært så urolig eller rastløs at du har beveget deg mye mer enn vanlig',
      nn: 'Rørt deg eller snakka så sakte at andre kunne merke det? Eller det motsette – vore så uroleg eller rastlaus at du har rørt deg mykje meir enn vanleg',
      en: 'Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual',
    }),
    frequencyItem('phq9-9', {
      nb: 'Tanker om at det ville vært bedre om du var død, eller om å skade deg selv på en eller annen måte',
      nn: 'Tankar om at det ville vore betre om du var død, eller om å skade deg sjølv på ein eller annan måte',
      en: 'Thoughts that you would be better off dead, or of hurting yourself in some way',
    }),
  ],
  maxScore: 27,
  source:
    'Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression severity measure. J Gen Intern Med 2001;16:606–13. Developed with an educational grant from Pfizer; no permission required to reproduce.',
  // Kroenke 2001: 5, 10, 15 and 20 mark mild, moderate, moderately severe and severe depression.
  bands: [
    { upTo: 4, severity: { nb: 'Ingen eller minimale depressive symptomer', nn: 'Ingen eller minimale depressive symptom', en: 'None or minimal depression' } },
    { upTo: 9, severity: { nb: 'Milde depressive symptomer', nn: 'Milde depressive symptom', en: 'Mild depression' } },
    { upTo: 14, severity: { nb: 'Moderate depressive symptomer', nn: 'Moderate depressive symptom', en: 'Moderate depression' } },
    { upTo: 19, severity: { nb: 'Moderat alvorlige depressive symptomer', nn: 'Moderat alvorlege depressive symptom', en: 'Moderately severe depression' } },
    { upTo: 27, severity: { nb: 'Alvorlige depressive symptomer', nn: 'Alvorlege depressive symptom', en: 'Severe depression' } },
  ],
};

/** Id of the PHQ-9 self-harm item; any answer above 0 needs same-day assessment regardless of the total. */
export const PHQ9_SELF_HARM_ITEM = 'phq9-9';

const GAD7: QuestionnaireDef = {
  code: 'gad7',
  title: { nb: 'GAD-7 – spørsmål om angst', nn: 'GAD-7 – spørsmål om angst', en: 'GAD-7 – anxiety questionnaire' },
  intro: TWO_WEEKS_INTRO,
  items: [
    frequencyItem('gad7-1', { nb: 'Følt deg nervøs, engstelig eller veldig anspent', nn: 'Kjent deg nervøs, engsteleg eller svært anspent', en: 'Feeling nervous, anxious, or on edge' }),
    frequencyItem('gad7-2', { nb: 'Ikke klart å slutte å bekymre deg eller holde bekymringene under kontroll', nn: 'Ikkje klart å slutte å uroe deg eller halde uroa under kontroll', en: 'Not being able to stop or control worrying' }),
    frequencyItem('gad7-3', { nb: 'Bekymret deg for mye om forskjellige ting', nn: 'Uroa deg for mykje for ulike ting', en: 'Worrying too much about different things' }),
    frequencyItem('gad7-4', { nb: 'Hatt vanskelig for å slappe av', nn: 'Hatt vanskeleg for å slappe av', en: 'Trouble relaxing' }),
    frequencyItem('gad7-5', { nb: 'Vært så rastløs at det har vært vanskelig å sitte stille', nn: 'Vore så rastlaus at det har vore vanskeleg å sitje still', en: 'Being so restless that it is hard to sit still' }),
    frequencyItem('gad7-6', { nb: 'Blitt lett irritert eller sint', nn: 'Vorte lett irritert eller sint', en: 'Becoming easily annoyed or irritable' }),
    frequencyItem('gad7-7', { nb: 'Følt deg redd, som om noe forferdelig kunne skje', nn: 'Kjent deg redd, som om noko forferdeleg kunne skje', en: 'Feeling afraid, as if something awful might happen' }),
  ],
  maxScore: 21,
  source:
    'Spitzer RL, Kroenke K, Williams JB, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092–7. No permission required to reproduce.',
  // Spitzer 2006: 5, 10 and 15 mark mild, moderate and severe anxiety.
  bands: [
    { upTo: 4, severity: { nb: 'Ingen eller minimal angst', nn: 'Ingen eller minimal angst', en: 'None or minimal anxiety' } },
    { upTo: 9, severity: { nb: 'Mild angst', nn: 'Mild angst', en: 'Mild anxiety' } },
    { upTo: 14, severity: { nb: 'Moderat angst', nn: 'Moderat angst', en: 'Moderate anxiety' } },
    { upTo: 21, severity: { nb: 'Alvorlig angst', nn: 'Alvorleg angst', en: 'Severe anxiety' } },
  ],
};

/** CAT items are semantic differentials: 0 is the left statement, 5 the right one. */
function catItem(id: string, left: LocalText, right: LocalText): QuestionnaireItem {
  const options: QuestionnaireOption[] = [0, 1, 2, 3, 4, 5].map((value) => ({
    value,
    text:
      value === 0
        ? { nb: `0 – ${left.nb}`, nn: `0 – ${left.nn}`, en: `0 – ${left.en}` }
        : value === 5
          ? { nb: `5 – ${right.nb}`, nn: `5 – ${right.nn}`, en: `5 – ${right.en}` }
          : { nb: String(value), nn: String(value), en: String(value) },
  }));
  return {
    id,
    text: {
      nb: `${left.nb} (0) … ${right.nb} (5)`,
      nn: `${left.nn} (0) … ${right.nn} (5)`,
      en: `${left.en} (0) … ${right.en} (5)`,
    },
    options,
  };
}

const CAT: QuestionnaireDef = {
  code: 'cat',
  title: { nb: 'CAT – kols-spørsmål', nn: 'CAT – kols-spørsmål', en: 'CAT – COPD Assessment Test' },
  intro: {
    nb: 'Velg tallet som passer best for deg nå. 0 betyr at utsagnet til venstre stemmer, 5 at utsagnet til høyre stemmer.',
    nn: 'Vel talet som passar best for deg no. 0 tyder at utsegna til venstre stemmer, 5 at utsegna til høgre stemmer.',
    en: 'Choose the number that best describes you now. 0 means the statement on the left is true, 5 that the statement on the right is true.',
  },
  items: [
    catItem('cat-1', { nb: 'Jeg hoster aldri', nn: 'Eg hostar aldri', en: 'I never cough' }, { nb: 'Jeg hoster hele tiden', nn: 'Eg hostar heile tida', en: 'I cough all the time' }),
    catItem(
      'cat-2',
      { nb: 'Jeg har ikke noe slim i brystet', nn: 'Eg har ikkje noko slim i brystet', en: 'I have no phlegm (mucus) in my chest at all' },
      { nb: 'Brystet mitt er helt fullt av slim', nn: 'Brystet mitt er heilt fullt av slim', en: 'My chest is completely full of phlegm (mucus)' },
    ),
    catItem(
      'cat-3',
      { nb: 'Jeg kjenner meg ikke tett i brystet', nn: 'Eg kjenner meg ikkje tett i brystet', en: 'My chest does not feel tight at all' },
      { nb: 'Jeg kjenner meg veldig tett i brystet', nn: 'Eg kjenner meg svært tett i brystet', en: 'My chest feels very tight' },
    ),
    catItem(
      'cat-4',
      {
        nb: 'Når jeg går opp en bakke eller én etasje i trappen, blir jeg ikke andpusten',
        nn: 'Når eg går opp ein bakke eller ein etasje i trappa, blir eg ikkje andpusten',
        en: 'When I walk up a hill or one flight of stairs I am not breathless',
      },
      {
        nb: 'Når jeg går opp en bakke eller én etasje i trappen, blir jeg svært andpusten',
        nn: 'Når eg går opp ein bakke eller ein etasje i trappa, blir eg svært andpusten',
        en: 'When I walk up a hill or one flight of stairs I am very breathless',
      },
    ),
    catItem(
      'cat-5',
      { nb: 'Jeg er ikke begrenset i noen aktiviteter hjemme', nn: 'Eg er ikkje avgrensa i nokon aktivitetar heime', en: 'I am not limited doing any activities at home' },
      { nb: 'Jeg er svært begrenset i aktiviteter hjemme', nn: 'Eg er svært avgrensa i aktivitetar heime', en: 'I am very limited doing activities at home' },
    ),
    catItem(
      'cat-6',
      {
        nb: 'Jeg føler meg trygg når jeg går ut hjemmefra, selv om jeg har lungesykdom',
        nn: 'Eg kjenner meg trygg når eg går ut heimanfrå, sjølv om eg har lungesjukdom',
        en: 'I am confident leaving my home despite my lung condition',
      },
      {
        nb: 'Jeg føler meg ikke trygg på å gå ut hjemmefra på grunn av lungesykdommen',
        nn: 'Eg kjenner meg ikkje trygg på å gå ut heimanfrå på grunn av lungesjukdommen',
        en: 'I am not at all confident leaving my home because of my lung condition',
      },
    ),
    catItem(
      'cat-7',
      { nb: 'Jeg sover godt', nn: 'Eg søv godt', en: 'I sleep soundly' },
      { nb: 'Jeg sover dårlig på grunn av lungesykdommen', nn: 'Eg søv dårleg på grunn av lungesjukdommen', en: "I don't sleep soundly because of my lung condition" },
    ),
    catItem('cat-8', { nb: 'Jeg har mye energi', nn: 'Eg har mykje energi', en: 'I have lots of energy' }, { nb: 'Jeg har ingen energi', nn: 'Eg har ingen energi', en: 'I have no energy at all' }),
  ],
  maxScore: 40,
  source:
    'Jones PW et al. Development and first validation of the COPD Assessment Test. Eur Respir J 2009;34:648–54; impact bands from the CAT user guide (GSK) and GOLD 2024. CAT is a trademark of the GSK group; free to use in clinical care.',
  // CAT user guide / Jones 2009: <10 low, 10–20 medium, 21–30 high, >30 very high impact; GOLD uses ≥10 as "more symptoms".
  bands: [
    { upTo: 9, severity: { nb: 'Lav påvirkning av hverdagen', nn: 'Låg påverknad på kvardagen', en: 'Low impact' } },
    { upTo: 20, severity: { nb: 'Middels påvirkning av hverdagen', nn: 'Middels påverknad på kvardagen', en: 'Medium impact' } },
    { upTo: 30, severity: { nb: 'Høy påvirkning av hverdagen', nn: 'Høg påverknad på kvardagen', en: 'High impact' } },
    { upTo: 40, severity: { nb: 'Svært høy påvirkning av hverdagen', nn: 'Svært høg påverknad på kvardagen', en: 'Very high impact' } },
  ],
};

const opt = (value: number, nb: string, nn: string, en: string): QuestionnaireOption => ({ value, text: { nb, nn, en } });

const SYMPTOMS: QuestionnaireDef = {
  code: 'symptoms',
  title: { nb: 'Dagens symptomer', nn: 'Symptoma i dag', en: "Today's symptoms" },
  intro: {
    nb: 'Svar ut fra hvordan du har det i dag, sammenlignet med en vanlig dag for deg.',
    nn: 'Svar ut frå korleis du har det i dag, samanlikna med ein vanleg dag for deg.',
    en: 'Answer based on how you are today, compared with a normal day for you.',
  },
  items: [
    {
      id: 'sym-breath',
      text: { nb: 'Hvordan er pusten din i dag?', nn: 'Korleis er pusten din i dag?', en: 'How is your breathing today?' },
      options: [
        opt(0, 'Som vanlig', 'Som vanleg', 'As usual'),
        opt(1, 'Litt tyngre enn vanlig', 'Litt tyngre enn vanleg', 'A little more difficult than usual'),
        opt(2, 'Mye tyngre enn vanlig', 'Mykje tyngre enn vanleg', 'Much more difficult than usual'),
        opt(3, 'Tung pust også når jeg sitter stille', 'Tung pust også når eg sit i ro', 'Short of breath even when sitting still'),
      ],
    },
    {
      id: 'sym-cough',
      text: { nb: 'Hvordan er hosten din i dag?', nn: 'Korleis er hosten din i dag?', en: 'How is your cough today?' },
      options: [
        opt(0, 'Som vanlig, eller ingen hoste', 'Som vanleg, eller ingen hoste', 'As usual, or no cough'),
        opt(1, 'Mer enn vanlig', 'Meir enn vanleg', 'More than usual'),
        opt(2, 'Mye mer enn vanlig', 'Mykje meir enn vanleg', 'Much more than usual'),
      ],
    },
    {
      id: 'sym-sputum',
      text: { nb: 'Hvilken farge har slimet du hoster opp?', nn: 'Kva farge har slimet du hostar opp?', en: 'What colour is the phlegm you cough up?' },
      options: [
        opt(0, 'Ikke noe slim, eller klart/hvitt som vanlig', 'Ikkje noko slim, eller klart/kvitt som vanleg', 'None, or clear/white as usual'),
        opt(1, 'Gult', 'Gult', 'Yellow'),
        opt(2, 'Grønt eller brunt', 'Grønt eller brunt', 'Green or brown'),
      ],
    },
    {
      id: 'sym-legs',
      text: { nb: 'Er bena dine hovne?', nn: 'Er beina dine hovne?', en: 'Are your legs swollen?' },
      options: [
        opt(0, 'Nei, eller som vanlig', 'Nei, eller som vanleg', 'No, or as usual'),
        opt(1, 'Litt mer hovne enn vanlig', 'Litt meir hovne enn vanleg', 'A little more swollen than usual'),
        opt(2, 'Mye mer hovne enn vanlig', 'Mykje meir hovne enn vanleg', 'Much more swollen than usual'),
      ],
    },
    {
      id: 'sym-sleep',
      text: { nb: 'Hvordan sov du i natt?', nn: 'Korleis sov du i natt?', en: 'How did you sleep last night?' },
      options: [
        opt(0, 'Som vanlig', 'Som vanleg', 'As usual'),
        opt(1, 'Våknet av tung pust, eller trengte flere puter', 'Vakna av tung pust, eller trong fleire puter', 'Woke up short of breath, or needed more pillows'),
        opt(2, 'Klarte ikke å ligge flatt og måtte sitte oppe', 'Klarte ikkje å liggje flatt og måtte sitje oppe', 'Could not lie flat and had to sit up'),
      ],
    },
    {
      id: 'sym-general',
      text: { nb: 'Hvordan har du det i dag, sammenlignet med vanlig?', nn: 'Korleis har du det i dag, samanlikna med vanleg?', en: 'How do you feel today, compared with usual?' },
      options: [
        opt(0, 'Som vanlig eller bedre', 'Som vanleg eller betre', 'As usual or better'),
        opt(1, 'Litt dårligere', 'Litt dårlegare', 'A little worse'),
        opt(2, 'Mye dårligere', 'Mykje dårlegare', 'Much worse'),
      ],
    },
  ],
  maxScore: 13,
  source:
    'Varde daily symptom form. Items follow the exacerbation symptoms of Anthonisen 1987 (Ann Intern Med 106:196–204: dyspnoea, sputum volume, sputum purulence) used in COPD action plans (GOLD 2024), and the congestion symptoms and signs of the ESC 2021 heart failure guideline (orthopnoea, peripheral oedema). Not a validated instrument: the total is a within-patient trend signal.',
  bands: [
    { upTo: 3, severity: { nb: 'Plager omtrent som vanlig', nn: 'Plager omtrent som vanleg', en: 'Symptoms about as usual' } },
    { upTo: 7, severity: { nb: 'Mer plager enn vanlig', nn: 'Meir plager enn vanleg', en: 'More symptoms than usual' } },
    { upTo: 13, severity: { nb: 'Mye mer plager enn vanlig', nn: 'Mykje meir plager enn vanleg', en: 'Much worse symptoms than usual' } },
  ],
};

export const QUESTIONNAIRES: Record<QuestionnaireCode, QuestionnaireDef> = {
  phq9: PHQ9,
  gad7: GAD7,
  cat: CAT,
  symptoms: SYMPTOMS,
};

/** Type guard for questionnaire codes from untyped input. */
export function isQuestionnaireCode(code: string): code is QuestionnaireCode {
  return (QUESTIONNAIRE_CODE_LIST as readonly string[]).includes(code);
}

/**
 * Severity band text for a total score.
 * @param code questionnaire
 * @param score total (0..maxScore)
 */
export function severityFor(code: QuestionnaireCode, score: number): LocalText {
  const def = QUESTIONNAIRES[code];
  const band = def.bands.find((b) => score <= b.upTo) ?? def.bands[def.bands.length - 1];
  if (band === undefined) throw new Error(`Questionnaire ${code} has no severity bands`);
  return band.severity;
}

export interface QuestionnaireScore {
  code: QuestionnaireCode;
  /**
   * The total, or null when too many items are unanswered to estimate it. With one item
   * unanswered the total is prorated (see MAX_MISSING_FOR_TOTAL) and not rounded.
   */
  score: number | null;
  maxScore: number;
  severity: LocalText | null;
  /** Ids of unanswered items, in questionnaire order. */
  missing: string[];
  /** The answered items (what item rules and PHQ-9 item 9 look at). */
  answers: Record<string, number>;
}

/**
 * Unanswered items a total may be estimated over: one. The total is then prorated (mean of the
 * answered items × number of items), the usual handling of a single missing item in summed symptom
 * scales (e.g. the PROMIS and SF-36 scoring manuals allow prorating; Kroenke 2001 gives no rule for
 * PHQ-9). With more missing the total is not estimated — but the answered items are still checked,
 * so a positive PHQ-9 item 9 is never lost because another item was skipped.
 */
export const MAX_MISSING_FOR_TOTAL = 1;

/**
 * Scores a questionnaire response. Every given answer must be one of its item's option values;
 * unanswered items are allowed (listed in `missing`): with at most MAX_MISSING_FOR_TOTAL of them
 * the total is prorated, with more it is null.
 * @param code 'phq9' | 'gad7' | 'cat' | 'symptoms'
 * @param answers item id → chosen option value (absent = unanswered)
 * @returns total (or null), maximum, severity band (or null) and the unanswered items, or
 *   'unknown_questionnaire', 'missing_answer' (nothing answered), 'invalid_answer' or
 *   'unknown_item' naming the item
 */
export function scoreQuestionnaire(code: string, answers: Record<string, number>): Result<QuestionnaireScore> {
  if (!isQuestionnaireCode(code)) {
    return err('unknown_questionnaire', `Unknown questionnaire "${code}"; expected one of ${QUESTIONNAIRE_CODE_LIST.join(', ')}`, 'code');
  }
  const def = QUESTIONNAIRES[code];
  const known = new Set(def.items.map((i) => i.id));
  for (const id of Object.keys(answers)) {
    if (!known.has(id)) return err('unknown_item', `${def.title.en}: "${id}" is not an item of this questionnaire`, `answers.${id}`);
  }
  let sum = 0;
  const missing: string[] = [];
  const given: Record<string, number> = {};
  for (const [index, item] of def.items.entries()) {
    const value = answers[item.id];
    const label = `${def.title.en} item ${index + 1} ("${item.id}")`;
    if (value === undefined) {
      missing.push(item.id);
      continue;
    }
    if (!item.options.some((o) => o.value === value)) {
      return err(
        'invalid_answer',
        `${label}: ${String(value)} is not an allowed answer; allowed: ${item.options.map((o) => o.value).join(', ')}`,
        `answers.${item.id}`,
      );
    }
    given[item.id] = value;
    sum += value;
  }
  const answered = def.items.length - missing.length;
  if (answered === 0) {
    const first = def.items[0]!;
    return err('missing_answer', `${def.title.en}: no item is answered`, `answers.${first.id}`);
  }
  const score = missing.length === 0 ? sum : missing.length <= MAX_MISSING_FOR_TOTAL ? (sum * def.items.length) / answered : null;
  return ok({ code, score, maxScore: def.maxScore, severity: score === null ? null : severityFor(code, score), missing, answers: given });
}
