/*
 * IEEE 11073-20601 medical floats as used by the Bluetooth SIG health profiles.
 *
 * SFLOAT (16 bit): 4-bit signed exponent, 12-bit signed mantissa; FLOAT (32 bit): 8-bit signed
 * exponent, 24-bit signed mantissa; value = mantissa × 10^exponent. Both are DECIMAL floats, so a
 * value is kept as its mantissa and exponent: 36.7 °C arrives as 367 × 10⁻¹ and must stay 36.7,
 * which binary float arithmetic (367 × 0.1 = 36.7000000000000028…) would not guarantee.
 *
 * Special values (IEEE 11073-20601 §F.8, exponent 0): NaN (not a number), NRes (not at this
 * resolution), +INFINITY, -INFINITY and one reserved code. A mantissa in the special range with a
 * non-zero exponent is not defined by the standard and is reported as 'reserved' too.
 */

export type MedicalFloatSpecial = 'nan' | 'nres' | '+infinity' | '-infinity' | 'reserved';

/** A decoded medical float: an exact decimal, or one of the special values. */
export type MedicalFloat =
  | { kind: 'number'; mantissa: number; exponent: number }
  | { kind: MedicalFloatSpecial };

interface Layout {
  bits: 16 | 32;
  mantissaBits: number;
  exponentBits: number;
  specials: Record<MedicalFloatSpecial, number>;
}

const SFLOAT: Layout = {
  bits: 16, mantissaBits: 12, exponentBits: 4,
  specials: { nan: 0x07ff, nres: 0x0800, '+infinity': 0x07fe, '-infinity': 0x0802, reserved: 0x0801 },
};
const FLOAT: Layout = {
  bits: 32, mantissaBits: 24, exponentBits: 8,
  specials: { nan: 0x7fffff, nres: 0x800000, '+infinity': 0x7ffffe, '-infinity': 0x800002, reserved: 0x800001 },
};

/** Largest mantissa magnitude that is a number and not a special code (SFLOAT ±2045, FLOAT ±8388605). */
export const SFLOAT_MAX_MANTISSA = 2045;
export const FLOAT_MAX_MANTISSA = 8_388_605;
export const SFLOAT_EXPONENT = { min: -8, max: 7 } as const;
export const FLOAT_EXPONENT = { min: -128, max: 127 } as const;

function signed(raw: number, bits: number): number {
  const top = 2 ** (bits - 1);
  return raw >= top ? raw - 2 ** bits : raw;
}

function decode(raw: number, l: Layout): MedicalFloat {
  const mantissaRaw = raw % 2 ** l.mantissaBits;
  const exponentRaw = Math.floor(raw / 2 ** l.mantissaBits);
  for (const [k, v] of Object.entries(l.specials) as [MedicalFloatSpecial, number][]) {
    if (mantissaRaw === v) return { kind: exponentRaw === 0 ? k : 'reserved' };
  }
  return { kind: 'number', mantissa: signed(mantissaRaw, l.mantissaBits), exponent: signed(exponentRaw, l.exponentBits) };
}

function encode(f: MedicalFloat, l: Layout): number {
  if (f.kind !== 'number') return l.specials[f.kind];
  const maxM = l.bits === 16 ? SFLOAT_MAX_MANTISSA : FLOAT_MAX_MANTISSA;
  const e = l.bits === 16 ? SFLOAT_EXPONENT : FLOAT_EXPONENT;
  if (!Number.isInteger(f.mantissa) || Math.abs(f.mantissa) > maxM) throw new RangeError(`mantissa ${f.mantissa} does not fit a ${l.bits}-bit medical float`);
  if (!Number.isInteger(f.exponent) || f.exponent < e.min || f.exponent > e.max) throw new RangeError(`exponent ${f.exponent} does not fit a ${l.bits}-bit medical float`);
  const m = f.mantissa < 0 ? f.mantissa + 2 ** l.mantissaBits : f.mantissa;
  const x = f.exponent < 0 ? f.exponent + 2 ** l.exponentBits : f.exponent;
  return x * 2 ** l.mantissaBits + m;
}

/** Decodes a 16-bit SFLOAT (the raw little-endian uint16). */
export function decodeSfloat(raw: number): MedicalFloat {
  return decode(raw & 0xffff, SFLOAT);
}

/** Decodes a 32-bit FLOAT (the raw little-endian uint32). */
export function decodeFloat(raw: number): MedicalFloat {
  return decode(raw >>> 0, FLOAT);
}

/**
 * Encodes an SFLOAT to its raw uint16.
 * @throws RangeError when the mantissa or exponent does not fit (encoders are for tests and the simulated peripheral)
 */
export function encodeSfloat(f: MedicalFloat): number {
  return encode(f, SFLOAT);
}

/** Encodes a FLOAT to its raw uint32. @throws RangeError when it does not fit */
export function encodeFloat(f: MedicalFloat): number {
  return encode(f, FLOAT);
}

/**
 * The number a medical float stands for: integers stay integers, and m × 10^-k is computed as the
 * correctly rounded quotient m / 10^k, so 367 × 10⁻¹ gives exactly the double closest to 36.7.
 * Special values give NaN or ±Infinity (NRes and reserved give NaN).
 */
export function medicalFloatValue(f: MedicalFloat): number {
  switch (f.kind) {
    case 'number':
      return scaleDecimal(f.mantissa, f.exponent);
    case '+infinity':
      return Infinity;
    case '-infinity':
      return -Infinity;
    default:
      return NaN;
  }
}

/** m × 10^e with one correctly rounded operation (10^k is exact in binary64 for k ≤ 22). */
export function scaleDecimal(mantissa: number, exponent: number): number {
  if (exponent >= 0) return mantissa * 10 ** exponent;
  if (-exponent <= 22) return mantissa / 10 ** -exponent;
  return Number(`${mantissa}e${exponent}`);
}

/** The exact decimal text of a medical float ("36.7", "-0.05", "1200"), or the special value's name. */
export function medicalFloatText(f: MedicalFloat): string {
  if (f.kind !== 'number') return f.kind.toUpperCase();
  const neg = f.mantissa < 0;
  const digits = String(Math.abs(f.mantissa));
  let s: string;
  if (f.exponent >= 0) s = f.mantissa === 0 ? '0' : digits + '0'.repeat(f.exponent);
  else {
    const k = -f.exponent;
    const padded = digits.padStart(k + 1, '0');
    s = `${padded.slice(0, padded.length - k)}.${padded.slice(padded.length - k)}`.replace(/\.?0+$/, '');
  }
  return neg && s !== '0' ? `-${s}` : s;
}

/** A medical float for a number given as mantissa and exponent (shorthand for tests and encoders). */
export function mf(mantissa: number, exponent = 0): MedicalFloat {
  return { kind: 'number', mantissa, exponent };
}
