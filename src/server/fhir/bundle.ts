import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { isUuid, requirePatientAccess } from '../auth/access.js';
import { actorTag } from '../auth/actor.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { forbidden } from '../http/errors.js';
import { patientByIdentifierShared } from '../patients/lookup.js';
import { type PatientRow, findPatientsByIdentifiers, getPatient } from '../patients/repo.js';
import { contentHash, stringifyFhir } from './json.js';
import { type ObservationIn, nationalIdKind, nationalIdValue, observationIn, referenceIn } from './observation-in.js';
import { type SittingBatch, type Staged, submitShared } from '../ingest/group.js';
import { type Written, asFhirError, declareObservation, existingTwin, orgOf, resolveSubject, stageObservation, storedObservation, writeObservation } from './observations.js';
import { type KnownDevices, ObservationReads, devicesAhead, patientRelationShared, writablePatients, writeOrg } from './write-batch.js';
import { FhirError, fhirError, information, operationOutcome, statusLine, toFhirError } from './outcome.js';
import * as repo from './repo.js';
import { createDevice, findPostedDeviceShared, identifierTokens, resolveDevice } from './service.js';
import { uuid7 } from '../db/uuid7.js';

/*
 * POST [base]: transaction, batch and collection Bundles the way gateways send them (HL7 PHD IG):
 * conditional creates of the Patient (matched by fødselsnummer, never created: enrolment is done
 * by the GP in Varde) and Device (matched by identifier, registered if new), DeviceMetric, and
 * Observations that point at them with urn:uuid fullUrls (R4 http.html#trules: references to an
 * entry's fullUrl are rewritten to the id the server gave it).
 *
 * transaction — all or nothing: every entry is read and every patient authorised first (refusals
 * are audited outside the transaction, so they survive the rollback); then everything is written
 * in ONE database transaction. Any failure rolls back the whole bundle and the answer is one
 * OperationOutcome naming the entry.
 * batch — each entry succeeds or fails on its own, with its own status and OperationOutcome. The
 * entries are first written together in one shared transaction (as a transaction would be); only
 * if one of them fails are they written again one by one, each in its own transaction.
 * collection — the VKP "pasientens måledata" examples send their observations as a collection
 * Bundle while the guide's text asks for batch: a collection is processed as a batch.
 */

export const MAX_BUNDLE_ENTRIES = 500;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
type Prefer = 'minimal' | 'representation' | 'OperationOutcome';

/** Conditional-create criteria: only identifier=system|value (comma = any of them) is supported. */
export function conditionalIdentifiers(header: string | undefined, path: string): string[] {
  if (header === undefined) return [];
  const params = new URLSearchParams(header.trim().replace(/^\?/, ''));
  const keys = [...params.keys()];
  if (keys.length === 0 || keys.some((k) => k !== 'identifier')) {
    throw fhirError(400, 'not-supported', `If-None-Exist supports identifier=system|value only, not "${header}".`, path);
  }
  return params.getAll('identifier').flatMap((v) => v.split(',')).map((v) => (v.includes('|') ? v : `|${v}`));
}

interface Entry {
  index: number;
  fullUrl?: string;
  resource: Json;
  type: string;
  conditional: string[];
  /** Filled in as the entry is processed (`build` makes the resource for Prefer: return=representation). */
  result?: { status: number; location?: string; resource?: Resource; build?: () => Resource; notes?: string[] };
  error?: FhirError;
}

function entryPath(index: number, path: string): string {
  return path.replace(/^(Observation|Device|Patient|DeviceMetric|Bundle\.entry\[\d+\]\.resource)/, `Bundle.entry[${index}].resource`);
}

function inEntry(fe: FhirError, index: number): FhirError {
  return new FhirError(fe.status, fe.issues.map((i) => ({
    ...i,
    diagnostics: `Entry ${index}: ${i.diagnostics}`,
    expression: i.expression?.map((e) => entryPath(index, e)) ?? [`Bundle.entry[${index}]`],
  })));
}

