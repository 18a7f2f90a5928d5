import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids, filled 256 ids at a time from the CSPRNG (one call per 256 ids instead of
 * one per id). Each id takes 16 bytes of it and overwrites the first 6 with its time.
 */
const POOL = Buffer.alloc(16 * 256);
let used = POOL.length;
/** Two hex digits (as latin1 codes) per byte value. */
const HEX = Buffer.from(Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).join(''), 'latin1');
/** Where each of the 16 bytes goes in the 36 characters of the text form. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
/**
 * The text form is written here and read out as one latin1 string: a template literal of 21 parts
 * left a rope of ~20 intermediate strings per id to flatten and collect (3 % of everything a batched
 * upload allocated, bench/README.md round 20).
 */
const TEXT = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

/**
 * A UUID of version 7 (RFC 9562 §5.7): the Unix time in milliseconds in the first 48 bits, then
 * 74 random bits. Rows of the busiest tables (observations, their FHIR copies, alerts) get such ids
 * because their primary-key index then grows at its right end: a random (version 4) id puts each
 * new row on a random leaf page of the whole index, which is one more page to find, dirty and,
 * after each checkpoint, write in full to the WAL — per reading, at any size of the table.
 * Unguessable as before for all practical purposes (74 random bits); the id tells when the row was
 * made, which the row itself says anyway (received_at, created_at).
 */
export function uuid7(nowMs: number = Date.now()): string {
  if (used === POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const b = POOL;
  const o = used;
  used += 16;
  // 48-bit big-endian milliseconds; bitwise operators only work on 32 bits, hence the split.
  const hi = Math.floor(nowMs / 0x1_0000_0000);
  const lo = nowMs >>> 0;
  b[o] = (hi >>> 8) & 0xff;
  b[o + 1] = hi & 0xff;
  b[o + 2] = lo >>> 24;
  b[o + 3] = (lo >>> 16) & 0xff;
  b[o + 4] = (lo >>> 8) & 0xff;
  b[o + 5] = lo & 0xff;
  b[o + 6] = (b[o + 6]! & 0x0f) | 0x70; // version 7
  b[o + 8] = (b[o + 8]! & 0x3f) | 0x80; // variant 10
  for (let i = 0; i < 16; i++) {
    const v = b[o + i]! * 2;
    const at = AT[i]!;
    TEXT[at] = HEX[v]!;
    TEXT[at + 1] = HEX[v + 1]!;
  }
  return TEXT.toString('latin1', 0, 36);
}
