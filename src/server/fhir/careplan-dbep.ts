import type { Bundle, BundleEntry, CarePlan, CodeableConcept, Coding, Condition, Extension, Goal, Patient, Quantity, Reference, Resource, ServiceRequest, Timing } from '@medplum/fhirtypes';
import { CATALOGUE, type MeasureCode } from '../../domain/catalogue.js';
import type { MeasurePlan, PlanDefinition, Schedule, Thresholds } from '../../domain/plan.js';
import type { LocalText } from '../../domain/text.js';
import { carePlanStatus, codingsFor, scheduleText } from './mappers.js';
import type { PlanWithEpisode } from './repo.js';

/*
 * DBEP, the national plan-sharing shape of the self-management plan (digital behandlings- og
 * egenbehandlingsplan), as HL7 Norway's plan work publishes it (HL7Norway/Planer-CarePlan-hacking,
 * v2 profiles, vendored in test/national/planer): an overall CarePlan (planer-hacking-v2-careplan)
 * and, per measure and zone, a zone Condition (planer-hacking-v2-zone-condition: severity
 * green/yellow/red, the limits in words) addressed by a zone CarePlan (planer-hacking-v2-zone-careplan:
 * partOf the overall plan, one activity whose description is the action). The overall plan also
 * names its Goal and, per measure, a ServiceRequest (what to measure, when). Those two and the
 * machine-readable limits are Varde's additions to the published shape: the hacking profiles have
 * the limits in text only, and a receiving system that triages needs numbers. Pure.
 */

export const DBEP_PLAN_PROFILE = 'http://hl7.no/fhir/ig/planer-hacking/StructureDefinition/planer-hacking-v2-careplan';
export const DBEP_ZONE_PLAN_PROFILE = 'http://hl7.no/fhir/ig/planer-hacking/StructureDefinition/planer-hacking-v2-zone-careplan';
export const DBEP_ZONE_CONDITION_PROFILE = 'http://hl7.no/fhir/ig/planer-hacking/StructureDefinition/planer-hacking-v2-zone-condition';
export const ZONE_SYSTEM = 'http://hl7.no/fhir/ig/planer-hacking/CodeSystem/planer-hacking-observation-severity-zone-cs';
/** Varde's extension on a zone Condition: a reading below `below` or above `above` is in this zone. */
export const ZONE_LIMITS_EXT = 'https://varde.no/fhir/StructureDefinition/zone-limits';
/** Varde's extension on a ServiceRequest: minutes after the due time before a reading counts as missing. */
export const GRACE_EXT = 'https://varde.no/fhir/StructureDefinition/missing-grace';
const TRANSLATION_EXT = 'http://hl7.org/fhir/StructureDefinition/translation';
const FNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
const DNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.2';
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const ZONES = ['green', 'yellow', 'red'] as const;
type Zone = (typeof ZONES)[number];
const ZONE_NB: Record<Zone, string> = { green: 'grønn', yellow: 'gul', red: 'rød' };
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface DbepPatient {
  id: string;
  identifier: string;
  identifier_system: 'fnr' | 'dnr';
  name: string;
}

const slug = (c: string) => c.replace(/_/g, '-');
const ucum = (code: MeasureCode, value: number): Quantity => ({ value, unit: CATALOGUE[code].unit, system: 'http://unitsofmeasure.org', code: CATALOGUE[code].unit });

function zoneText(code: MeasureCode, zone: Zone, t: Thresholds): string {
  const u = CATALOGUE[code].unitDisplay ? ` ${CATALOGUE[code].unitDisplay}` : '';
  const name = CATALOGUE[code].display.nb;
  const parts = zone === 'green'
    ? [t.yellowBelow ?? t.redBelow, t.yellowAbove ?? t.redAbove].every((x) => x === undefined)
      ? ['alle verdier']
      : [`${t.yellowBelow ?? t.redBelow ?? '–'} til ${t.yellowAbove ?? t.redAbove ?? '–'}${u}`]
    : [
      (zone === 'yellow' ? t.yellowBelow : t.redBelow) !== undefined ? `under ${zone === 'yellow' ? t.yellowBelow : t.redBelow}${u}` : null,
      (zone === 'yellow' ? t.yellowAbove : t.redAbove) !== undefined ? `over ${zone === 'yellow' ? t.yellowAbove : t.redAbove}${u}` : null,
    ].filter((x): x is string => !!x);
  return `${name}: ${parts.length ? parts.join(' eller ') : 'ingen grense'} (${ZONE_NB[zone]} sone)`;
}