/** Reads one entry: its request (POST of a supported type, or none in a collection) and resource. */
function readEntry(e: unknown, index: number, collection: boolean): Entry {
  if (!isObj(e)) throw fhirError(400, 'invalid', 'An entry must be an object.', `Bundle.entry[${index}]`);
  const req = isObj(e.request) ? e.request : undefined;
  if (!req && !collection) throw fhirError(400, 'required', 'Each entry of a transaction or batch needs request (method POST).', `Bundle.entry[${index}].request`);
  const method = typeof req?.method === 'string' ? req.method.toUpperCase() : 'POST';
  if (method !== 'POST') {
    throw fhirError(400, 'not-supported', `Only POST (create) entries are supported in a bundle, not ${method} ${String(req?.url ?? '')}.`, `Bundle.entry[${index}].request`);
  }
  const resource = e.resource;
  if (!isObj(resource) || typeof resource.resourceType !== 'string') throw fhirError(400, 'required', 'The entry has no resource.', `Bundle.entry[${index}].resource`);
  const type = resource.resourceType;
  const url = typeof req?.url === 'string' ? req.url.replace(/^.*\/fhir\//, '').replace(/^\/+|\/+$/g, '') : type;
  if (url !== type) {
    throw fhirError(400, 'not-supported', `Only POST (create) entries are supported in a bundle, not ${method} ${String(req?.url ?? '')}.`, `Bundle.entry[${index}].request`);
  }
  if (!['Observation', 'Patient', 'Device', 'DeviceMetric'].includes(type)) {
    throw fhirError(400, 'not-supported', `${type} cannot be created here; a bundle may create Observation, Device and DeviceMetric and match Patient.`, `Bundle.entry[${index}].resource`);
  }
  return {
    index, resource, type,
    fullUrl: typeof e.fullUrl === 'string' ? e.fullUrl : undefined,
    conditional: conditionalIdentifiers(typeof req?.ifNoneExist === 'string' ? req.ifNoneExist : undefined, `Bundle.entry[${index}].request.ifNoneExist`),
  };
}

/** Every Reference.reference string in `v`, at any depth: what rewriteReferences would look at. */
function referencesIn(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) referencesIn(x, out);
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'reference' && typeof x === 'string') out.add(x);
      else referencesIn(x, out);
    }
  }
  return out;
}

/** Rewrites every Reference.reference equal to a processed entry's fullUrl to the server's Type/id. */
function rewriteReferences(v: unknown, map: Map<string, string>): void {
  if (Array.isArray(v)) for (const x of v) rewriteReferences(x, map);
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'reference' && typeof x === 'string' && map.has(x)) v[k] = map.get(x);
      else rewriteReferences(x, map);
    }
  }
}

/**
 * A Patient entry: matched by fødselsnummer / D-nummer (If-None-Exist or the resource's own
 * identifiers), never created. Unknown and foreign patients look the same (403, audited).
 */
async function matchPatient(ctx: Ctx, e: Entry): Promise<string> {
  const tokens = [...e.conditional, ...identifierTokens(e.resource)];
  // A device client's or clinician's organisation: the patient and its care relation are read in
  // one statement shared with concurrent Bundles' (write-batch.ts#patientRelationShared); what it
  // does not grant is decided again, and a refusal audited, by requirePatientAccess.
  const org = writeOrg(ctx);
  for (const t of tokens) {
    const i = t.indexOf('|');
    const kind = nationalIdKind(t.slice(0, i));
    if (!kind) continue;
    const value = t.slice(i + 1).replace(/\s/g, '');
    const p = org ? await patientRelationShared(ctx.db, org, value) : await patientByIdentifierShared(ctx.db, value);
    if (p && p.identifier_system === kind) {
      if (!('allowed' in p && p.allowed)) await requirePatientAccess(ctx, p.id, 'write', 'Patient');
      return p.id;
    }
  }
  if (typeof e.resource.id === 'string' && isUuid(e.resource.id) && (await getPatient(ctx.db, e.resource.id))) {
    await requirePatientAccess(ctx, e.resource.id, 'write', 'Patient');
    return e.resource.id;
  }
  await requirePatientAccess(ctx, 'unknown-identifier', 'write', 'Patient');
  throw forbidden('No enrolled patient with this identifier that you follow up. Varde does not create patients over FHIR: the GP enrols them.');
}

