import { closesAt, describeOpening, isOpen, nextOpening, type OpeningHours } from '../../domain/opening-hours.js';
import { type Lang, type LocalText, t } from '../../domain/text.js';
import { toLocal } from '../../domain/time.js';

/**
 * Less time than this before closing and a reply today is not likely: the patient is also told
 * when the service opens next. A service-design choice (one nurse, ~80 patients), not a clinical rule.
 */
export const LATE_IN_THE_DAY_MINUTES = 60;

export interface ReplyExpectation {
  serviceOpen: boolean;
  /** When the current opening interval ends (open now only). */
  closesAt: string | null;
  /** When the service next opens after now (closed) or after closing (open). */
  nextOpening: string | null;
  /** One line for the patient, in their language. */
  text: string;
}

const OPEN: LocalText = {
  nb: 'Sykepleieren svarer vanligvis innen kl. {close} i dag.',
  nn: 'Sjukepleiaren svarar vanlegvis innan kl. {close} i dag.',
  en: 'A nurse usually answers by {close} today.',
};
// Open past midnight: the closing time is named with its day.
const OPEN_OVERNIGHT: LocalText = {
  nb: 'Sykepleieren svarer vanligvis før tjenesten stenger {when}.',
  nn: 'Sjukepleiaren svarar vanlegvis før tenesta stengjer {when}.',
  en: 'A nurse usually answers before the service closes {when}.',
};
const OPEN_LATE: LocalText = {
  nb: 'Oppfølgingstjenesten stenger kl. {close}. Rekker ikke sykepleieren å svare i dag, får du svar {when}.',
  nn: 'Oppfølgingstenesta stengjer kl. {close}. Rekk ikkje sjukepleiaren å svare i dag, får du svar {when}.',
  en: 'The follow-up service closes at {close}. If a nurse cannot answer today, you will get an answer {when}.',
};
const CLOSED: LocalText = {
  nb: 'Oppfølgingstjenesten er stengt nå. Sykepleieren svarer vanligvis når tjenesten åpner igjen {when}.',
  nn: 'Oppfølgingstenesta er stengd no. Sjukepleiaren svarar vanlegvis når tenesta opnar igjen {when}.',
  en: 'The follow-up service is closed now. A nurse usually answers when it opens again {when}.',
};
const CLOSED_UNKNOWN: LocalText = {
  nb: 'Oppfølgingstjenesten er stengt nå, og vi vet ikke når den åpner igjen. Ring tjenesten hvis du trenger svar.',
  nn: 'Oppfølgingstenesta er stengd no, og vi veit ikkje når ho opnar igjen. Ring tenesta om du treng svar.',
  en: 'The follow-up service is closed now and we do not know when it opens again. Call the service if you need an answer.',
};
// A service open around the clock (or for weeks on end) has no closing time to name.
const ALWAYS_OPEN: LocalText = {
  nb: 'Sykepleieren svarer vanligvis i løpet av noen timer.',
  nn: 'Sjukepleiaren svarar vanlegvis i løpet av nokre timar.',
  en: 'A nurse usually answers within a few hours.',
};

const hhmm = (d: Date, tz: string): string => {
  const l = toLocal(d, tz);
  return `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
};

/**
 * When the patient can expect an answer to a message, from the follow-up service's opening
 * hours (its own hours, closed days and public holidays): "innen kl. 15:30 i dag" while open,
 * "når tjenesten åpner igjen i morgen kl. 08:00" while closed.
 * @param hours the follow-up service's opening hours
 * @param now the current instant
 * @param lang the patient's language
 */
export function replyExpectation(hours: OpeningHours, now: Date, lang: Lang): ReplyExpectation {
  const tz = hours.timeZone;
  if (isOpen(hours, now)) {
    const close = closesAt(hours, now);
    if (!close) return { serviceOpen: true, closesAt: null, nextOpening: null, text: t(ALWAYS_OPEN, lang) };
    const next = nextOpening(hours, close);
    const late = close.getTime() - now.getTime() < LATE_IN_THE_DAY_MINUTES * 60_000;
    const text =
      late && next
        ? t(OPEN_LATE, lang).replace('{close}', hhmm(close, tz)).replace('{when}', describeOpening(next, now, tz, lang))
        : toLocal(close, tz).date === toLocal(now, tz).date
          ? t(OPEN, lang).replace('{close}', hhmm(close, tz))
          : t(OPEN_OVERNIGHT, lang).replace('{when}', describeOpening(close, now, tz, lang));
    return { serviceOpen: true, closesAt: close.toISOString(), nextOpening: next?.toISOString() ?? null, text };
  }
  const next = nextOpening(hours, now);
  if (!next) return { serviceOpen: false, closesAt: null, nextOpening: null, text: t(CLOSED_UNKNOWN, lang) };
  return { serviceOpen: false, closesAt: null, nextOpening: next.toISOString(), text: t(CLOSED, lang).replace('{when}', describeOpening(next, now, tz, lang)) };
}
