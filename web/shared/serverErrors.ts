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
  // Messages of the contract's own rules (src/api): the ones a form shows beside its field.
  'Phone number: 8–15 digits': { nb: 'Skriv et mobilnummer med 8–15 siffer.', nn: 'Skriv eit mobilnummer med 8–15 siffer.', en: 'Phone number: 8–15 digits.' },
  'HPR number: 7–9 digits': { nb: 'HPR-nummeret har 7–9 siffer.', nn: 'HPR-nummeret har 7–9 siffer.', en: 'HPR number: 7–9 digits.' },
  'Write a message': { nb: 'Skriv en melding.', nn: 'Skriv ei melding.', en: 'Write a message.' },
  'Choose a device': { nb: 'Velg utstyr.', nn: 'Vel utstyr.', en: 'Choose a device.' },
  'Choose the kind of device': { nb: 'Velg type.', nn: 'Vel type.', en: 'Choose the kind of device.' },
  'Must be a number': { nb: 'Skriv et tall.', nn: 'Skriv eit tal.', en: 'Enter a number.' },
  'Enter a value (or HI/LO from the meter)': { nb: 'Skriv inn en verdi (eller HI/LO fra måleren).', nn: 'Skriv inn ein verdi (eller HI/LO frå målaren).', en: 'Enter a value (or HI/LO from the meter).' },
  'Enter at least one measurement': { nb: 'Skriv inn minst én måling.', nn: 'Skriv inn minst éi måling.', en: 'Enter at least one measurement.' },
  'The patient must consent to digital home follow-up': { nb: 'Pasienten må samtykke før innmelding.', nn: 'Pasienten må samtykke før innmelding.', en: 'The patient must consent to digital home follow-up.' },
  'At least one diagnosis is required': { nb: 'Velg minst én diagnose.', nn: 'Vel minst éin diagnose.', en: 'At least one diagnosis is required.' },
  'At least one diagnosis is required for enrolment': { nb: 'Velg minst én diagnose.', nn: 'Vel minst éin diagnose.', en: 'At least one diagnosis is required for enrolment.' },
  'Write what the GP needs to know (at least 3 characters)': { nb: 'Skriv hva fastlegen trenger å vite (minst 3 tegn).', nn: 'Skriv kva fastlegen treng å vite (minst 3 teikn).', en: 'Write what the GP needs to know (at least 3 characters).' },
  'Unknown time zone: use an IANA name such as Europe/Oslo': { nb: 'Ukjent tidssone. Bruk et IANA-navn som Europe/Oslo.', nn: 'Ukjend tidssone. Bruk eit IANA-namn som Europe/Oslo.', en: 'Unknown time zone: use an IANA name such as Europe/Oslo.' },
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
  // Dashes count as ASCII: the server writes ranges as 8–15.
  return /^[\x20-\x7e\u2013\u2014]+$/.test(s) && /\b(the|is|are|must|expected|invalid|not|already|received|cannot|you|only|this|digits|characters|enter|write|choose|give|use|unknown|required)\b/i.test(s);
}

/** The translation of a known server message (exact, a zod pattern, or the "Invalid input: field: message" summary), or null. */
function lookup(message: string): Tr | null {
  const s = message.trim();
  const exact = EXACT[s] ?? EXACT[`${s}.`];
  if (exact) return exact;
  const summary = /^Invalid input: [\w.()]+: (.+)$/.exec(s);
  if (summary) return lookup(summary[1]!);
  for (const [re, f] of RULES) {
    const m = re.exec(s);
    if (m) return f(m);
  }
  return null;
}

/**
 * Whether the apps translate this server message (so showing it says more than the code's sentence).
 * @param message `error.message` or a field message of the answer
 */
export function knownServerMessage(message: string): boolean {
  return lookup(message) !== null;
}

/**
 * A server message in the user's language: a known message or zod pattern translated, the
 * "Invalid input: field: message" summary reduced to its translated message, and an unknown
 * English message replaced by a generic sentence (in nb/nn). Text that is not a server message
 * (already translated) comes back as it is.
 */
export function translateServerMessage(message: string, lang: Lang): string {
  const known = lookup(message);
  if (known) return known[lang];
  if (lang !== 'en' && looksEnglish(message.trim())) return GENERIC[lang];
  return message;
}
