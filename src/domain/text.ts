import { z } from 'zod';

/** Bokmål, nynorsk and English: the two official written forms of Norwegian plus English. */
export type Lang = 'nb' | 'nn' | 'en';

export const LANGS: readonly Lang[] = ['nb', 'nn', 'en'];

/** A user-facing text in every supported language; nothing may be left untranslated. */
export type LocalText = { nb: string; nn: string; en: string };

export const LocalTextSchema = z.object({
  nb: z.string().trim().min(1, 'bokmål text is required'),
  nn: z.string().trim().min(1, 'nynorsk text is required'),
  en: z.string().trim().min(1, 'English text is required'),
});

/**
 * Picks the text for a language.
 * @param text the translations
 * @param lang the reader's language
 * @returns the text in that language
 */
export function t(text: LocalText, lang: Lang): string {
  return text[lang];
}

/**
 * Builds a LocalText by running one template per language — keeps the three
 * variants side by side so a missing translation is a compile error.
 * @param f function returning the text for a language
 */
export function localise(f: (lang: Lang) => string): LocalText {
  return { nb: f('nb'), nn: f('nn'), en: f('en') };
}

/**
 * Formats a number with a fixed number of decimals and the language's decimal
 * separator. Written by hand instead of Intl.NumberFormat so that nurse-facing
 * summaries are byte-for-byte stable across ICU versions (they are stored in alerts).
 * @param value the number
 * @param decimals digits after the separator
 * @param lang 'nb'/'nn' use a decimal comma, 'en' a point
 */
export function formatNumber(value: number, decimals: number, lang: Lang): string {
  const s = value.toFixed(decimals);
  return lang === 'en' ? s : s.replace('.', ',');
}
