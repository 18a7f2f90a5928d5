/**
 * What validateResource does not check (value-set membership, slice contents such as blood
 * pressure components, units, references inside a document), checked explicitly against the
 * vendored code systems and the catalogue (DESIGN.md §2, §7). Test code only.
 */
import type { Bundle, Coding, Composition, DetectedIssue, Observation, Resource } from '@medplum/fhirtypes';
import { CODE_SYSTEMS, validationProblems } from './profiles.js';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const VKPOBS = 'http://hl7.no/fhir/vkpobservation/StructureDefinition';

/** Per VkpObservation profile: the LOINC codes it requires and the UCUM unit (DESIGN.md §2, FHIR R4 vital signs). */
export const OBSERVATION_RULES: Record<string, { loinc: string[]; unit?: string }> = {
  [`${VKPOBS}/vkp-Observation-Oxygensat`]: { loinc: ['2708-6', '59408-5'], unit: '%' },
  [`${VKPOBS}/vkp-Observation-Heartrate`]: { loinc: ['8867-4'], unit: '/min' },
  [`${VKPOBS}/vkp-Observation-Resprate`]: { loinc: ['9279-1'], unit: '/min' },
  [`${VKPOBS}/vkp-Observation-Bodyweight`]: { loinc: ['29463-7'], unit: 'kg' },
  [`${VKPOBS}/vkp-Observation-Bodytemp`]: { loinc: ['8310-5'], unit: 'Cel' },
  [`${VKPOBS}/vkp-Observation-Bloodpressure`]: { loinc: ['85354-9'] },
};
export const VKP_DHO_ALERT_CODES = ['5.2.1', '5.2.2', '5.3', '5.3.1', '5.3.2'];

function codings(v: unknown, out: Coding[] = []): Coding[] {
  if (Array.isArray(v)) v.forEach((x) => codings(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.system === 'string' && typeof o.code === 'string') out.push(o as Coding);
    for (const x of Object.values(o)) codings(x, out);
  }
  return out;
}

/** Codes from a vendored code system must be in it, with its display. */
export function codeProblems(r: Resource): string[] {
  const out: string[] = [];
  for (const c of codings(r)) {
    const cs = CODE_SYSTEMS.get(c.system!);
    if (!cs) continue;
    if (!cs.has(c.code!)) out.push(`${r.resourceType}: ${c.code} is not in ${c.system}`);
    else if (c.display !== undefined && cs.get(c.code!) !== c.display) out.push(`${r.resourceType}: display of ${c.code} is "${c.display}", the code system says "${cs.get(c.code!)}"`);
  }
  return out;
}

/** Codes, units and blood-pressure components of an Observation against the profile it claims. */
export function observationProblems(o: Observation): string[] {
  const out: string[] = [];
  const loinc = (cc: { coding?: Coding[] } | undefined) => (cc?.coding ?? []).filter((c) => c.system === LOINC).map((c) => c.code);
  const ucum = (q: Observation['valueQuantity'], unit: string, where: string) => {
    if (!q || typeof q.value !== 'number') out.push(`${where}: no value`);
    else if (q.system !== UCUM || q.code !== unit) out.push(`${where}: unit ${q.system}|${q.code}, expected ${UCUM}|${unit}`);
  };
  for (const p of o.meta?.profile ?? []) {
    const rule = OBSERVATION_RULES[p];
    if (!rule) continue;
    for (const code of rule.loinc) if (!loinc(o.code).includes(code)) out.push(`Observation (${p}): LOINC ${code} missing`);
    if (!o.category?.some((c) => c.coding?.some((x) => x.code === 'vital-signs'))) out.push('Observation: category vital-signs missing');
    if (rule.unit) ucum(o.valueQuantity, rule.unit, 'Observation.valueQuantity');
    if (p.endsWith('Bloodpressure')) {
      if (o.valueQuantity) out.push('Observation: a blood pressure panel has no value of its own');
      for (const [code, name] of [['8480-6', 'systolic'], ['8462-4', 'diastolic']] as const) {
        const comps = (o.component ?? []).filter((c) => loinc(c.code).includes(code));
        if (comps.length !== 1) out.push(`Observation: ${comps.length} ${name} components (${code}), expected 1`);
        else ucum(comps[0]!.valueQuantity, 'mm[Hg]', `component ${name}`);
      }
      const [sys, dia] = ['8480-6', '8462-4'].map((c) => o.component?.find((x) => loinc(x.code).includes(c))?.valueQuantity?.value);
      if (typeof sys === 'number' && typeof dia === 'number' && sys < dia) out.push('Observation: systolic below diastolic');
    }
  }
  return out;
}

/**
 * A VKP DHO document: R4 + profiles for the Bundle and every entry, codes, units, components,
 * the Composition first, DetectedIssue with a DHO alert code, every reference resolved inside.
 */
export function vkpDocumentProblems(b: Bundle): string[] {
  const out = [...validationProblems(b)];
  if (b.type !== 'document') out.push('Bundle.type is not document');
  if (!b.identifier?.system || !b.identifier.value) out.push('Bundle.identifier missing (bdl-9)');
  const entries = b.entry ?? [];
  const composition = entries[0]?.resource as Composition | undefined;
  if (composition?.resourceType !== 'Composition') out.push('the first entry is not the Composition');
  const urls = new Set(entries.map((e) => e.fullUrl));
  if (urls.size !== entries.length) out.push('fullUrls are not unique');
  const base = (entries[0]?.fullUrl ?? '').replace(/\/Composition\/[^/]+$/, '');
  for (const e of entries) {
    const r = e.resource!;
    out.push(...validationProblems(r), ...codeProblems(r));
    if (r.resourceType === 'Observation') out.push(...observationProblems(r as Observation));
    for (const ref of JSON.stringify(r).matchAll(/"reference":"([^"]+)"/g)) {
      if (!urls.has(`${base}/${ref[1]}`) && !urls.has(ref[1])) out.push(`${r.resourceType}: reference ${ref[1]} does not resolve inside the document`);
    }
  }
  const issues = entries.filter((e) => e.resource?.resourceType === 'DetectedIssue').map((e) => e.resource as DetectedIssue);
  if (issues.length !== 1) out.push(`${issues.length} DetectedIssues, expected 1`);
  for (const i of issues) {
    const c = i.code?.coding?.find((x) => x.system === 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090');
    if (!c || !VKP_DHO_ALERT_CODES.includes(c.code!)) out.push(`DetectedIssue: no DHO alert code (${c?.code})`);
  }
  if (composition) {
    if (!composition.section?.some((s) => s.code?.coding?.some((c) => c.code === '1.1') && s.text?.div)) out.push('Composition: no follow-up section with the note');
    if (!composition.category?.some((c) => c.coding?.some((x) => x.code === '2'))) out.push('Composition: category is not Digital hjemmeoppfølging');
  }
  return out;
}
