import { hash } from 'node:crypto';

/*
 * FHIR JSON that keeps decimals exactly as written. FHIR decimals carry their precision in the
 * text ("37.0" is not "37", "48.0" beats/min is a one-decimal reading); JSON.parse turns both into
 * the same double. The parser below remembers the source text of every number whose text is not
 * what JavaScript would print, and the serializer writes that text back (JSON.rawJSON). The stored
 * resource goes into a jsonb column, whose numeric type keeps the written scale (48.0 stays 48.0),
 * so a resource round-trips through the database with its decimals unchanged.
 */

type Holder = object;
/** Number lexemes by holder object and key, for numbers whose text differs from String(value). */
const lexemes = new WeakMap<Holder, Map<string, string>>();
/**
 * How many holders with remembered lexemes may still be alive (counted down when one is collected).
 * While none is, every number prints as it was written, so stringifyFhir can skip its replacer.
 */
let liveHolders = 0;
const collected = new FinalizationRegistry<undefined>(() => {
  liveHolders--;
});

/** The lexeme map of a holder, made (and counted) on first use. */
function lexemeMap(holder: Holder): Map<string, string> {
  let m = lexemes.get(holder);
  if (!m) {
    lexemes.set(holder, (m = new Map()));
    liveHolders++;
    collected.register(holder, undefined);
  }
  return m;
}

/**
 * Every number token of JSON text sits after ':', '[' or ',' and before ',', '}' or ']' (with
 * optional whitespace), so this finds all of them — and some digit runs inside strings as well,
 * which only ever send the text to the slower, exact parse.
 */
const NUMBER_TOKEN = /[:[,]\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]])/g;

/** True when some number in the text (or what looks like one) would not print back as written. */
function needsLexemes(text: string): boolean {
  const t = text.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return true;
  for (const m of text.matchAll(NUMBER_TOKEN)) {
    if (String(Number(m[1])) !== m[1]) return true;
  }
  return false;
}

interface ParseContext {
  source?: string;
}
type Reviver = (this: Holder, key: string, value: unknown, context?: ParseContext) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: Reviver) => unknown;
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * Parses FHIR JSON, remembering the exact text of decimals (see stringifyFhir).
 * @throws SyntaxError for malformed JSON
 */
export function parseFhir(text: string): unknown {
  // Most posted resources have no such number: JSON.parse alone gives the same values, without a
  // reviver call per value.
  if (!needsLexemes(text)) return JSON.parse(text);
  return parseWithSource(text, function (this: Holder, key, value, context) {
    if (typeof value === 'number' && context?.source !== undefined && context.source !== String(value)) {
      lexemeMap(this).set(key, context.source);
    }
    return value;
  });
}

/** The decimal text a number was written with, if it differs from JavaScript's own. */
export function lexemeOf(holder: object, key: string | number): string | undefined {
  return lexemes.get(holder)?.get(String(key));
}

/** Copies remembered decimal texts when a value is cloned into a new holder. */
export function copyLexeme(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  const s = lexemeOf(from, fromKey);
  if (s === undefined) return;
  lexemeMap(to).set(String(toKey), s);
}

/** JSON text of a resource with every remembered decimal written as it was received. */
export function stringifyFhir(value: unknown, space?: number): string {
  // No remembered lexeme anywhere in the process: plain JSON.stringify writes the same text.
  if (liveHolders === 0) return JSON.stringify(value, undefined, space);
  return JSON.stringify(
    value,
    function (this: Holder, key, v: unknown) {
      const s = typeof v === 'number' ? lexemes.get(this)?.get(key) : undefined;
      return s !== undefined ? rawJSON(s) : v;
    },
    space,
  );
}

/**
 * Deep copy that keeps remembered decimals (structuredClone would drop them).
 */
export function cloneFhir<T>(value: T): T {
  return parseFhir(stringifyFhir(value)) as T;
}

/** Key-sorted JSON (numbers as values, not lexemes), for comparing content. */
function canonical(v: unknown): string {
  // Built by concatenation (no intermediate arrays per level); the text is exactly that of
  // `[${v.map(canonical).join(',')}]` and `{${keys.sort().filter(defined).map(k => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`
  // (json.test.ts holds the two to each other): an array element with no JSON text joins as ''.
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += canonical(v[i] as unknown) ?? '';
    }
    return `${out}]`;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    let out = '{';
    let first = true;
    for (const k of Object.keys(o).sort()) {
      const x = o[k];
      if (x === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(k)}:${canonical(x)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(v);
}

/**
 * Hash of what a resource says, ignoring what a server may assign or regenerate (id, meta, narrative).
 * Two posts with the same identifier and the same hash are one resource sent twice; a different
 * hash is a different resource under a reused identifier.
 */
export function contentHash(resource: Record<string, unknown>): string {
  const { id: _id, meta: _meta, text: _text, ...rest } = resource;
  // One-shot hash: the same digest as createHash().update().digest(), without a Hash object per call.
  return hash('sha256', canonical(rest), 'base64url');
}