interface PreparedObs {
  entry: Entry;
  p: ObservationIn;
  patientId: string | null;
  deviceId: string | null;
  presetId: string;
}

/** DeviceMetric: kept as posted for the organisation (its Device link rewritten), not patient data. */
async function storeDeviceMetric(ctx: Ctx, tx: Queryable, r: Json, id: string): Promise<{ id: string; created: boolean }> {
  const org = orgOf(ctx);
  if (!org) throw fhirError(403, 'forbidden', 'Only a device gateway or staff of an organisation can register device metrics.');
  const idents = identifierTokens(r);
  const hash = contentHash(r);
  const scope = { patientId: null, organisationId: org };
  const [same] = idents.length ? await repo.fhirResourcesByIdentifier(tx, 'DeviceMetric', scope, idents) : [await repo.fhirResourceByHash(tx, 'DeviceMetric', scope, hash)];
  if (same) return { id: same.id, created: false };
  const row = await repo.insertFhirResource(tx, {
    id, resource_type: 'DeviceMetric', patient_id: null, organisation_id: org, resource_text: stringifyFhir(r), status: typeof r.operationalStatus === 'string' ? r.operationalStatus : null,
    codes: [], identifiers: idents, categories: [], effective_at: null, effective_precision: null, value_num: null, value_unit: null, device_id: null,
    content_hash: hash, observation_ids: [], triage: 'none', triage_note: null, recorded_by: actorTag(ctx.actor),
  });
  await audit(ctx, { action: 'create', resourceType: 'DeviceMetric', resourceId: row.id }, tx);
  return { id: row.id, created: true };
}

/**
 * Processes a transaction, batch or collection Bundle (see the comment at the top).
 * @param strict Prefer: handling=strict — unknown Observation codes are refused instead of stored
 */
