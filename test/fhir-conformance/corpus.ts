import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFhir, stringifyFhir } from '../../src/server/fhir/json.js';

/*
 * The FHIR conformance corpus (see SOURCES.md): real example resources, each posted as written and
 * as a Norwegian variant. Shared by src/server/fhir/conformance.test.ts and
 * scripts/fhir-conformance.ts (which runs it against any Varde server).
 */

export const CORPUS_DIR = dirname(fileURLToPath(import.meta.url));
export const FNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';

type Json = Record<string, unknown>;

export interface CorpusFile {
  /** e.g. 'vkp/Observation-vkp-glucose-create.json' */
  name: string;
  /** The file's text, byte for byte. */
  text: string;
  /** Parsed with decimals' written text remembered (json.ts). */
  resource: Json;
  /** The profile the resource claims, if any. */
  profiles: string[];
}

/** Every example resource of the corpus (not the profiles), in a stable order. */
export function corpusFiles(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const dir of readdirSync(CORPUS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const f of readdirSync(join(CORPUS_DIR, dir)).filter((x) => x.endsWith('.json')).sort()) {
      const text = readFileSync(join(CORPUS_DIR, dir, f), 'utf8');
      const resource = parseFhir(text) as Json;
      const meta = (resource.meta ?? {}) as { profile?: string[] };
      out.push({ name: `${dir}/${f}`, text, resource, profiles: meta.profile ?? [] });
    }
  }
  return out;
}

/** The IG StructureDefinitions kept as fixtures (VKP and no-domain vital signs profiles, with snapshots). */
export function corpusProfiles(): Json[] {
  return ['vkp', 'no-domain'].flatMap((d) => {
    const dir = join(CORPUS_DIR, d, 'profiles');
    return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json);
  });
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An instant written with the same precision and offset as `like` (e.g. "-05:00", "Z", ".936"). */
export function sameShape(like: string, at: Date, localDate: (d: Date) => string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(like)) return localDate(at);
  if (/^\d{4}-\d{2}$/.test(like)) return localDate(at).slice(0, 7);
  if (/^\d{4}$/.test(like)) return localDate(at).slice(0, 4);
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(like);
  if (!m) return at.toISOString();
  const tz = m[3];
  const offsetMin = tz === undefined || tz === 'Z' ? 0 : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  const local = new Date(at.getTime() + offsetMin * 60_000);
  let s = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  if (m[1]) s += `:${pad(local.getUTCSeconds())}`;
  if (m[2]) s += `.${pad(local.getUTCMilliseconds(), 3).padEnd(m[2].length - 1, '0').slice(0, m[2].length - 1)}`;
  return s + (tz ?? '');
}

export interface VariantOptions {
  /** The patient's synthetic fødselsnummer (month + 80). */
  fnr: string;
  /** Device/[id] of a registered device, for examples that name the IG's own device. */
  deviceRef?: string;
  /** When the variant was measured (default: 30 minutes ago). */
  at?: Date;
  /** The patient's local date of an instant (date-only examples keep date-only precision). */
  localDate?: (d: Date) => string;
}

const OSLO_DATE = (d: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Oslo' }).format(d);

/**
 * The Norwegian variant of an example Observation: the subject becomes the test patient by
 * fødselsnummer, the effective time moves into the episode (same precision and offset), a device
 * the IG named by its own id becomes a registered device; nothing else changes (decimals keep
 * their written text).
 */
export function norwegianVariant(resource: Json, o: VariantOptions): Json {
  const r = parseFhir(stringifyKeep(resource)) as Json;
  delete r.id;
  const at = o.at ?? new Date(Date.now() - 30 * 60_000);
  const localDate = o.localDate ?? OSLO_DATE;
  if (r.resourceType !== 'Observation') return r;
  r.subject = { identifier: { system: FNR_SYSTEM, value: o.fnr } };
  if (typeof r.effectiveDateTime === 'string') r.effectiveDateTime = sameShape(r.effectiveDateTime, at, localDate);
  if (typeof r.effectiveInstant === 'string') r.effectiveInstant = sameShape(r.effectiveInstant, at, localDate);
  const p = r.effectivePeriod as Json | undefined;
  if (p) {
    const start = typeof p.start === 'string' ? Date.parse(p.start) : NaN;
    const shift = Number.isNaN(start) ? 0 : at.getTime() - start;
    for (const k of ['start', 'end'] as const) if (typeof p[k] === 'string') p[k] = sameShape(p[k], new Date(Date.parse(p[k]) + shift), localDate);
  }
  const device = r.device as Json | undefined;
  if (device && typeof device.reference === 'string' && /^Device\//.test(device.reference)) {
    if (o.deviceRef) r.device = { reference: o.deviceRef };
    else delete r.device;
  }
  return r;
}

/** JSON text keeping written decimals (here so the script needs one import). */
export const stringifyKeep = stringifyFhir;
