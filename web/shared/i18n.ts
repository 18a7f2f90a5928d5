import { createContext } from 'preact';
import { translateServerMessage } from './serverErrors.js';
import { useContext } from 'preact/hooks';
import * as common from './i18n/common.js';
import * as errors from './i18n/errors.js';
import * as messages from './i18n/messages.js';
import * as clinic from './i18n/clinic.js';
import * as patient from './i18n/patient.js';
import * as pathway from './i18n/pathway.js';
import * as plan from './i18n/plan.js';
import * as admin from './i18n/admin.js';
import * as devices from './i18n/devices.js';
import * as patientDevices from './i18n/patient-devices.js';

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

// The catalogue is split by area (web/shared/i18n/*.ts); each area types its nn and en by its nb,
// and i18n-catalogue.test.ts checks that no key is defined in two areas.
const nb = { ...common.nb, ...errors.nb, ...messages.nb, ...clinic.nb, ...patient.nb, ...pathway.nb, ...plan.nb, ...admin.nb, ...devices.nb, ...patientDevices.nb };
export type Catalogue = typeof nb;
const nn: Catalogue = { ...common.nn, ...errors.nn, ...messages.nn, ...clinic.nn, ...patient.nn, ...pathway.nn, ...plan.nn, ...admin.nn, ...devices.nn, ...patientDevices.nn };
const en: Catalogue = { ...common.en, ...errors.en, ...messages.en, ...clinic.en, ...patient.en, ...pathway.en, ...plan.en, ...admin.en, ...devices.en, ...patientDevices.en };
/** The areas in the order they are merged, for the duplicate-key check. */
export const CATALOGUE_AREAS = { 'common': common, 'errors': errors, 'messages': messages, 'clinic': clinic, 'patient': patient, 'pathway': pathway, 'plan': plan, 'admin': admin, 'devices': devices, 'patient-devices': patientDevices } as const;


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
  // Server messages are English: shown in the page's language (web/shared/serverErrors.ts).
  return 'key' in text ? t[text.key] : translateServerMessage(text.raw, t === en ? 'en' : t === nn ? 'nn' : 'nb');
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