export async function processBundle(ctx: Ctx, body: unknown, base: string, prefer: Prefer, strict: boolean): Promise<Bundle> {
  if (!isObj(body) || body.resourceType !== 'Bundle') throw fhirError(400, 'invalid', 'POST [base] takes a Bundle.', 'Bundle');
  const type = body.type;
  if (type !== 'transaction' && type !== 'batch' && type !== 'collection') {
    throw fhirError(400, 'not-supported', `POST [base] accepts Bundle type transaction, batch or collection, not "${String(type)}".`, 'Bundle.type');
  }
  const transaction = type === 'transaction';
  const raw = Array.isArray(body.entry) ? body.entry : [];
  if (raw.length > MAX_BUNDLE_ENTRIES) throw fhirError(413, 'too-costly', `At most ${MAX_BUNDLE_ENTRIES} entries per bundle.`, 'Bundle.entry');

  const entries: (Entry | undefined)[] = [];
  const errors = new Map<number, FhirError>();
  const failed: FhirError[] = [];
  const fail = (index: number, err: unknown) => {
    let known = toFhirError(err);
    if (!known) {
      // A transaction fails whole (the route answers 500). A batch answers each entry on its own
      // (FHIR R4 http.html#brules: "The success or failure of one change SHOULD not alter the
      // success or failure ... of another change", and the batch itself is 200 whatever its
      // entries did), so an unexpected failure of one entry (a database error) is that entry's 500.
      if (transaction) throw err;
      ctx.log.error({ err, entry: index }, 'unhandled error in a batch entry');
      known = fhirError(500, 'exception', 'Something went wrong on our side with this entry; the other entries were processed. Send it again later.');
    }
    const fe = inEntry(known, index);
    if (transaction) failed.push(fe);
    else errors.set(index, fe);
  };
  const stopIfFailed = () => {
    if (failed.length) throw new FhirError(failed[0]!.status, failed.flatMap((f) => f.issues));
  };

  // 1. Read every entry (no I/O), so a transaction reports all malformed entries at once.
  raw.forEach((e, index) => {
    try {
      entries.push(readEntry(e, index, type === 'collection'));
    } catch (err) {
      entries.push(undefined);
      fail(index, err);
    }
  });
  stopIfFailed();
  const ok = entries.filter((e): e is Entry => e !== undefined);
  const refMap = new Map<string, string>();
  const results = new Map<number, NonNullable<Entry['result']>>();

  // 2. Patients are matched before anything is written (read-only; refusals audited outside any transaction).
  // matchPatient decided write access to each (the rule requirePatientAccess applies to an
  // Observation's patient too): entries naming them need no decision of their own.
  const matched = new Set<string>();
  for (const e of ok.filter((x) => x.type === 'Patient')) {
    try {
      const id = await matchPatient(ctx, e);
      matched.add(id.toLowerCase());
      if (e.fullUrl) refMap.set(e.fullUrl, `Patient/${id}`);
      results.set(e.index, { status: 200, location: `Patient/${id}` });
    } catch (err) {
      fail(e.index, err);
      stopIfFailed();
    }
  }

  /** Runs one step of an entry; a batch records the failure and goes on, a transaction fails as a whole. */
  const guarded = async <T>(e: Entry, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      fail(e.index, err);
      if (transaction) stopIfFailed();
      return undefined;
    }
  };

  // 3. Devices and device metrics get their ids now (found by identifier, or handed out for the
  // create), so observations can be read and authorised before anything is written.
  const pendingDevices = new Set<string>();
  // `found`: registered already (findPostedDevice looks among the caller's organisation's devices).
  // Such an entry's answer is 200 with nothing to write, so it needs no statement in the transaction.
  const devices: { e: Entry; id: string; found: boolean }[] = [];
  for (const e of ok.filter((x) => x.type === 'Device')) {
    rewriteReferences(e.resource, refMap);
    const found = await guarded(e, async () => (await findPostedDeviceShared(ctx, e.resource, e.conditional)) ?? null);
    if (found === undefined) continue;
    const id = found ?? randomUUID();
    if (!found) pendingDevices.add(id);
    if (e.fullUrl) refMap.set(e.fullUrl, `Device/${id}`);
    devices.push({ e, id, found: found !== null });
  }
  const metrics: { e: Entry; id: string }[] = [];
  for (const e of ok.filter((x) => x.type === 'DeviceMetric')) {
    rewriteReferences(e.resource, refMap);
    const id = randomUUID();
    if (e.fullUrl) refMap.set(e.fullUrl, `DeviceMetric/${id}`);
    metrics.push({ e, id });
  }
  // Observations may point at each other (PHD: a reading's CoincidentTimeStampReference): an
  // entry is read once the entries it points at have their ids — the stored twin's id when it was
  // sent before (so a re-sent bundle is recognised), else a new one.
  const prepared: PreparedObs[] = [];
  let pending = ok.filter((x) => x.type === 'Observation');
  // The patients the entries name by fødselsnummer or D-nummer (subject.identifier, as gateways
  // that know no server ids send them), read in one statement instead of one per entry: with 100
  // patients per Bundle that was ~28 % of the Bundles' throughput (bench/README.md, "Round 22").
  const byIdentifier = new Map<string, PatientRow | null>();
  const subjectIds = pending.flatMap((e) => {
    const s = isObj(e.resource.subject) ? e.resource.subject : undefined;
    const value = nationalIdValue(isObj(s?.identifier) ? s.identifier : undefined);
    return value ? [value] : [];
  });
  if (subjectIds.length > 0) {
    const found = await findPatientsByIdentifiers(ctx.db, subjectIds);
    for (const v of subjectIds) byIdentifier.set(v, found.get(v) ?? null);
  }
  // Write access for every patient the entries name (Patient/[id], a Patient entry's fullUrl, or an
  // identifier read above) in one statement; it only grants, and only the patient an entry's
  // subject resolves to (resolveSubject) is looked up in it. Anyone it does not grant is checked
  // entry by entry below, as before.
  const named = [...pending.flatMap((e) => {
    const s = isObj(e.resource.subject) ? e.resource.subject : undefined;
    const ref = typeof s?.reference === 'string' ? (refMap.get(s.reference) ?? s.reference) : undefined;
    const m = ref !== undefined && !isObj(s?.identifier) ? /^Patient\/([0-9a-fA-F-]{36})$/.exec(ref) : null;
    return m ? [m[1]!] : [];
  }), ...[...byIdentifier.values()].flatMap((p) => (p ? [p.id] : []))].filter((id) => !matched.has(id.toLowerCase()));
  const writable = named.length ? await writablePatients(ctx, named) : new Set<string>();
  for (const id of matched) writable.add(id);
  const obsUrls = new Set(pending.map((x) => x.fullUrl).filter((u): u is string => u !== undefined));
  // Each entry's references to other Observation entries (by fullUrl), found once. Searching every
  // entry's JSON text for every fullUrl, as before, cost a Bundle of 100 with fullUrls ~7 ms of
  // server CPU (bench/README.md, "Round 24").
  const linksOf = new Map(pending.map((e) => [e, obsUrls.size ? [...referencesIn(e.resource)].filter((u) => u !== e.fullUrl && obsUrls.has(u)) : []]));
  const pointedAt = new Set([...linksOf.values()].flat());
  // An entry's id matters before it is written only when another entry points at its fullUrl;
  // any other entry finds its stored twin when it is written (stageObservation), with the same answer.
  const needTwin = new Set(pending.filter((e) => e.fullUrl !== undefined && pointedAt.has(e.fullUrl)));
  // Stored twins of those entries in one read instead of one per entry (existingTwin).
  const known = [...new Set([...needTwin].flatMap((e) => [...identifierTokens(e.resource), ...e.conditional]))];
  const twins = known.length ? await repo.fhirResourcesWithAnyIdentifier(ctx.db, 'Observation', known) : [];
  const knownSet = new Set(known);
  const twinOf = async (p: ObservationIn, patientId: string | null, conditional: string[]): Promise<string | undefined> => {
    const tokens = [...new Set([...p.identifiers.map((i) => `${i.system ?? ''}|${i.value}`), ...conditional])];
    // Nothing to match by identifier, or an identifier read differently from the raw one: the one-by-one lookup.
    if (tokens.length === 0 || tokens.some((t) => !knownSet.has(t))) return existingTwin(ctx.db, ctx, p, patientId, conditional);
    const org = patientId ? null : orgOf(ctx);
    return twins.find((r) => (patientId ? r.patient_id === patientId : r.patient_id === null && r.organisation_id === org)
      && r.identifiers.some((t) => tokens.includes(t)) && r.content_hash === p.hash)?.id;
  };
  // Devices the entries name (Device/[id] or an identifier), read for all of them instead of one per
  // entry; a reference to a Device entry of this Bundle (its fullUrl, as PHD gateways send them) is
  // that entry's device: one it found is the caller's organisation's, one it creates is pending.
  const knownDevices = await bundleDevices(ctx, pending.map((e) => e.resource.device), refMap, devices);
  while (pending.length) {
    // Waiting for an entry it points at to get its id.
    const waiting = (e: Entry) => linksOf.get(e)!.some((u) => !refMap.has(u));
    const ready = pending.filter((e) => !waiting(e));
    const batch = ready.length ? ready : pending; // a cycle: take them as they are (unresolved links are refused)
    const taken = new Set(batch);
    pending = pending.filter((e) => !taken.has(e));
    for (const e of batch) {
      const x = await guarded(e, async () => {
        rewriteReferences(e.resource, refMap);
        const p = observationIn(e.resource, strict);
        const patientId = await resolveSubject(ctx, ctx.db, p.subject, base, undefined, byIdentifier);
        // Once per patient: a gateway's Bundle usually carries many readings of one patient.
        if (patientId && !writable.has(patientId.toLowerCase())) {
          await requirePatientAccess(ctx, patientId, 'write', 'Observation');
          writable.add(patientId.toLowerCase());
        }
        const deviceId = await resolveDevice(ctx, ctx.db, p.device, p.resource, { pending: pendingDevices, known: knownDevices });
        const presetId = (needTwin.has(e) ? await twinOf(p, patientId, e.conditional) : undefined) ?? uuid7();
        return { entry: e, p, patientId, deviceId, presetId };
      });
      if (!x) continue;
      if (e.fullUrl) refMap.set(e.fullUrl, `Observation/${x.presetId}`);
      prepared.push(x);
    }
  }
  stopIfFailed();
  // Time order: late (offline) uploads are triaged in the order they were measured.
  prepared.sort((a, b) => (a.p.effective?.text ?? '').localeCompare(b.p.effective?.text ?? '') || a.entry.index - b.entry.index);

  const writeDevice = async (tx: Queryable, d: { e: Entry; id: string; found: boolean }) => {
    if (d.found) {
      results.set(d.e.index, { status: 200, location: `Device/${d.id}` });
      return;
    }
    const r = await createDevice(ctx, tx, d.e.resource, d.e.conditional, d.id);
    results.set(d.e.index, { status: r.created ? 201 : 200, location: `Device/${r.id}` });
  };
  const writeMetric = async (tx: Queryable, d: { e: Entry; id: string }) => {
    const r = await storeDeviceMetric(ctx, tx, d.e.resource, d.id);
    results.set(d.e.index, { status: r.created ? 201 : 200, location: `DeviceMetric/${r.id}` });
  };
  const bundleKeys = new Set<string>();
  const writeObs = async (tx: Queryable, x: PreparedObs) => {
    const w = await writeObservation(ctx, tx, x.p, x.patientId, x.deviceId, { base, strict, conditional: x.entry.conditional, bundleKeys, presetId: x.presetId });
    if (x.p.key) bundleKeys.add(x.p.key);
    results.set(x.entry.index, resultOf(w));
  };
  type Step = <T>(e: Entry, fn: () => Promise<T>) => Promise<T>;
  /**
   * Stages every Observation entry in `tx`, in order, their live readings joined to the group's
   * batch (triaged together in one storeSittings); resolves once every entry is written.
   */
  const stageAll = async (tx: Queryable, batch: SittingBatch, step: Step): Promise<Staged<void>> => {
    // A retry of the same staging starts from nothing (ids handed out above stay the same).
    // The entries' episodes were locked by the group before anything was staged (declareAll).
    bundleKeys.clear();
    const later: { x: PreparedObs; w: Promise<Written> }[] = [];
    for (const x of prepared) {
      const staged = await step(x.entry, () =>
        stageObservation(ctx, tx, x.p, x.patientId, x.deviceId, { base, strict, conditional: x.entry.conditional, bundleKeys, presetId: x.presetId }, batch));
      // Entries after this one count it as written (as one by one): a key shared with a pending entry flushes the batch first.
      if (x.p.key) bundleKeys.add(x.p.key);
      if ('now' in staged) results.set(x.entry.index, resultOf(staged.now));
      else later.push({ x, w: staged.later });
    }
    // Settled once the shared transaction's batch is flushed (by the group, after every write is staged).
    const done = (async () => {
      for (const { x, w } of later) results.set(x.entry.index, resultOf(await step(x.entry, () => w)));
    })();
    done.catch(() => undefined);
    return { later: done };
  };
  const declareAll = (batch: SittingBatch) => {
    // Every patient's open episodes locked first, as a transaction Bundle always has been, now with
    // the group's other Bundles' in one statement (ObservationReads#lockEpisodes).
    ObservationReads.of(batch).lockEpisodes(new Set(prepared.flatMap((x) => (x.patientId ? [x.patientId] : []))));
    // The devices are resolved above (deviceId): the group need not read them again.
    for (const x of prepared) declareObservation(batch, ctx, x.p, x.patientId, x.entry.conditional, { device: false });
  };

  if (transaction) {
    // 4. One database transaction; any failure rolls back every device, observation, alert and audit record of the bundle.
    const step: Step = async (e, fn) => {
      try {
        return await fn();
      } catch (err) {
        throw inEntry(asFhirError(err), e.index);
      }
    };
    // Shared with other concurrent writes of this client (group commit, ingest/group.ts); the
    // Bundle's live readings are triaged together in one storeSittings. If anything fails, the
    // shared transaction is redone without the others, and this Bundle fails whole.
    await submitShared(ctx, async (tx, batch) => {
      for (const d of devices) await step(d.e, () => writeDevice(tx, d));
      for (const d of metrics) await step(d.e, () => writeMetric(tx, d));
      return stageAll(tx, batch, step);
    }, declareAll, Math.max(1, prepared.length));
  } else {
    for (const d of devices.filter((x) => !x.found)) await guarded(d.e, () => ctx.db.tx((tx) => writeDevice(tx, d)));
    for (const d of devices.filter((x) => x.found)) await writeDevice(ctx.db, d);
    for (const d of metrics) await guarded(d.e, () => ctx.db.tx((tx) => writeMetric(tx, d)));
    // First all entries in one transaction on ingest's group commit, as for a transaction: when
    // every entry succeeds, that is what writing them one by one would have done. If any entry
    // fails, nothing of that attempt is kept and the entries are written one by one as before, each
    // in its own transaction, so each succeeds or fails alone.
    let together = prepared.length > 0;
    if (together) {
      try {
        await submitShared(ctx, (tx, batch) => stageAll(tx, batch, (_e, fn) => fn()), declareAll, prepared.length);
      } catch {
        together = false;
        for (const x of prepared) results.delete(x.entry.index);
      }
    }
    if (!together) {
      bundleKeys.clear();
      for (const x of prepared) await guarded(x.entry, () => ctx.db.tx((tx) => writeObs(tx, x)));
    }
  }

  const response = raw.map((_, index): BundleEntry => {
    const err = errors.get(index);
    if (err) return { response: { status: statusLine(err.status), outcome: operationOutcome(err.issues) } };
    const r = results.get(index);
    if (!r) return { response: { status: statusLine(500), outcome: operationOutcome([{ code: 'exception', diagnostics: 'The entry was not processed.' }]) } };
    const outcome = r.notes?.length && prefer !== 'minimal' ? information(r.notes.join(' ')) : undefined;
    const resource = prefer === 'representation' ? (r.resource ?? r.build?.()) : undefined;
    return {
      ...(resource ? { fullUrl: `${base}/${r.location}`, resource } : {}),
      response: { status: statusLine(r.status), ...(r.location ? { location: r.location } : {}), ...(outcome ? { outcome } : {}) },
    };
  });
  return {
    resourceType: 'Bundle',
    type: transaction ? 'transaction-response' : 'batch-response',
    ...(response.length ? { entry: response } : {}),
  };
}

