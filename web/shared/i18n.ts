import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Lang = 'nb' | 'nn' | 'en';
export const LANGS: readonly Lang[] = ['nb', 'nn', 'en'];

/** Texts that come from plans travel in all three languages. */
export type LocalizedText = Readonly<Record<Lang, string>>;

export function isLang(value: unknown): value is Lang {
  return value === 'nb' || value === 'nn' || value === 'en';
}

/** Each language is named in itself so a user who cannot read the current one still finds theirs. */
export const LANGUAGE_NAMES: LocalizedText = { nb: 'Bokmål', nn: 'Nynorsk', en: 'English' };

/**
 * Locales for Intl formatting (dates, decimal comma). Some browsers ship without nynorsk data;
 * bokmål formats dates and numbers identically, so it is the fallback.
 */
export const INTL_LOCALE: Readonly<Record<Lang, readonly string[]>> = {
  nb: ['nb-NO', 'no'],
  nn: ['nn-NO', 'nb-NO', 'no'],
  en: ['en-GB'],
};

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

// nb is the source of truth: its shape defines the Catalogue type, so a key missing in nn or en
// (or a function with the wrong parameters) is a compile error.
const nb = {
  appName: 'Varde',
  skipToContent: 'Hopp til hovedinnholdet',
  logout: 'Logg ut',
  language: 'Språk',
  languageChangeFailed: 'Kunne ikke bytte språk. Prøv igjen.',
  loading: 'Laster …',
  retry: 'Prøv igjen',
  cancel: 'Avbryt',
  errorNetwork: 'Fikk ikke kontakt med tjenesten. Sjekk internettforbindelsen og prøv igjen.',
  errorForbidden: 'Du har ikke tilgang til dette.',
  errorNotFound: 'Fant ikke det du så etter.',
  errorGeneric: 'Noe gikk galt. Prøv igjen senere.',
  pageTitle: (page: string) => `${page} – Varde`,

  zoneGreen: 'Grønn',
  zoneYellow: 'Gul',
  zoneRed: 'Rød',
  zoneMissing: 'Mangler',
  zoneUnknown: 'Ikke vurdert',

  justNow: 'nå nettopp',
  minutesAgo: (n: number) => `for ${n} min siden`,
  hoursAgo: (n: number) => `for ${n} ${plural(n, 'time', 'timer')} siden`,
  daysAgo: (n: number) => `for ${n} ${plural(n, 'dag', 'dager')} siden`,
  atTime: (time: string) => `kl. ${time}`,

  colTime: 'Tidspunkt',
  colMeasure: 'Måling',
  colValue: 'Verdi',
  colZone: 'Sone',
  colWho: 'Hvem',
  colOrganisation: 'Virksomhet',
  colRole: 'Rolle',
  colAction: 'Hva',
  colData: 'Opplysninger',

  contactPhone: 'Telefon',
  contactVideo: 'Video',
  contactVisit: 'Hjemmebesøk',
  contactMessage: 'Melding',
  contactNone: 'Ingen kontakt',

  roleNurse: 'Sykepleier',
  roleGp: 'Fastlege',
  roleSpecialist: 'Spesialist',
  roleCoordinator: 'Koordinator',
  roleAdmin: 'Administrator',
  rolePatient: 'Pasient',
  roleSystem: 'System',

  actionRead: 'Leste',
  actionCreate: 'Registrerte',
  actionUpdate: 'Endret',
  actionDelete: 'Slettet',
  actionEmergency: 'Nødtilgang',

  resourceObservation: 'Målinger',
  resourcePatient: 'Personopplysninger',
  resourceAlert: 'Varsler',
  resourceMessage: 'Meldinger',
  resourcePlan: 'Egenbehandlingsplan',
  resourceNote: 'Kontaktnotater',
  resourceEpisode: 'Oppfølgingsforløp',
  resourceQuestionnaire: 'Spørreskjema',
  resourceDevice: 'Utstyr',
  resourceAudit: 'Tilgangslogg',

  messagesEmpty: 'Ingen meldinger ennå.',
  messageLabel: 'Ny melding',
  messageSend: 'Send melding',
  messageSending: 'Sender …',
  messageSent: 'Meldingen er sendt.',
  messageRequired: 'Skriv en melding først.',
  messageFromYou: 'Du',
  messageListLabel: 'Meldingstråd',

  // Patient app
  patientNav: 'Hovedmeny',
  navToday: 'I dag',
  navObservations: 'Mine målinger',
  navMessages: 'Meldinger',
  navAccess: 'Hvem har sett mine data',
  wrongAppPersonnel: 'Du er logget inn som helsepersonell. Denne siden er for pasienter.',
  goToClinic: 'Gå til oppfølgingstjenesten',
  wrongAppPatient: 'Du er logget inn som pasient. Denne siden er for helsepersonell.',
  goToPatient: 'Gå til pasientsiden',

  todayHeading: 'I dag',
  todayListLabel: 'Dagens oppgaver',
  todayEmpty: 'Du har ingen oppgaver i dag.',
  taskDone: 'Utført',
  taskNotDone: 'Ikke utført ennå',
  taskDueBy: (time: string) => `Innen kl. ${time}`,
  taskQuestionnaire: 'Spørreskjema',
  lastValue: 'Siste måling',
  serviceClosed:
    'Oppfølgingstjenesten er stengt nå. Målinger og meldinger blir lest når vi åpner igjen. Blir du verre, ring fastlegen eller legevakten på 116 117. Ved fare for liv: ring 113.',

  recordHeading: 'Registrer målinger',
  recordIntro: 'Skriv inn tallene fra måleapparatet. Du kan bruke komma i desimaltall.',
  recordSubmit: 'Lagre målingene',
  recordSending: 'Lagrer …',
  recordNoTasks: 'Du har ingen målinger å registrere i dag.',
  recordOptional: 'Valgfritt – allerede målt i dag',
  errEmpty: 'Skriv inn en verdi.',
  errNotNumber: 'Skriv bare tall, for eksempel 95 eller 37,5.',
  errNoneFilled: 'Skriv inn minst én måling.',
  errFormSummary: 'Noe må rettes før målingene kan lagres. Se feltene som er merket.',
  errNetworkSave:
    'Målingene ble ikke sendt fordi det ikke var kontakt med nettet. Tallene ligger fortsatt i skjemaet. Trykk «Lagre målingene» igjen når du har nett.',

  feedbackHeading: 'Målingene er lagret',
  feedbackResult: 'Resultat',
  feedbackSent: 'Dette lagret du',
  feedbackDone: 'Ferdig',

  observationsHeading: 'Mine målinger',
  observationsCaption: 'Målinger de siste 30 dagene, nyeste først',
  observationsEmpty: 'Du har ingen målinger de siste 30 dagene.',

  messagesHeading: 'Meldinger',
  messagesIntro:
    'Meldinger leses av sykepleier på hverdager på dagtid. Ikke bruk meldinger når det haster. Ved fare for liv: ring 113.',

  accessHeading: 'Hvem har sett mine data',
  accessIntro: 'Her ser du hvem som har lest eller endret opplysningene dine i Varde.',
  accessCaption: 'Tilgang til opplysningene dine, nyeste først',
  accessEmpty: 'Ingen har sett opplysningene dine ennå.',

  // Clinic app
  clinicName: 'Varde – oppfølgingstjenesten',
  clinicNav: 'Hovedmeny',
  navWorklist: 'Arbeidsliste',
  worklistHeading: 'Arbeidsliste',
  worklistCaption: 'Pasienter i oppfølging, mest alvorlige først',
  worklistEmpty: 'Ingen pasienter i arbeidslisten.',
  colStatus: 'Status',
  colName: 'Navn',
  colBirthDate: 'Fødselsdato',
  colReason: 'Årsak',
  colSince: 'Siden',
  colOpenAlerts: 'Åpne varsler',
  colLatest: 'Siste målinger',
  announceRed: (name: string) => `Ny rød varsling: ${name}`,
  announceYellow: (name: string) => `Ny gul varsling: ${name}`,
  announceMissing: (name: string) => `Manglende måling: ${name}`,
  announceNewPatient: (name: string) => `Ny pasient i arbeidslisten: ${name}`,
  liveOn: 'Direkteoppdatering er på',
  liveOff: 'Direkteoppdatering er avbrutt. Prøver å koble til igjen …',
  updatedAt: (time: string) => `Oppdatert kl. ${time}`,
  refresh: 'Oppdater',

  backToWorklist: 'Tilbake til arbeidslisten',
  identifier: 'Fødselsnummer',
  birthDate: 'Fødselsdato',
  episodesHeading: 'Oppfølgingsforløp',
  episodeStatus: 'Status',
  episodeRisk: 'Risikonivå',
  careTeam: 'Behandlingsteam',
  planVersion: 'Planversjon',
  episodeActive: 'Aktiv',
  episodePaused: 'Pause',
  episodeEnded: 'Avsluttet',
  riskMedium: 'Middels',
  riskHigh: 'Høy',
  dNumber: 'D-nummer',
  planApproved: 'Plan godkjent',

  alertsHeading: 'Varsler',
  alertsEmpty: 'Ingen åpne varsler.',
  resolvedAlertsHeading: 'Avsluttede varsler',
  alertStatus: 'Status',
  alertOpen: 'Åpen',
  alertAcknowledged: 'Kvittert',
  alertResolved: 'Avsluttet',
  alertRule: 'Regel',
  alertValues: 'Verdier',
  alertFirstAt: 'Første gang',
  alertLastAt: 'Siste gang',
  alertOccurrences: 'Antall ganger',
  alertAcknowledgedBy: 'Kvittert av',
  alertResolvedBy: 'Avsluttet av',
  alertTitle: (zone: string) => `Varsel – ${zone}`,
  acknowledge: 'Kvitter',
  resolve: 'Avslutt',
  ackDialogTitle: 'Kvitter varsel',
  resolveDialogTitle: 'Avslutt varsel',
  ackConfirm: 'Kvitter varsel',
  resolveConfirm: 'Avslutt varsel',
  saving: 'Lagrer …',
  contactType: 'Kontaktform',
  contactTypeChoose: 'Velg kontaktform',
  note: 'Notat',
  noteHint: 'Skriv kort hva som ble gjort og avtalt.',
  errContactTypeRequired: 'Velg kontaktform.',
  errNoteRequired: 'Skriv et notat.',
  ackDone: 'Varselet er kvittert.',
  resolveDone: 'Varselet er avsluttet.',

  clinicObservationsHeading: 'Målinger siste 14 dager',
  clinicObservationsCaption: 'Målinger de siste 14 dagene, nyeste først',
  clinicObservationsEmpty: 'Ingen målinger de siste 14 dagene.',
  notesHeading: 'Kontaktnotater',
  notesEmpty: 'Ingen kontaktnotater ennå.',
  newNote: 'Nytt kontaktnotat',
  saveNote: 'Lagre notat',
  noteSaved: 'Notatet er lagret.',
  noteAboutAlert: 'Gjelder varsel',
  clinicMessagesHeading: 'Meldinger med pasienten',
};

