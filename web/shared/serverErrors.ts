import type { Lang } from './i18n.js';

/**
 * The server writes its error messages in English (API consumers read them); a Norwegian page
 * must not show them as they are. Known messages and zod's generic field messages are translated
 * here; anything unknown in a Norwegian page falls back to a generic sentence in the user's
 * language rather than English.
 */
type Tr = Record<Lang, string>;
type Rule = [RegExp, (m: RegExpExecArray) => Tr];

const num = (s: string, lang: Lang): string => (lang === 'en' ? s : s.replace('.', ','));

const EXACT: Readonly<Record<string, Tr>> = {
  'The alert is already resolved.': { nb: 'Varselet er allerede avsluttet.', nn: 'Varselet er alt avslutta.', en: 'The alert is already resolved.' },
  'The alert is already acknowledged.': { nb: 'Varselet er allerede kvittert.', nn: 'Varselet er alt kvittert.', en: 'The alert is already acknowledged.' },
  'The patient has no active follow-up episode.': { nb: 'Pasienten er ikke i aktiv oppfølging.', nn: 'Pasienten er ikkje i aktiv oppfølging.', en: 'The patient has no active follow-up episode.' },
  'Choose how you were in contact with the patient': { nb: 'Velg hvordan du var i kontakt med pasienten.', nn: 'Vel korleis du var i kontakt med pasienten.', en: 'Choose how you were in contact with the patient.' },
  'Write a short note (at least 3 characters)': { nb: 'Skriv et kort notat (minst 3 tegn).', nn: 'Skriv eit kort notat (minst 3 teikn).', en: 'Write a short note (at least 3 characters).' },
  'You do not have access to this.': { nb: 'Du har ikke tilgang til dette.', nn: 'Du har ikkje tilgang til dette.', en: 'You do not have access to this.' },
  'Log in to continue.': { nb: 'Logg inn for å fortsette.', nn: 'Logg inn for å halde fram.', en: 'Log in to continue.' },
  'The measurement time is in the future. Check the clock of the device.': {
    nb: 'Tidspunktet for målingen er i framtiden. Sjekk klokka på enheten.', nn: 'Tidspunktet for målinga er i framtida. Sjekk klokka på eininga.', en: 'The measurement time is in the future. Check the clock of the device.',
  },
  'In the future': { nb: 'Tidspunktet er i framtiden.', nn: 'Tidspunktet er i framtida.', en: 'In the future.' },
  'This alert is already escalated to the GP.': { nb: 'Varselet er allerede sendt til fastlegen.', nn: 'Varselet er alt sendt til fastlegen.', en: 'This alert is already escalated to the GP.' },
  'The escalation is already marked as handled.': { nb: 'Saken er allerede markert som behandlet.', nn: 'Saka er alt markert som handsama.', en: 'The escalation is already marked as handled.' },
  'The device is already lent out. Register it as returned first.': { nb: 'Utstyret er allerede lånt ut. Registrer det som levert tilbake først.', nn: 'Utstyret er alt lånt ut. Registrer det som levert tilbake først.', en: 'The device is already lent out. Register it as returned first.' },
  'The device is already registered as returned.': { nb: 'Utstyret er allerede registrert som levert tilbake.', nn: 'Utstyret er alt registrert som levert tilbake.', en: 'The device is already registered as returned.' },
  'The device is already registered.': { nb: 'Utstyret er allerede registrert.', nn: 'Utstyret er alt registrert.', en: 'The device is already registered.' },
  'The patient is already in an active follow-up episode.': { nb: 'Pasienten er allerede i aktiv oppfølging.', nn: 'Pasienten er alt i aktiv oppfølging.', en: 'The patient is already in an active follow-up episode.' },
  'Someone else has changed the opening hours since you opened them. Reload to see their changes.': {
    nb: 'Noen andre har endret åpningstidene siden du åpnet dem. Last siden på nytt for å se endringene.', nn: 'Nokon andre har endra opningstidene sidan du opna dei. Last sida på nytt for å sjå endringane.', en: 'Someone else has changed the opening hours since you opened them. Reload to see their changes.',
  },
  'Required': { nb: 'Må fylles ut.', nn: 'Må fyllast ut.', en: 'Required.' },
};

