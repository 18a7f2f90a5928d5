import type { Lang } from '../shared/i18n.js';

/** Texts of the patient app's issue-11 workflows (session, open advice, plan in preparation). */
export interface PatientTexts {
  emergencyHeading: string;
  emergency113: string;
  emergencyLegevakt: string;
  serviceNumber: string;
  loginAgainSaved: string;
  loginAgain: string;
  sessionSoon: (minutes: number) => string;
  sessionStay: string;
  sessionEnded: string;
  sessionAbsolute: (minutes: number) => string;
  planPreparing: string;
  adviceHeading: string;
  adviceUntilNurse: string;
  leftToday: string;
  doneToday: string;
  allDone: string;
}

export const PATIENT_TEXTS: Record<Lang, PatientTexts> = {
  nb: {
    emergencyHeading: 'Hvis det haster',
    emergency113: 'Livstruende: ring 113',
    emergencyLegevakt: 'Legevakt: ring 116 117',
    serviceNumber: 'Oppfølgingstjenesten',
    loginAgainSaved: 'Logg inn igjen – målingen er tatt vare på. Den blir sendt når du har logget inn.',
    loginAgain: 'Logg inn igjen',
    sessionSoon: (m) => `Du blir logget ut om ${m} ${m === 1 ? 'minutt' : 'minutter'} hvis du ikke gjør noe.`,
    sessionStay: 'Fortsett å være innlogget',
    sessionEnded: 'Du er logget ut fordi appen ikke har vært i bruk på en stund. Målinger du har tatt, er tatt vare på.',
    sessionAbsolute: (m) => `Innloggingen din varer bare ${m} ${m === 1 ? 'minutt' : 'minutter'} til. Logg inn igjen etterpå.`,
    planPreparing: 'Fastlegen din holder på å lage planen din. Når planen er godkjent, ser du her hva du skal måle og når.',
    adviceHeading: 'Råd fra siste måling',
    adviceUntilNurse: 'Dette står her til en sykepleier har sett på målingen.',
    leftToday: 'Dette gjenstår i dag',
    doneToday: 'Ferdig i dag',
    allDone: 'Du har gjort alt for i dag.',
  },
  nn: {
    emergencyHeading: 'Om det hastar',
    emergency113: 'Livstrugande: ring 113',
    emergencyLegevakt: 'Legevakt: ring 116 117',
    serviceNumber: 'Oppfølgingstenesta',
    loginAgainSaved: 'Logg inn igjen – målinga er teken vare på. Ho blir send når du har logga inn.',
    loginAgain: 'Logg inn igjen',
    sessionSoon: (m) => `Du blir logga ut om ${m} ${m === 1 ? 'minutt' : 'minutt'} om du ikkje gjer noko.`,
    sessionStay: 'Hald fram å vere innlogga',
    sessionEnded: 'Du er logga ut fordi appen ikkje har vore i bruk på ei stund. Målingar du har teke, er tekne vare på.',
    sessionAbsolute: (m) => `Innlogginga di varer berre ${m} minutt til. Logg inn igjen etterpå.`,
    planPreparing: 'Fastlegen din held på å lage planen din. Når planen er godkjend, ser du her kva du skal måle og når.',
    adviceHeading: 'Råd frå siste måling',
    adviceUntilNurse: 'Dette står her til ein sjukepleiar har sett på målinga.',
    leftToday: 'Dette står att i dag',
    doneToday: 'Ferdig i dag',
    allDone: 'Du har gjort alt for i dag.',
  },
  en: {
    emergencyHeading: 'If it is urgent',
    emergency113: 'Life-threatening: call 113',
    emergencyLegevakt: 'Out-of-hours doctor (legevakt): call 116 117',
    serviceNumber: 'Follow-up service',
    loginAgainSaved: 'Log in again – your measurement is kept safe. It is sent once you have logged in.',
    loginAgain: 'Log in again',
    sessionSoon: (m) => `You will be logged out in ${m} ${m === 1 ? 'minute' : 'minutes'} unless you do something.`,
    sessionStay: 'Stay logged in',
    sessionEnded: 'You have been logged out because the app was not used for a while. Measurements you took are kept safe.',
    sessionAbsolute: (m) => `Your login only lasts ${m} more ${m === 1 ? 'minute' : 'minutes'}. Log in again afterwards.`,
    planPreparing: 'Your GP is preparing your plan. Once it is approved, you will see here what to measure and when.',
    adviceHeading: 'Advice from your latest measurement',
    adviceUntilNurse: 'This stays here until a nurse has looked at the measurement.',
    leftToday: 'Left to do today',
    doneToday: 'Done today',
    allDone: 'You have done everything for today.',
  },
};