function limits(code: MeasureCode, zone: Zone, t: Thresholds): Extension[] {
  if (zone === 'green') return [];
  const below = zone === 'yellow' ? t.yellowBelow : t.redBelow;
  const above = zone === 'yellow' ? t.yellowAbove : t.redAbove;
  const ext: Extension[] = [
    ...(below !== undefined ? [{ url: 'below', valueQuantity: ucum(code, below) }] : []),
    ...(above !== undefined ? [{ url: 'above', valueQuantity: ucum(code, above) }] : []),
  ];
  return ext.length ? [{ url: ZONE_LIMITS_EXT, extension: ext }] : [];
}

function timing(s: Schedule): { occurrenceTiming?: Timing; asNeededBoolean?: boolean; extension?: Extension[] } {
  if (s.kind === 'as_needed') return { asNeededBoolean: true };
  const repeat = s.kind === 'daily'
    ? { frequency: 1, period: 1, periodUnit: 'd' as const, timeOfDay: [`${s.dueBy}:00`] }
    : { frequency: 1, period: 1, periodUnit: 'wk' as const, dayOfWeek: s.weekdays.map((d) => WEEKDAYS[d - 1]!), timeOfDay: [`${s.dueBy}:00`] };
  return {
    occurrenceTiming: { repeat, code: { text: scheduleText(s) } },
    extension: [{ url: GRACE_EXT, valueDuration: { value: s.graceMinutes, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' } }],
  };
}

const translated = (t: LocalText) => ({
  description: t.nb,
  _description: { extension: (['nn', 'en'] as const).map((l) => ({ url: TRANSLATION_EXT, extension: [{ url: 'lang', valueCode: l }, { url: 'content', valueString: t[l] }] })) },
});

/**
 * The plan version as a DBEP `collection` Bundle: the overall CarePlan first, then its Goal, a
 * ServiceRequest per measure, and per measure and zone the zone Condition and zone CarePlan.
 * Status follows the version (approved = active; draft; superseded = revoked; ended = completed).
 */
export function dbepBundle(plan: PlanWithEpisode, patient: DbepPatient, base: string, goalsText: string | null): Bundle {
  const status = carePlanStatus(plan);
  const def = plan.definition;
  const subject: Reference<Patient> = {
    reference: `Patient/${patient.id}`, display: patient.name,
    identifier: { system: patient.identifier_system === 'dnr' ? DNR_SYSTEM : FNR_SYSTEM, value: patient.identifier },
  };
  const root = `dbep-${plan.id}`;
  const entries: Resource[] = [];
  const goal: Goal = {
    resourceType: 'Goal', id: `${root}-goal`, lifecycleStatus: status === 'draft' ? 'proposed' : status === 'active' ? 'active' : status === 'revoked' ? 'cancelled' : 'completed',
    description: { text: goalsText?.trim() || 'Mestre sykdommen hjemme med egenbehandling etter planen' }, subject,
    target: def.measures.filter((m) => m.thresholds.yellowBelow !== undefined || m.thresholds.yellowAbove !== undefined).map((m) => ({
      measure: { coding: codingsFor(m.code), text: CATALOGUE[m.code].display.nb },
      detailRange: { ...(m.thresholds.yellowBelow !== undefined ? { low: ucum(m.code, m.thresholds.yellowBelow) } : {}), ...(m.thresholds.yellowAbove !== undefined ? { high: ucum(m.code, m.thresholds.yellowAbove) } : {}) },
    })),
  };
  const requests: ServiceRequest[] = def.measures.map((m) => ({
    resourceType: 'ServiceRequest', id: `${root}-sr-${slug(m.code)}`, status: status === 'draft' ? 'draft' : status === 'active' ? 'active' : status === 'revoked' ? 'revoked' : 'completed',
    intent: 'plan' as const, basedOn: [{ reference: `CarePlan/${root}` }], code: { coding: codingsFor(m.code), text: CATALOGUE[m.code].display.nb }, subject,
    ...timing(m.schedule),
  }));
  const overall: CarePlan = {
    resourceType: 'CarePlan', id: root, meta: { profile: [DBEP_PLAN_PROFILE] },
    identifier: [{ system: 'https://varde.no/fhir/plan-version', value: `${plan.id}` }],
    status, intent: 'plan', category: [{ text: 'Egenbehandlingsplan' }], title: `Egenbehandlingsplan versjon ${plan.version}`,
    ...(goalsText?.trim() ? { description: goalsText.trim() } : {}),
    subject, ...(plan.approved_at ? { period: { start: plan.approved_at.toISOString() } } : {}), created: plan.created_at.toISOString(),
    goal: [{ reference: `Goal/${goal.id}` }],
    activity: requests.map((r) => ({ reference: { reference: `ServiceRequest/${r.id}` } })),
    note: [...(def.medicines.trim() ? [{ text: `Medisiner: ${def.medicines}` }] : []), ...(def.contacts.trim() ? [{ text: `Kontakter: ${def.contacts}` }] : [])],
  };
  if (!overall.note?.length) delete overall.note;
  entries.push(overall, goal, ...requests);
  for (const m of def.measures) {
    for (const zone of ZONES) {
      const cid = `${root}-zc-${slug(m.code)}-${zone}`;
      const condition: Condition = {
        resourceType: 'Condition', id: cid, meta: { profile: [DBEP_ZONE_CONDITION_PROFILE] }, ...(limits(m.code, zone, m.thresholds).length ? { extension: limits(m.code, zone, m.thresholds) } : {}),
        clinicalStatus: { coding: [{ system: CLINICAL, code: status === 'active' || status === 'draft' ? 'active' : 'inactive' }] },
        severity: { coding: [{ system: ZONE_SYSTEM, code: zone, display: `${ZONE_NB[zone][0]!.toUpperCase()}${ZONE_NB[zone].slice(1)} sone` }] },
        code: { coding: codingsFor(m.code), text: zoneText(m.code, zone, m.thresholds) }, subject,
      };
      const zonePlan: CarePlan = {
        resourceType: 'CarePlan', id: `${root}-zp-${slug(m.code)}-${zone}`, meta: { profile: [DBEP_ZONE_PLAN_PROFILE] },
        partOf: [{ reference: `CarePlan/${root}` }], status, intent: 'plan', title: `Tiltak – ${ZONE_NB[zone]} sone: ${CATALOGUE[m.code].display.nb}`, subject,
        addresses: [{ reference: `Condition/${cid}` }],
        activity: [{ detail: { code: { coding: codingsFor(m.code) }, status: status === 'active' ? 'in-progress' : status === 'draft' ? 'not-started' : status === 'revoked' ? 'stopped' : 'completed', ...translated(m.actions[zone]) } }],
      };
      entries.push(condition, zonePlan);
    }
  }
  const b = base.replace(/\/$/, '');
  return {
    resourceType: 'Bundle', type: 'collection', timestamp: (plan.approved_at ?? plan.created_at).toISOString(),
    entry: entries.map((r): BundleEntry => ({ fullUrl: `${b}/${r.resourceType}/${r.id}`, resource: r })),
  };
}

// ------------------------------------------------------------------ import

/** Why a DBEP Bundle cannot be imported: FHIR path → problem. */
export class DbepImportError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

const MEASURE_BY_LOINC = new Map(Object.entries(CATALOGUE).filter(([, c]) => c.loinc?.code).map(([code, c]) => [`${c.loinc.system}|${c.loinc.code}`, code as MeasureCode]));
function measureOf(cc: CodeableConcept | undefined): MeasureCode | undefined {
  for (const c of cc?.coding ?? []) {
    const m = MEASURE_BY_LOINC.get(`${c.system}|${c.code}`);
    if (m) return m;
  }
  return undefined;
}

function localText(d: { description?: string; _description?: { extension?: Extension[] } } | undefined): LocalText | undefined {
  if (!d?.description?.trim()) return undefined;
  const tr = (l: string) => d._description?.extension?.find((e) => e.url === TRANSLATION_EXT && e.extension?.some((x) => x.url === 'lang' && x.valueCode === l))
    ?.extension?.find((x) => x.url === 'content')?.valueString;
  // A plan from a system that writes bokmål only: the same words in every language until a nurse translates them.
  return { nb: d.description, nn: tr('nn') ?? d.description, en: tr('en') ?? d.description };
}

function scheduleOf(sr: ServiceRequest): Schedule | undefined {
  if (sr.asNeededBoolean) return { kind: 'as_needed' };
  const r = sr.occurrenceTiming?.repeat;
  const dueBy = r?.timeOfDay?.[0]?.slice(0, 5);
  if (!r || !dueBy) return undefined;
  const grace = sr.extension?.find((e) => e.url === GRACE_EXT)?.valueDuration?.value ?? 60;
  if (r.periodUnit === 'wk' && r.dayOfWeek?.length) {
    return { kind: 'weekly', weekdays: r.dayOfWeek.map((d) => WEEKDAYS.indexOf(d as (typeof WEEKDAYS)[number]) + 1), dueBy, graceMinutes: grace };
  }
  if (r.periodUnit === 'd') return { kind: 'daily', dueBy, graceMinutes: grace };
  return undefined;
}

export interface DbepImport {
  /** The patient as the Bundle names it: Varde's id (Patient/<id>) or the national identifier. */
  patient: { id?: string; identifier?: string };
  definition: unknown;
}

/**
 * Reads a DBEP Bundle (collection, transaction or batch) into a plan definition for a draft: per
 * ServiceRequest the measure (by LOINC) and schedule; per measure the zone Conditions' limits and
 * the zone CarePlans' actions; medicines and contacts from the overall plan's notes. What DBEP does
 * not carry (questionnaires, trend and combined rules, NEWS2) starts empty/off in the draft. The
 * caller validates the definition (plans/service.ts#checkPlanDefinition) and stores it as a draft.
 */
export function readDbepBundle(bundle: unknown): DbepImport {
  const problems: { path: string; message: string }[] = [];
  const b = bundle as Bundle;
  if (!b || b.resourceType !== 'Bundle' || !Array.isArray(b.entry)) throw new DbepImportError([{ path: 'Bundle', message: 'Expected a Bundle with entries' }]);
  const resources = b.entry.map((e) => e.resource).filter((r): r is Resource => !!r);
  const byRef = new Map<string, Resource>();
  b.entry.forEach((e) => {
    if (!e.resource) return;
    byRef.set(`${e.resource.resourceType}/${e.resource.id}`, e.resource);
    if (e.fullUrl) byRef.set(e.fullUrl, e.resource);
  });
  const plans = resources.filter((r): r is CarePlan => r.resourceType === 'CarePlan');
  const overall = plans.find((p) => p.meta?.profile?.includes(DBEP_PLAN_PROFILE)) ?? plans.find((p) => !p.partOf?.length);
  if (!overall) throw new DbepImportError([{ path: 'Bundle.entry', message: 'No overall CarePlan (planer-hacking-v2-careplan, without partOf)' }]);
  const subjectRef = overall.subject?.reference;
  const patient = {
    ...(subjectRef?.startsWith('Patient/') ? { id: subjectRef.slice('Patient/'.length) } : {}),
    ...(overall.subject?.identifier?.value ? { identifier: overall.subject.identifier.value } : {}),
  };
  if (!patient.id && !patient.identifier) problems.push({ path: 'CarePlan.subject', message: 'Name the patient (Patient/<id> or the national identifier)' });

  const measures: MeasurePlan[] = [];
  const requests = (overall.activity ?? []).map((a) => a.reference?.reference).filter((r): r is string => !!r).map((r) => byRef.get(r))
    .filter((r): r is ServiceRequest => r?.resourceType === 'ServiceRequest');
  requests.forEach((sr, i) => {
    const code = measureOf(sr.code);
    const schedule = scheduleOf(sr);
    if (!code) return problems.push({ path: `ServiceRequest[${i}].code`, message: 'Not a measurement Varde knows (LOINC code of the catalogue)' });
    if (!schedule) return problems.push({ path: `ServiceRequest[${i}].occurrenceTiming`, message: 'Give a daily or weekly timing with timeOfDay, or asNeededBoolean' });
    const zonePlans = plans.filter((p) => p.partOf?.length && measureOf(p.activity?.[0]?.detail?.code) === code);
    const thresholds: Thresholds = {};
    const actions: Partial<Record<Zone, LocalText>> = {};
    for (const zp of zonePlans) {
      const cond = byRef.get(zp.addresses?.[0]?.reference ?? '') as Condition | undefined;
      const zone = cond?.severity?.coding?.find((c) => c.system === ZONE_SYSTEM)?.code as Zone | undefined;
      if (!zone || !ZONES.includes(zone)) continue;
      const text = localText(zp.activity?.[0]?.detail);
      if (text) actions[zone] = text;
      const lim = cond?.extension?.find((e) => e.url === ZONE_LIMITS_EXT)?.extension ?? [];
      const below = lim.find((e) => e.url === 'below')?.valueQuantity?.value;
      const above = lim.find((e) => e.url === 'above')?.valueQuantity?.value;
      if (zone === 'yellow') Object.assign(thresholds, below !== undefined ? { yellowBelow: below } : {}, above !== undefined ? { yellowAbove: above } : {});
      if (zone === 'red') Object.assign(thresholds, below !== undefined ? { redBelow: below } : {}, above !== undefined ? { redAbove: above } : {});
    }
    const missing = ZONES.filter((z) => !actions[z]);
    if (missing.length) return problems.push({ path: `ServiceRequest[${i}]`, message: `${code}: no zone CarePlan with an action for ${missing.join(', ')}` });
    measures.push({ code, schedule, thresholds, actions: actions as Record<Zone, LocalText> });
  });
  if (!requests.length) problems.push({ path: 'CarePlan.activity', message: 'The plan names no ServiceRequest (what to measure)' });
  if (problems.length) throw new DbepImportError(problems);
  const note = (prefix: string) => overall.note?.map((n) => n.text ?? '').find((t) => t.startsWith(prefix))?.slice(prefix.length) ?? '';
  const definition: PlanDefinition = {
    measures, questionnaires: [], trendRules: [], news2: { enabled: false, scale: 1 },
    medicines: note('Medisiner: '), contacts: note('Kontakter: '),
  };
  return { patient, definition };
}

/** The codings a measure is exported with (for tests comparing round trips). */
export const dbepCodings = (code: MeasureCode): Coding[] => codingsFor(code);