export type Catalogue = typeof nb;

const nn: Catalogue = {
  appName: 'Varde',
  skipToContent: 'Hopp til hovudinnhaldet',
  logout: 'Logg ut',
  language: 'Språk',
  languageChangeFailed: 'Kunne ikkje byte språk. Prøv igjen.',
  loading: 'Lastar …',
  retry: 'Prøv igjen',
  cancel: 'Avbryt',
  errorNetwork: 'Fekk ikkje kontakt med tenesta. Sjekk internettsambandet og prøv igjen.',
  errorForbidden: 'Du har ikkje tilgang til dette.',
  errorNotFound: 'Fann ikkje det du leitte etter.',
  errorGeneric: 'Noko gjekk gale. Prøv igjen seinare.',
  pageTitle: (page) => `${page} – Varde`,

  zoneGreen: 'Grøn',
  zoneYellow: 'Gul',
  zoneRed: 'Raud',
  zoneMissing: 'Manglar',
  zoneUnknown: 'Ikkje vurdert',

  justNow: 'no nettopp',
  minutesAgo: (n) => `for ${n} min sidan`,
  hoursAgo: (n) => `for ${n} ${plural(n, 'time', 'timar')} sidan`,
  daysAgo: (n) => `for ${n} ${plural(n, 'dag', 'dagar')} sidan`,
  atTime: (time) => `kl. ${time}`,

  colTime: 'Tidspunkt',
  colMeasure: 'Måling',
  colValue: 'Verdi',
  colZone: 'Sone',
  colWho: 'Kven',
  colOrganisation: 'Verksemd',
  colRole: 'Rolle',
  colAction: 'Kva',
  colData: 'Opplysningar',

  contactPhone: 'Telefon',
  contactVideo: 'Video',
  contactVisit: 'Heimebesøk',
  contactMessage: 'Melding',
  contactNone: 'Ingen kontakt',

  roleNurse: 'Sjukepleiar',
  roleGp: 'Fastlege',
  roleSpecialist: 'Spesialist',
  roleCoordinator: 'Koordinator',
  roleAdmin: 'Administrator',
  rolePatient: 'Pasient',
  roleSystem: 'System',

  actionRead: 'Las',
  actionCreate: 'Registrerte',
  actionUpdate: 'Endra',
  actionDelete: 'Sletta',
  actionEmergency: 'Naudtilgang',

  resourceObservation: 'Målingar',
  resourcePatient: 'Personopplysningar',
  resourceAlert: 'Varsel',
  resourceMessage: 'Meldingar',
  resourcePlan: 'Eigenbehandlingsplan',
  resourceNote: 'Kontaktnotat',
  resourceEpisode: 'Oppfølgingsforløp',
  resourceQuestionnaire: 'Spørjeskjema',
  resourceDevice: 'Utstyr',
  resourceAudit: 'Tilgangslogg',

  messagesEmpty: 'Ingen meldingar enno.',
  messageLabel: 'Ny melding',
  messageSend: 'Send melding',
  messageSending: 'Sender …',
  messageSent: 'Meldinga er send.',
  messageRequired: 'Skriv ei melding først.',
  messageFromYou: 'Du',
  messageListLabel: 'Meldingstråd',

  patientNav: 'Hovudmeny',
  navToday: 'I dag',
  navObservations: 'Mine målingar',
  navMessages: 'Meldingar',
  navAccess: 'Kven har sett dataa mine',
  wrongAppPersonnel: 'Du er logga inn som helsepersonell. Denne sida er for pasientar.',
  goToClinic: 'Gå til oppfølgingstenesta',
  wrongAppPatient: 'Du er logga inn som pasient. Denne sida er for helsepersonell.',
  goToPatient: 'Gå til pasientsida',

  todayHeading: 'I dag',
  todayListLabel: 'Oppgåvene i dag',
  todayEmpty: 'Du har ingen oppgåver i dag.',
  taskDone: 'Utført',
  taskNotDone: 'Ikkje utført enno',
  taskDueBy: (time) => `Innan kl. ${time}`,
  taskQuestionnaire: 'Spørjeskjema',
  lastValue: 'Siste måling',
  serviceClosed:
    'Oppfølgingstenesta er stengd no. Målingar og meldingar blir lesne når vi opnar igjen. Blir du verre, ring fastlegen eller legevakta på 116 117. Ved fare for liv: ring 113.',

  recordHeading: 'Registrer målingar',
  recordIntro: 'Skriv inn tala frå måleapparatet. Du kan bruke komma i desimaltal.',
  recordSubmit: 'Lagre målingane',
  recordSending: 'Lagrar …',
  recordNoTasks: 'Du har ingen målingar å registrere i dag.',
  recordOptional: 'Valfritt – allereie målt i dag',
  errEmpty: 'Skriv inn ein verdi.',
  errNotNumber: 'Skriv berre tal, til dømes 95 eller 37,5.',
  errNoneFilled: 'Skriv inn minst éi måling.',
  errFormSummary: 'Noko må rettast før målingane kan lagrast. Sjå felta som er merkte.',
  errNetworkSave:
    'Målingane vart ikkje sende fordi det ikkje var kontakt med nettet. Tala ligg framleis i skjemaet. Trykk «Lagre målingane» igjen når du har nett.',

  feedbackHeading: 'Målingane er lagra',
  feedbackResult: 'Resultat',
  feedbackSent: 'Dette lagra du',
  feedbackDone: 'Ferdig',

  observationsHeading: 'Mine målingar',
  observationsCaption: 'Målingar dei siste 30 dagane, nyaste først',
  observationsEmpty: 'Du har ingen målingar dei siste 30 dagane.',

  messagesHeading: 'Meldingar',
  messagesIntro:
    'Meldingar blir lesne av sjukepleiar på kvardagar på dagtid. Ikkje bruk meldingar når det hastar. Ved fare for liv: ring 113.',

  accessHeading: 'Kven har sett dataa mine',
  accessIntro: 'Her ser du kven som har lese eller endra opplysningane dine i Varde.',
  accessCaption: 'Tilgang til opplysningane dine, nyaste først',
  accessEmpty: 'Ingen har sett opplysningane dine enno.',

  clinicName: 'Varde – oppfølgingstenesta',
  clinicNav: 'Hovudmeny',
  navWorklist: 'Arbeidsliste',
  worklistHeading: 'Arbeidsliste',
  worklistCaption: 'Pasientar i oppfølging, mest alvorlege først',
  worklistEmpty: 'Ingen pasientar i arbeidslista.',
  colStatus: 'Status',
  colName: 'Namn',
  colBirthDate: 'Fødselsdato',
  colReason: 'Årsak',
  colSince: 'Sidan',
  colOpenAlerts: 'Opne varsel',
  colLatest: 'Siste målingar',
  announceRed: (name) => `Ny raud varsling: ${name}`,
  announceYellow: (name) => `Ny gul varsling: ${name}`,
  announceMissing: (name) => `Manglande måling: ${name}`,
  announceNewPatient: (name) => `Ny pasient i arbeidslista: ${name}`,
  liveOn: 'Direkteoppdatering er på',
  liveOff: 'Direkteoppdateringa er broten. Prøver å kople til igjen …',
  updatedAt: (time) => `Oppdatert kl. ${time}`,
  refresh: 'Oppdater',

  backToWorklist: 'Tilbake til arbeidslista',
  identifier: 'Fødselsnummer',
  birthDate: 'Fødselsdato',
  episodesHeading: 'Oppfølgingsforløp',
  episodeStatus: 'Status',
  episodeRisk: 'Risikonivå',
  careTeam: 'Behandlingsteam',
  planVersion: 'Planversjon',
  episodeActive: 'Aktiv',
  episodePaused: 'Pause',
  episodeEnded: 'Avslutta',
  riskMedium: 'Middels',
  riskHigh: 'Høg',
  dNumber: 'D-nummer',
  planApproved: 'Plan godkjend',

  alertsHeading: 'Varsel',
  alertsEmpty: 'Ingen opne varsel.',
  resolvedAlertsHeading: 'Avslutta varsel',
  alertStatus: 'Status',
  alertOpen: 'Open',
  alertAcknowledged: 'Kvittert',
  alertResolved: 'Avslutta',
  alertRule: 'Regel',
  alertValues: 'Verdiar',
  alertFirstAt: 'Første gong',
  alertLastAt: 'Siste gong',
  alertOccurrences: 'Tal på gonger',
  alertAcknowledgedBy: 'Kvittert av',
  alertResolvedBy: 'Avslutta av',
  alertTitle: (zone) => `Varsel – ${zone}`,
  acknowledge: 'Kvitter',
  resolve: 'Avslutt',
  ackDialogTitle: 'Kvitter varsel',
  resolveDialogTitle: 'Avslutt varsel',
  ackConfirm: 'Kvitter varsel',
  resolveConfirm: 'Avslutt varsel',
  saving: 'Lagrar …',
  contactType: 'Kontaktform',
  contactTypeChoose: 'Vel kontaktform',
  note: 'Notat',
  noteHint: 'Skriv kort kva som vart gjort og avtalt.',
  errContactTypeRequired: 'Vel kontaktform.',
  errNoteRequired: 'Skriv eit notat.',
  ackDone: 'Varselet er kvittert.',
  resolveDone: 'Varselet er avslutta.',

  clinicObservationsHeading: 'Målingar siste 14 dagar',
  clinicObservationsCaption: 'Målingar dei siste 14 dagane, nyaste først',
  clinicObservationsEmpty: 'Ingen målingar dei siste 14 dagane.',
  notesHeading: 'Kontaktnotat',
  notesEmpty: 'Ingen kontaktnotat enno.',
  newNote: 'Nytt kontaktnotat',
  saveNote: 'Lagre notat',
  noteSaved: 'Notatet er lagra.',
  noteAboutAlert: 'Gjeld varsel',
  clinicMessagesHeading: 'Meldingar med pasienten',
};