/**
 * The devices Observation entries name, for resolveDevice's `known`: references to the Bundle's own
 * Device entries (by fullUrl) from what those entries found, the rest read by devicesAhead.
 */
async function bundleDevices(
  ctx: Ctx, refs: unknown[], refMap: ReadonlyMap<string, string>, devices: readonly { id: string; found: boolean }[],
): Promise<KnownDevices> {
  const own = new Map(devices.map((d) => [d.id.toLowerCase(), d]));
  const org = orgOf(ctx);
  const byId = new Map<string, repo.DeviceOwner | null>();
  const rest = refs.flatMap((r) => {
    const mapped = isObj(r) && typeof r.reference === 'string' && refMap.has(r.reference) ? { ...r, reference: refMap.get(r.reference) } : r;
    const ref = referenceIn(mapped);
    const d = ref?.type === 'Device' && ref.id ? own.get(ref.id.toLowerCase()) : undefined;
    if (!d) return [ref];
    // A device it creates is pending (resolveDevice takes those first); one it found is ours.
    if (d.found && org) byId.set(d.id.toLowerCase(), { id: d.id, organisation_id: org });
    return [];
  });
  const read = await devicesAhead(ctx.db, org, rest);
  for (const [id, owner] of read.byId) byId.set(id, owner);
  return { byId, byToken: read.byToken };
}

function resultOf(w: Written): NonNullable<Entry['result']> {
  return { status: w.status, location: `Observation/${w.row.id}`, build: () => storedObservation(w.row, new Map(w.readings.map((o) => [o.id, o])), w.posted), notes: w.notes };
}
