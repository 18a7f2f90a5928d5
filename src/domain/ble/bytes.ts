import { decodeFloat, decodeSfloat, encodeFloat, encodeSfloat, type MedicalFloat } from './ieee11073.js';

/*
 * Little-endian byte reading and writing for GATT characteristic values (all multi-octet fields of
 * the Bluetooth SIG health profiles are little-endian). A read past the end throws ShortValue,
 * which the parse functions turn into a Result error: domain code does not throw at its callers
 * for bad device data.
 */

/** Thrown inside the parsers when a field runs past the end of the value; never escapes a parse function. */
export class ShortValue extends Error {
  constructor(readonly field: string, readonly needed: number, readonly length: number) {
    super(`${field} needs ${needed} bytes, the value has ${length}`);
  }
}

/** Sequential reader over one characteristic value. */
export class Reader {
  private pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private take(n: number, field: string): number {
    if (this.pos + n > this.bytes.length) throw new ShortValue(field, this.pos + n, this.bytes.length);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(field: string): number {
    return this.bytes[this.take(1, field)]!;
  }
  u16(field: string): number {
    const i = this.take(2, field);
    return this.bytes[i]! | (this.bytes[i + 1]! << 8);
  }
  s16(field: string): number {
    const v = this.u16(field);
    return v >= 0x8000 ? v - 0x10000 : v;
  }
  u24(field: string): number {
    const i = this.take(3, field);
    return this.bytes[i]! | (this.bytes[i + 1]! << 8) | (this.bytes[i + 2]! << 16);
  }
  u32(field: string): number {
    const i = this.take(4, field);
    return (this.bytes[i]! | (this.bytes[i + 1]! << 8) | (this.bytes[i + 2]! << 16) | (this.bytes[i + 3]! << 24)) >>> 0;
  }
  sfloat(field: string): MedicalFloat {
    return decodeSfloat(this.u16(field));
  }
  float(field: string): MedicalFloat {
    return decodeFloat(this.u32(field));
  }
  dateTime(field: string): BleDateTime {
    return {
      year: this.u16(`${field}.year`), month: this.u8(`${field}.month`), day: this.u8(`${field}.day`),
      hours: this.u8(`${field}.hours`), minutes: this.u8(`${field}.minutes`), seconds: this.u8(`${field}.seconds`),
    };
  }
}

/** Growing little-endian writer (encoders: tests and the simulated peripheral). */
export class Writer {
  private readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  s16(v: number): this {
    return this.u16(v < 0 ? v + 0x10000 : v);
  }
  u24(v: number): this {
    return this.u8(v).u8(v >>> 8).u8(v >>> 16);
  }
  u32(v: number): this {
    return this.u8(v).u8(v >>> 8).u8(v >>> 16).u8(v >>> 24);
  }
  sfloat(f: MedicalFloat): this {
    return this.u16(encodeSfloat(f));
  }
  float(f: MedicalFloat): this {
    return this.u32(encodeFloat(f));
  }
  dateTime(d: BleDateTime): this {
    return this.u16(d.year).u8(d.month).u8(d.day).u8(d.hours).u8(d.minutes).u8(d.seconds);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/**
 * Date Time (0x2A08): the device's wall clock, with no time zone. Year 0, month 0 and day 0 mean
 * "not known" (GSS: Date Time); such a stamp cannot be placed in time.
 */
export interface BleDateTime {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** True when year, month and day are all known and every field is in range. */
export function isCompleteDateTime(d: BleDateTime): boolean {
  return d.year >= 1582 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31
    && d.hours <= 23 && d.minutes <= 59 && d.seconds <= 59;
}

/** 'YYYY-MM-DDTHH:MM:SS' (no zone), or null when the stamp is incomplete. */
export function dateTimeText(d: BleDateTime): string | null {
  if (!isCompleteDateTime(d)) return null;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.year, 4)}-${p(d.month)}-${p(d.day)}T${p(d.hours)}:${p(d.minutes)}:${p(d.seconds)}`;
}

/** Adds minutes to a wall-clock time (calendar arithmetic, no zone): the glucose time offset. */
export function addMinutes(d: BleDateTime, minutes: number): BleDateTime {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day, d.hours, d.minutes + minutes, d.seconds));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), hours: t.getUTCHours(), minutes: t.getUTCMinutes(), seconds: t.getUTCSeconds() };
}

/** Hex dump ("1e 8a 00") for messages and test names. */
export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Parses "1e 8a 00" / "1E8A00" into bytes (test vectors). */
export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/[\s,:]|0x/gi, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new RangeError(`not hex: ${s}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}
