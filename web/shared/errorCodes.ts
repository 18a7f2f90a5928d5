import type { ErrorCode } from '../../src/api/errors.js';
import type { Lang } from './i18n.js';

/**
 * What each error code of the API contract (src/api/errors.ts) means to a user, in nb, nn and en.
 * Typed by the contract: a code added on the server does not compile here until it is translated.
 * The server's `message` says more (and names the field); this is the sentence for a page that
 * has nothing better, in the user's language.
 */
export const ERROR_CODE_TEXT: Readonly<Record<ErrorCode, Record<Lang, string>>> = {
  validation_failed: { nb: 'Noe av det som er fylt inn, er ikke gyldig.', nn: 'Noko av det som er fylt inn, er ikkje gyldig.', en: 'Some of what was entered is not valid.' },
  unauthenticated: { nb: 'Du må logge inn på nytt.', nn: 'Du må logge inn på nytt.', en: 'Please log in again.' },
  forbidden: { nb: 'Du har ikke tilgang til dette.', nn: 'Du har ikkje tilgang til dette.', en: 'You do not have access to this.' },
  not_found: { nb: 'Fant ikke det du ba om.', nn: 'Fann ikkje det du bad om.', en: 'What you asked for was not found.' },
  conflict: { nb: 'Noen andre har endret dette i mellomtiden. Last inn på nytt.', nn: 'Nokon andre har endra dette i mellomtida. Last inn på nytt.', en: 'Someone else changed this in the meantime. Reload.' },
  cross_site_request: { nb: 'Forespørselen kom fra en annen nettside og ble avvist.', nn: 'Førespurnaden kom frå ei anna nettside og vart avvist.', en: 'The request came from another site and was refused.' },
  unsupported_media_type: { nb: 'Forespørselen hadde feil format.', nn: 'Førespurnaden hadde feil format.', en: 'The request had the wrong format.' },
  rate_limited: { nb: 'For mange forsøk. Vent litt og prøv igjen.', nn: 'For mange forsøk. Vent litt og prøv igjen.', en: 'Too many attempts. Wait a little and try again.' },
  bad_request: { nb: 'Forespørselen kunne ikke leses.', nn: 'Førespurnaden kunne ikkje lesast.', en: 'The request could not be read.' },
  payload_too_large: { nb: 'Det som ble sendt, er for stort.', nn: 'Det som vart sendt, er for stort.', en: 'What was sent is too large.' },
  internal: { nb: 'Noe gikk galt hos oss. Prøv igjen senere.', nn: 'Noko gjekk gale hos oss. Prøv igjen seinare.', en: 'Something went wrong on our side. Try again later.' },
  no_active_episode: { nb: 'Pasienten er ikke i aktiv oppfølging.', nn: 'Pasienten er ikkje i aktiv oppfølging.', en: 'The patient has no active follow-up.' },
  invalid_transition: { nb: 'Forløpet kan ikke gå til dette steget nå.', nn: 'Forløpet kan ikkje gå til dette steget no.', en: 'The follow-up cannot take this step now.' },
  not_responsible: { nb: 'Bare den som har ansvaret, kan ta dette steget.', nn: 'Berre den som har ansvaret, kan ta dette steget.', en: 'Only the one responsible can take this step.' },
  onboarding_incomplete: { nb: 'Oppstarten er ikke fullført.', nn: 'Oppstarten er ikkje fullført.', en: 'Onboarding is not complete.' },
  no_gp_office: { nb: 'Pasienten har ikke et fastlegekontor i behandlingsteamet.', nn: 'Pasienten har ikkje eit fastlegekontor i behandlingsteamet.', en: 'The patient has no GP office in the care team.' },
  emergency_access_running: { nb: 'Du har allerede akuttilgang til denne pasienten.', nn: 'Du har alt akuttilgang til denne pasienten.', en: 'You already have emergency access to this patient.' },
  invalid_plan: { nb: 'Planen er ikke gyldig.', nn: 'Planen er ikkje gyldig.', en: 'The plan is not valid.' },
  no_plan: { nb: 'Pasienten har ingen godkjent plan.', nn: 'Pasienten har ingen godkjend plan.', en: 'The patient has no approved plan.' },
  cannot_rebuild: { nb: 'Meldingen kan ikke lages på nytt.', nn: 'Meldinga kan ikkje lagast på nytt.', en: 'The message cannot be built again.' },
  invalid_format: { nb: 'Fødselsnummeret har feil format (11 sifre).', nn: 'Fødselsnummeret har feil format (11 siffer).', en: 'The identity number has the wrong format (11 digits).' },
  invalid_checksum: { nb: 'Fødselsnummeret har feil kontrollsiffer.', nn: 'Fødselsnummeret har feil kontrollsiffer.', en: 'The identity number has wrong check digits.' },
  invalid_individual_number: { nb: 'Fødselsnummeret har et ugyldig individnummer.', nn: 'Fødselsnummeret har eit ugyldig individnummer.', en: 'The identity number has an invalid individual number.' },
  invalid_date: { nb: 'Fødselsnummeret har en ugyldig dato.', nn: 'Fødselsnummeret har ein ugyldig dato.', en: 'The identity number has an invalid date.' },
  unknown_measure: { nb: 'Ukjent måling.', nn: 'Ukjend måling.', en: 'Unknown measurement.' },
  implausible_value: { nb: 'Verdien er ikke mulig. Sjekk tallet.', nn: 'Verdien er ikkje mogleg. Sjekk talet.', en: 'The value is not possible. Check the number.' },
  unit_not_accepted: { nb: 'Enheten kan ikke brukes for denne målingen.', nn: 'Eininga kan ikkje brukast for denne målinga.', en: 'The unit cannot be used for this measurement.' },
  flag_not_accepted: { nb: 'HI/LO kan ikke brukes for denne målingen.', nn: 'HI/LO kan ikkje brukast for denne målinga.', en: 'HI/LO cannot be used for this measurement.' },
  unknown_questionnaire: { nb: 'Ukjent spørreskjema.', nn: 'Ukjent spørjeskjema.', en: 'Unknown questionnaire.' },
  unknown_item: { nb: 'Spørreskjemaet har ikke dette spørsmålet.', nn: 'Spørjeskjemaet har ikkje dette spørsmålet.', en: 'The questionnaire has no such question.' },
  invalid_answer: { nb: 'Svaret finnes ikke for dette spørsmålet.', nn: 'Svaret finst ikkje for dette spørsmålet.', en: 'That answer is not offered for this question.' },
  invalid_measurement: { nb: 'Målingen kan ikke tas imot.', nn: 'Målinga kan ikkje takast imot.', en: 'The measurement cannot be accepted.' },
  future_timestamp: { nb: 'Tidspunktet for målingen er i framtiden. Sjekk klokka.', nn: 'Tidspunktet for målinga er i framtida. Sjekk klokka.', en: 'The measurement time is in the future. Check the clock.' },
  missing_answer: { nb: 'Svar på alle spørsmålene (ett kan stå tomt).', nn: 'Svar på alle spørsmåla (eitt kan stå tomt).', en: 'Answer every question (one may be left out).' },
  unknown_device: { nb: 'Utstyret er ikke registrert.', nn: 'Utstyret er ikkje registrert.', en: 'The device is not registered.' },
  device_not_lent: { nb: 'Utstyret er ikke lånt ut til noen pasient.', nn: 'Utstyret er ikkje lånt ut til nokon pasient.', en: 'The device is not lent to any patient.' },
  device_clock_unreliable: { nb: 'Klokka på utstyret går feil. Målingene ble ikke lagret.', nn: 'Klokka på utstyret går feil. Målingane vart ikkje lagra.', en: "The device's clock is wrong. The readings were not stored." },
  invalid_identifier: { nb: 'Pasientens fødselsnummer er ikke gyldig.', nn: 'Fødselsnummeret til pasienten er ikkje gyldig.', en: "The patient's identity number is not valid." },
  device_lent_to_another_patient: { nb: 'Utstyret er lånt ut til en annen pasient.', nn: 'Utstyret er lånt ut til ein annan pasient.', en: 'The device is lent to another patient.' },
  measured_before_loan: { nb: 'Målingen er tatt før utstyret ble lånt ut, og kan være forrige lånetakers.', nn: 'Målinga er teken før utstyret vart lånt ut, og kan vere førre lånetakar sin.', en: "The reading was taken before the device was lent and may be the previous borrower's." },
  alerts_changed: { nb: 'Varslene er endret i mellomtiden. Se over og prøv igjen.', nn: 'Varsla er endra i mellomtida. Sjå over og prøv igjen.', en: 'The alerts changed in the meantime. Review and try again.' },
};

/**
 * The user's sentence for an error code from the API, or null for a code the contract does not
 * know (a proxy's `http_502`, the client's own `network_error`).
 * @param code `error.code` of the answer
 * @param lang the user's language
 */
export function errorCodeText(code: string, lang: Lang): string | null {
  return Object.hasOwn(ERROR_CODE_TEXT, code) ? ERROR_CODE_TEXT[code as ErrorCode][lang] : null;
}