const en: Catalogue = {
  appName: 'Varde',
  skipToContent: 'Skip to main content',
  logout: 'Log out',
  language: 'Language',
  languageChangeFailed: 'Could not change the language. Please try again.',
  loading: 'Loading …',
  retry: 'Try again',
  cancel: 'Cancel',
  errorNetwork: 'Could not reach the service. Check your internet connection and try again.',
  errorForbidden: 'You do not have access to this.',
  errorNotFound: 'We could not find what you were looking for.',
  errorGeneric: 'Something went wrong. Please try again later.',
  pageTitle: (page) => `${page} – Varde`,

  zoneGreen: 'Green',
  zoneYellow: 'Yellow',
  zoneRed: 'Red',
  zoneMissing: 'Missing',
  zoneUnknown: 'Not assessed',

  justNow: 'just now',
  minutesAgo: (n) => `${n} min ago`,
  hoursAgo: (n) => `${n} ${plural(n, 'hour', 'hours')} ago`,
  daysAgo: (n) => `${n} ${plural(n, 'day', 'days')} ago`,
  atTime: (time) => `at ${time}`,

  colTime: 'Time',
  colMeasure: 'Measurement',
  colValue: 'Value',
  colZone: 'Zone',
  colWho: 'Who',
  colOrganisation: 'Organisation',
  colRole: 'Role',
  colAction: 'What',
  colData: 'Information',

  contactPhone: 'Phone',
  contactVideo: 'Video',
  contactVisit: 'Home visit',
  contactMessage: 'Message',
  contactNone: 'No contact',

  roleNurse: 'Nurse',
  roleGp: 'GP',
  roleSpecialist: 'Specialist',
  roleCoordinator: 'Coordinator',
  roleAdmin: 'Administrator',
  rolePatient: 'Patient',
  roleSystem: 'System',

  actionRead: 'Read',
  actionCreate: 'Recorded',
  actionUpdate: 'Changed',
  actionDelete: 'Deleted',
  actionEmergency: 'Emergency access',

  resourceObservation: 'Measurements',
  resourcePatient: 'Personal details',
  resourceAlert: 'Alerts',
  resourceMessage: 'Messages',
  resourcePlan: 'Self-management plan',
  resourceNote: 'Contact notes',
  resourceEpisode: 'Follow-up episode',
  resourceQuestionnaire: 'Questionnaire',
  resourceDevice: 'Equipment',
  resourceAudit: 'Access log',

  messagesEmpty: 'No messages yet.',
  messageLabel: 'New message',
  messageSend: 'Send message',
  messageSending: 'Sending …',
  messageSent: 'Your message has been sent.',
  messageRequired: 'Write a message first.',
  messageFromYou: 'You',
  messageListLabel: 'Message thread',

  patientNav: 'Main menu',
  navToday: 'Today',
  navObservations: 'My measurements',
  navMessages: 'Messages',
  navAccess: 'Who has seen my data',
  wrongAppPersonnel: 'You are logged in as health personnel. This page is for patients.',
  goToClinic: 'Go to the follow-up service',
  wrongAppPatient: 'You are logged in as a patient. This page is for health personnel.',
  goToPatient: 'Go to the patient page',

  todayHeading: 'Today',
  todayListLabel: "Today's tasks",
  todayEmpty: 'You have no tasks today.',
  taskDone: 'Done',
  taskNotDone: 'Not done yet',
  taskDueBy: (time) => `By ${time}`,
  taskQuestionnaire: 'Questionnaire',
  lastValue: 'Last measurement',
  serviceClosed:
    'The follow-up service is closed now. Measurements and messages will be read when we open again. If you get worse, call your GP or the out-of-hours service (legevakt) on 116 117. If life is in danger: call 113.',

  recordHeading: 'Record measurements',
  recordIntro: 'Type the numbers from the measuring device. You can use a comma or a point for decimals.',
  recordSubmit: 'Save measurements',
  recordSending: 'Saving …',
  recordNoTasks: 'You have no measurements to record today.',
  recordOptional: 'Optional – already measured today',
  errEmpty: 'Enter a value.',
  errNotNumber: 'Use numbers only, for example 95 or 37.5.',
  errNoneFilled: 'Enter at least one measurement.',
  errFormSummary: 'Something needs fixing before the measurements can be saved. See the marked fields.',
  errNetworkSave:
    'The measurements were not sent because there was no internet connection. The numbers are still in the form. Press “Save measurements” again when you are online.',

  feedbackHeading: 'Your measurements are saved',
  feedbackResult: 'Result',
  feedbackSent: 'What you saved',
  feedbackDone: 'Done',

  observationsHeading: 'My measurements',
  observationsCaption: 'Measurements from the last 30 days, newest first',
  observationsEmpty: 'You have no measurements from the last 30 days.',

  messagesHeading: 'Messages',
  messagesIntro:
    'Messages are read by a nurse on weekdays during the day. Do not use messages when it is urgent. If life is in danger: call 113.',

  accessHeading: 'Who has seen my data',
  accessIntro: 'Here you can see who has read or changed your information in Varde.',
  accessCaption: 'Access to your information, newest first',
  accessEmpty: 'Nobody has looked at your information yet.',

  clinicName: 'Varde – follow-up service',
  clinicNav: 'Main menu',
  navWorklist: 'Worklist',
  worklistHeading: 'Worklist',
  worklistCaption: 'Patients in follow-up, most urgent first',
  worklistEmpty: 'No patients in the worklist.',
  colStatus: 'Status',
  colName: 'Name',
  colBirthDate: 'Date of birth',
  colReason: 'Reason',
  colSince: 'Since',
  colOpenAlerts: 'Open alerts',
  colLatest: 'Latest measurements',
  announceRed: (name) => `New red alert: ${name}`,
  announceYellow: (name) => `New yellow alert: ${name}`,
  announceMissing: (name) => `Missing measurement: ${name}`,
  announceNewPatient: (name) => `New patient in the worklist: ${name}`,
  liveOn: 'Live updates are on',
  liveOff: 'Live updates are interrupted. Trying to reconnect …',
  updatedAt: (time) => `Updated at ${time}`,
  refresh: 'Refresh',

  backToWorklist: 'Back to the worklist',
  identifier: 'National ID number',
  birthDate: 'Date of birth',
  episodesHeading: 'Follow-up episodes',
  episodeStatus: 'Status',
  episodeRisk: 'Risk level',
  careTeam: 'Care team',
  planVersion: 'Plan version',
  episodeActive: 'Active',
  episodePaused: 'Paused',
  episodeEnded: 'Ended',
  riskMedium: 'Medium',
  riskHigh: 'High',
  dNumber: 'D number',
  planApproved: 'Plan approved',

  alertsHeading: 'Alerts',
  alertsEmpty: 'No open alerts.',
  resolvedAlertsHeading: 'Resolved alerts',
  alertStatus: 'Status',
  alertOpen: 'Open',
  alertAcknowledged: 'Acknowledged',
  alertResolved: 'Resolved',
  alertRule: 'Rule',
  alertValues: 'Values',
  alertFirstAt: 'First',
  alertLastAt: 'Latest',
  alertOccurrences: 'Occurrences',
  alertAcknowledgedBy: 'Acknowledged by',
  alertResolvedBy: 'Resolved by',
  alertTitle: (zone) => `Alert – ${zone}`,
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  ackDialogTitle: 'Acknowledge alert',
  resolveDialogTitle: 'Resolve alert',
  ackConfirm: 'Acknowledge alert',
  resolveConfirm: 'Resolve alert',
  saving: 'Saving …',
  contactType: 'Type of contact',
  contactTypeChoose: 'Choose type of contact',
  note: 'Note',
  noteHint: 'Briefly describe what was done and agreed.',
  errContactTypeRequired: 'Choose the type of contact.',
  errNoteRequired: 'Write a note.',
  ackDone: 'The alert is acknowledged.',
  resolveDone: 'The alert is resolved.',

  clinicObservationsHeading: 'Measurements, last 14 days',
  clinicObservationsCaption: 'Measurements from the last 14 days, newest first',
  clinicObservationsEmpty: 'No measurements in the last 14 days.',
  notesHeading: 'Contact notes',
  notesEmpty: 'No contact notes yet.',
  newNote: 'New contact note',
  saveNote: 'Save note',
  noteSaved: 'The note is saved.',
  noteAboutAlert: 'About alert',
  clinicMessagesHeading: 'Messages with the patient',
};

