/**
 * The HL7 Norway plan profiles (planer/, v2 FSH from HL7Norway/Planer-CarePlan-hacking) as explicit
 * checks: the published StructureDefinitions were not vendored (see SOURCES.md), so each FSH rule
 * is a line here, with the R4 base validated by @medplum/core. Test code only.
 */
import type { CarePlan, Condition, Resource } from '@medplum/fhirtypes';
import { validationProblems } from './profiles.js';

export const PLAN = 'http://hl7.no/fhir/ig/planer-hacking/StructureDefinition/planer-hacking-v2-careplan';
export const ZONE_PLAN = 'http://hl7.no/fhir/ig/planer-hacking/StructureDefinition/planer-hacking-v2-zone-careplan';
export const ZONE_CONDITION = 'http://hl7.no/fhir/ig/planer-hacking/StructureDefinition/planer-hacking-v2-zone-condition';
const ZONE_CS = 'http://hl7.no/fhir/ig/planer-hacking/CodeSystem/planer-hacking-observation-severity-zone-cs';
const PLANER = [PLAN, ZONE_PLAN, ZONE_CONDITION];

/** R4 validity (the planer profile claims set aside: they are checked below) plus the FSH rules. */
export function planerProblems(r: Resource): string[] {
  const claims = r.meta?.profile ?? [];
  const rest = claims.filter((p) => !PLANER.includes(p));
  const bare = { ...r, meta: { ...(r.meta ?? {}), profile: rest } } as Resource;
  if (!rest.length) delete (bare.meta as { profile?: string[] }).profile;
  const out = validationProblems(bare);
  const need = (ok: unknown, rule: string) => { if (!ok) out.push(`${r.resourceType}/${r.id}: ${rule}`); };
  if (claims.includes(PLAN) || claims.includes(ZONE_PLAN)) {
    const p = r as CarePlan;
    need(p.intent === 'plan', 'intent = #plan');
    need(p.subject?.reference || p.subject?.identifier, 'subject 1..1');
  }
  if (claims.includes(ZONE_PLAN)) {
    const p = r as CarePlan;
    need(p.partOf?.length === 1, 'partOf 1..1');
    need(p.addresses?.length === 1, 'addresses 1..1');
    need(p.activity?.length === 1 && p.activity[0]!.detail, 'activity 1..1, activity.detail 1..1');
    need(p.activity?.[0]?.detail?.description, 'activity.detail.description 1..1');
  }
  if (claims.includes(ZONE_CONDITION)) {
    const c = r as Condition;
    need(c.subject?.reference || c.subject?.identifier, 'subject 1..1');
    need(c.clinicalStatus, 'clinicalStatus 1..1');
    need(c.code?.text, 'code 1..1, code.text 1..1');
    const zone = c.severity?.coding?.filter((x) => x.system === ZONE_CS) ?? [];
    need(zone.length === 1 && ['green', 'yellow', 'red'].includes(zone[0]!.code ?? ''), 'severity.coding[zoneSystem] 1..1 from the zone value set (green | yellow | red)');
  }
  return out;
}
