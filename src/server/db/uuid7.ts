import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids, filled 256 ids at a time from the CSPRNG (one call per 256 ids instead of
 * one per id). Each id takes 16 bytes of it and overwrites the first 6 with its time.
 */
const POOL = Buffer.alloc(16 * 256);
let used = POOL.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

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
  const h = (i: number) => HEX[b[o + i]!]!;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