/** Keys whose entries are plain strings (not formatting functions). */
export type TextKey = { [K in keyof Catalogue]: Catalogue[K] extends string ? K : never }[keyof Catalogue];

/**
 * A message kept in state: either a catalogue key (re-translated when the user switches
 * language) or text from the server, shown as it came.
 */
export type Text = { key: TextKey } | { raw: string };
export const msg = (key: TextKey): Text => ({ key });
export const raw = (text: string): Text => ({ raw: text });
export function textOf(text: Text, t: Catalogue): string {
  return 'key' in text ? t[text.key] : text.raw;
}

export const CATALOGUES: Readonly<Record<Lang, Catalogue>> = { nb, nn, en };

export interface I18nValue {
  lang: Lang;
  t: Catalogue;
}

export const I18nContext = createContext<I18nValue>({ lang: 'nb', t: nb });

export function useI18n(): I18nValue {
  return useContext(I18nContext);
}

export function i18nFor(lang: Lang): I18nValue {
  return { lang, t: CATALOGUES[lang] };
}

/** Picks the UI language from a plan text, falling back to bokmål when a translation is missing. */
export function localized(text: Partial<Record<Lang, string>> | string | null | undefined, lang: Lang): string {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  return text[lang] ?? text.nb ?? text.en ?? text.nn ?? '';
}

/** Reflects the language on <html> so screen readers pronounce the page correctly. */
export function applyDocumentLang(lang: Lang): void {
  document.documentElement.lang = lang;
}