const RULES: readonly Rule[] = [
  // zod 4's generic messages
  [/^Too small: expected string to have >=?(\d+) characters?$/, (m) => ({ nb: `Skriv minst ${m[1]} tegn.`, nn: `Skriv minst ${m[1]} teikn.`, en: `Write at least ${m[1]} characters.` })],
  [/^Too big: expected string to have <=?(\d+) characters?$/, (m) => ({ nb: `Skriv høyst ${m[1]} tegn.`, nn: `Skriv høgst ${m[1]} teikn.`, en: `Write at most ${m[1]} characters.` })],
  [/^Too small: expected number to be >=?(\S+)$/, (m) => ({ nb: `Må være minst ${num(m[1]!, 'nb')}.`, nn: `Må vere minst ${num(m[1]!, 'nn')}.`, en: `Must be at least ${m[1]}.` })],
  [/^Too big: expected number to be <=?(\S+)$/, (m) => ({ nb: `Kan være høyst ${num(m[1]!, 'nb')}.`, nn: `Kan vere høgst ${num(m[1]!, 'nn')}.`, en: `Must be at most ${m[1]}.` })],
  [/^Too small: expected array to have >=?(\d+) items?$/, (m) => ({ nb: `Velg minst ${m[1]}.`, nn: `Vel minst ${m[1]}.`, en: `Choose at least ${m[1]}.` })],
  [/^Invalid option: expected one of/, () => ({ nb: 'Velg et av alternativene.', nn: 'Vel eitt av alternativa.', en: 'Choose one of the options.' })],
  [/^Invalid input: expected (\w+), received undefined$/, () => ({ nb: 'Må fylles ut.', nn: 'Må fyllast ut.', en: 'Required.' })],
  [/^Invalid input: expected number/, () => ({ nb: 'Skriv et tall.', nn: 'Skriv eit tal.', en: 'Enter a number.' })],
  [/^Invalid (input|UUID|uuid|ISO datetime|date|string|email)/, () => ({ nb: 'Har feil format.', nn: 'Har feil format.', en: 'Invalid format.' })],
  // Measurements (src/domain/catalogue.ts): the value and the allowed range, in the user's language.
  [/^.+ of (\S+)( \S+)?( \(.*\))? is not possible: must be between (\S+) and (\S+)( \S+)?$/, (m) => {
    const u = m[2] ?? '';
    return {
      nb: `${num(m[1]!, 'nb')}${u} er ikke mulig. Tallet må være mellom ${num(m[4]!, 'nb')} og ${num(m[5]!, 'nb')}${u}. Sjekk det du skrev.`,
      nn: `${num(m[1]!, 'nn')}${u} er ikkje mogleg. Talet må vere mellom ${num(m[4]!, 'nn')} og ${num(m[5]!, 'nn')}${u}. Sjekk det du skreiv.`,
      en: `${m[1]}${u} is not possible. The number must be between ${m[4]} and ${m[5]}${u}. Check what you typed.`,
    };
  }],
  [/^Systolic blood pressure (\S+) mmHg is below diastolic (\S+) mmHg/, (m) => ({
    nb: `Det øvre tallet (${m[1]}) er lavere enn det nedre (${m[2]}). Sjekk at tallene ikke er byttet om.`,
    nn: `Det øvre talet (${m[1]}) er lågare enn det nedre (${m[2]}). Sjekk at tala ikkje er bytte om.`,
    en: `The upper number (${m[1]}) is lower than the lower one (${m[2]}). Check that they are not swapped.`,
  })],
  [/^Unit ".*" is not accepted for/, () => ({ nb: 'Denne enheten kan ikke brukes for målingen.', nn: 'Denne eininga kan ikkje brukast for målinga.', en: 'This unit cannot be used for the measurement.' })],
  [/meters have no HI\/LO flag|is not a meter flag/, () => ({ nb: 'Skriv inn tallet måleren viser.', nn: 'Skriv inn talet målaren viser.', en: 'Type the number the meter shows.' })],
  // Device register (src/server/devices/identity.ts): name the device that already has it.
  [/^A device with serial number (.+) is already registered\.$/, (m) => ({
    nb: `Et apparat med serienummer ${m[1]} er allerede registrert.`, nn: `Eit apparat med serienummer ${m[1]} er alt registrert.`, en: `A device with serial number ${m[1]} is already registered.`,
  })],
  [/^(Bluetooth address|System ID) (\S+) is already registered for device (.+)\.$/, (m) => {
    const what = m[1] === 'System ID' ? { nb: 'System-ID', nn: 'System-ID', en: 'System ID' } : { nb: 'Bluetooth-adressen', nn: 'Bluetooth-adressa', en: 'Bluetooth address' };
    return {
      nb: `${what.nb} ${m[2]} er allerede registrert på apparatet ${m[3]}.`, nn: `${what.nn} ${m[2]} er alt registrert på apparatet ${m[3]}.`, en: `${what.en} ${m[2]} is already registered for device ${m[3]}.`,
    };
  }],
  [/must be a finite number/, () => ({ nb: 'Skriv et tall.', nn: 'Skriv eit tal.', en: 'Enter a number.' })],
];

const GENERIC: Tr = {
  nb: 'Tjenesten godtok ikke dette. Sjekk det du har skrevet, og prøv igjen.',
  nn: 'Tenesta godtok ikkje dette. Sjekk det du har skrive, og prøv igjen.',
  en: 'The service did not accept this. Check what you entered and try again.',
};

/** Looks like a message the server wrote in English (plain ASCII with an English word in it). */
function looksEnglish(s: string): boolean {
  return /^[\x20-\x7e]+$/.test(s) && /\b(the|is|are|must|expected|invalid|not|already|received|cannot|you|only|this)\b/i.test(s);
}

/**
 * A server message in the user's language: a known message or zod pattern translated, the
 * "Invalid input: field: message" summary reduced to its translated message, and an unknown
 * English message replaced by a generic sentence (in nb/nn). Text that is not a server message
 * (already translated) comes back as it is.
 */
export function translateServerMessage(message: string, lang: Lang): string {
  const s = message.trim();
  const exact = EXACT[s] ?? EXACT[`${s}.`];
  if (exact) return exact[lang];
  const summary = /^Invalid input: [\w.()]+: (.+)$/.exec(s);
  if (summary) return translateServerMessage(summary[1]!, lang);
  for (const [re, f] of RULES) {
    const m = re.exec(s);
    if (m) return f(m)[lang];
  }
  if (lang !== 'en' && looksEnglish(s)) return GENERIC[lang];
  return message;
}
