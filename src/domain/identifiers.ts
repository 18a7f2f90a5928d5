import { type Result, ok, err } from './result.js';
import { formatDate, parseDate } from './time.js';

/*
 * Norwegian person identifiers (Folkeregisteret): fødselsnummer and D-nummer,
 * 11 digits DDMMYY III CC. Rules from Skatteetaten's description of the
 * fødselsnummer and the NHN/Skatteetaten synthetic test numbers (month + 80).
 */

/** FHIR identifier system for fødselsnummer. */
export const FNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
/** FHIR identifier system for D-nummer. */
export const DNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.2';

// Mod-11 weights for the two control digits (Skatteetaten).
const WEIGHTS_K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const WEIGHTS_K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;
// D-numbers add 4 to the first digit of the day.
const DNR_DAY_OFFSET = 40;
// Synthetic test identities (Skatteetaten's test environment, used by NHN/HelseID test) add 8 to the first month digit.
const SYNTHETIC_MONTH_OFFSET = 80;

export interface NorwegianId {
  kind: 'fnr' | 'dnr';
  value: string;
  /** 'YYYY-MM-DD' */
  birthDate: string;
  synthetic: boolean;
  sex: 'male' | 'female';
}

/**
 * One mod-11 control digit, or null when the remainder makes the number impossible
 * (control digit would be 10).
 */
function controlDigit(digits: readonly number[], weights: readonly number[]): number | null {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits[i] ?? 0) * (weights[i] ?? 0);
  const k = 11 - (sum % 11);
  if (k === 11) return 0;
  if (k === 10) return null;
  return k;
}

/**
 * The two control digits for the first nine digits, or null if no valid number
 * exists with this date and individual number.
 */
export function controlDigits(nineDigits: string): [number, number] | null {
  const d = [...nineDigits].map(Number);
  const k1 = controlDigit(d, WEIGHTS_K1);
  if (k1 === null) return null;
  const k2 = controlDigit([...d, k1], WEIGHTS_K2);
  if (k2 === null) return null;
  return [k1, k2];
}

/**
 * Birth year from the two-digit year and the individual number (Skatteetaten):
 * 000–499 → 1900–1999; 500–749 with year 54–99 → 1854–1899; 500–999 with year
 * 00–39 → 2000–2039; 900–999 with year 40–99 → 1940–1999. Other combinations are
 * not issued.
 */
export function centuryYear(yy: number, individual: number): number | null {
  if (individual >= 0 && individual <= 499) return 1900 + yy;
  if (individual >= 500 && individual <= 749 && yy >= 54) return 1800 + yy;
  if (individual >= 500 && individual <= 999 && yy <= 39) return 2000 + yy;
  if (individual >= 900 && individual <= 999 && yy >= 40) return 1900 + yy;
  return null;
}

/** Individual-number range for a birth year, per the century rules. */
function individualRange(year: number): [number, number] | null {
  if (year >= 1854 && year <= 1899) return [500, 749];
  if (year >= 1900 && year <= 1999) return [0, 499];
  if (year >= 2000 && year <= 2039) return [500, 999];
  return null;
}

/**
 * Parses and validates a fødselsnummer or D-nummer (spaces allowed, e.g. "010190 12345").
 * Checks both mod-11 control digits, the century rules and that the birth date
 * exists. Synthetic test numbers (month + 80) are accepted and flagged; H-numbers
 * and other month offsets are rejected.
 * @param s the identifier as typed or received
 * @returns kind, normalised value, birth date, synthetic flag and legal sex
 *   (odd 9th digit = male), or an error: 'invalid_format', 'invalid_checksum',
 *   'invalid_date' or 'invalid_individual_number'
 */
export function parseNorwegianId(s: string): Result<NorwegianId> {
  const value = s.replace(/\s+/g, '');
  if (!/^\d{11}$/.test(value)) return err('invalid_format', 'A Norwegian national identity number must be exactly 11 digits', 'identifier');
  const cd = controlDigits(value.slice(0, 9));
  if (cd === null || `${cd[0]}${cd[1]}` !== value.slice(9)) {
    return err('invalid_checksum', 'The control digits of the national identity number do not match; check for a typing error', 'identifier');
  }
  let day = Number(value.slice(0, 2));
  let month = Number(value.slice(2, 4));
  const yy = Number(value.slice(4, 6));
  const individual = Number(value.slice(6, 9));
  let kind: 'fnr' | 'dnr' = 'fnr';
  if (day > DNR_DAY_OFFSET) {
    kind = 'dnr';
    day -= DNR_DAY_OFFSET;
  }
  let synthetic = false;
  if (month > SYNTHETIC_MONTH_OFFSET) {
    synthetic = true;
    month -= SYNTHETIC_MONTH_OFFSET;
  }
  const year = centuryYear(yy, individual);
  if (year === null) {
    return err('invalid_individual_number', `Individual number ${value.slice(6, 9)} is not issued for birth year ..${value.slice(4, 6)}`, 'identifier');
  }
  const birthDate = formatDate(year, month, day);
  if (month < 1 || month > 12 || day < 1 || day > 31 || parseDate(birthDate) === null) {
    return err('invalid_date', `The national identity number does not contain a valid birth date (${birthDate})`, 'identifier');
  }
  const sex = Number(value[8]) % 2 === 1 ? 'male' : 'female';
  return ok({ kind, value, birthDate, synthetic, sex });
}

/**
 * A valid synthetic fødselsnummer (month + 80) for demo and test data, so demo data
 * can never collide with a real person. Starts at `individual` (shifted by a random
 * offset when `rng` is given, for varied but reproducible data) and walks through the
 * individual numbers allowed for the birth year until both control digits are valid.
 * @param birthDate 'YYYY-MM-DD', year 1854–2039
 * @param individual preferred individual number; its parity picks the sex (odd = male)
 * @param rng optional source of numbers in [0, 1) such as a seeded PRNG
 * @throws RangeError for an invalid date or a year outside 1854–2039 (programming error, not user input)
 */
export function syntheticFnr(birthDate: string, individual = 0, rng?: () => number): string {
  const date = parseDate(birthDate);
  if (date === null) throw new RangeError(`Invalid birth date "${birthDate}", expected YYYY-MM-DD`);
  const range = individualRange(date.year);
  if (range === null) throw new RangeError(`Birth year ${date.year} cannot be encoded in a fødselsnummer (1854–2039)`);
  const [lo, hi] = range;
  const size = hi - lo + 1;
  // Even offsets only, so the random shift never changes the sex chosen through `individual`.
  const offset = rng === undefined ? 0 : 2 * Math.floor((rng() * size) / 2);
  const start = (((Math.trunc(individual) + offset - lo) % size) + size) % size;
  const prefix = `${String(date.day).padStart(2, '0')}${String(date.month + SYNTHETIC_MONTH_OFFSET)}${String(date.year % 100).padStart(2, '0')}`;
  // Step by 2 first to keep the requested sex, then fall back to every number.
  for (const step of [2, 1]) {
    for (let i = 0; i < size; i += step) {
      const ind = lo + ((start + i) % size);
      const nine = `${prefix}${String(ind).padStart(3, '0')}`;
      const cd = controlDigits(nine);
      if (cd !== null) return `${nine}${cd[0]}${cd[1]}`;
    }
  }
  throw new RangeError(`No valid synthetic number exists for ${birthDate}`);
}
