import { careRelations, isUuid } from '../auth/access.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import type { Ctx } from '../context.js';
import { batchedLookup } from '../db/batched-lookup.js';
import type { Db, Queryable } from '../db/port.js';
import type { SharedReads, SittingBatch } from '../ingest/group.js';
import * as repo from './repo.js';

/*
 * Set-based reads for FHIR Observation writes (issue 15): what used to be read once per posted
 * Observation is read once per group commit (ingest/group.ts) or Bundle.
 *
 * Write access: the rule of auth/access.ts for a device client or clinical staff writing (their
 * organisation is in the care team of the patient's open episode) decided for many patients in one
 * statement. It only ever grants: a patient it does not grant goes through requirePatientAccess as
 * before, which decides again and audits the refusal. A Bundle decides its entries' patients in
 * one statement (writablePatients); a single create is decided inside its group commit, by the
 * group's read of its patients' episodes (ObservationReads#writable: no statement of its own).
 * Until round 22 concurrent single creates of one organisation shared an access statement outside
 * the transaction, 2.3 per group commit; without it they went from ~1 630 to ~1 880 per second
 * (bench/README.md, "Round 22").
 *
 * ObservationReads: the identifier twins (locked, as fhirResourcesByIdentifier does), the
 * episodes (time zone, open episode) and the devices (devicesAhead) of every Observation of a
 * group, read once before any is staged. An identifier is served from this read only until a write
 * of the group has named it; after that the write reads it again itself, so it sees what the group
 * wrote (as one by one).
 */

/** The organisation whose care-team membership lets the caller write, when the caller's rule is that one. */
export function writeOrg(ctx: Ctx): string | null {
  const a = ctx.actor;
  if (a.kind === 'client') return a.scopes.includes('observation.write') ? a.organisationId : null;
  // A SMART launch session reaches one patient only: left to requirePatientAccess.
  if (a.kind === 'personnel') return CLINICAL_ROLES.includes(a.role) && !a.launchPatient ? a.organisationId : null;
  return null;
}

/**
 * The patients among `patientIds` the caller may certainly write for (one statement; ids in lower
 * case). Others may still be allowed by a rule not covered here: check them with requirePatientAccess.
 */
export async function writablePatients(ctx: Ctx, patientIds: string[]): Promise<Set<string>> {
  const org = writeOrg(ctx);
  const ids = [...new Set(patientIds.filter(isUuid))];
  if (!org || ids.length === 0) return new Set();
  return writableBy(ctx.db, org, ids);
}

/** A patient named by fødselsnummer or D-nummer, and whether an organisation may certainly write for them. */
export interface PatientRelation {
  id: string;
  identifier_system: string;
  /** careRelations' rule only: false means "ask requirePatientAccess". */
  allowed: boolean;
}

const relationByIdentifier = batchedLookup<PatientRelation>(async (db, org, identifiers) =>
  new Map((await careRelations(db, org, [], identifiers)).map((r) => [r.identifier, r])));

/**
 * The patient with this identifier (as stored: no spaces) and whether `org` may certainly write for
 * them, read together with concurrent callers' (db/batched-lookup.ts): a PHD Bundle's Patient
 * entry, one per Bundle, otherwise two statements each. Undefined when nobody has the identifier.
 */
export function patientRelationShared(db: Db, org: string, identifier: string): Promise<PatientRelation | undefined> {
  return relationByIdentifier(db, org, identifier);
}

const deviceByToken = batchedLookup<repo.DeviceRow>(async (db, org, tokens) => {
  const rows = await repo.devicesByIdentifier(db, org, tokens); // oldest first
  const out = new Map<string, repo.DeviceRow>();
  for (const t of tokens) {
    const d = rows.find((x) => repo.deviceHasToken(x, t));
    if (d) out.set(t, d);
  }
  return out;
});

/**
 * What repo.devicesByIdentifier(db, org, tokens)[0] is (the oldest of the organisation's devices
 * with any of the identifiers), read together with concurrent callers' (db/batched-lookup.ts): a
 * PHD Bundle's Device entries, one or two per Bundle.
 */
export async function deviceByIdentifiersShared(db: Db, org: string, tokens: readonly string[]): Promise<repo.DeviceRow | undefined> {
  const found = await Promise.all(tokens.map((t) => deviceByToken(db, org, t)));
  return found.filter((d): d is repo.DeviceRow => d !== undefined)
    .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}

/** Ids (lower case) of the patients among `ids` the organisation may write for (auth/access.ts#careRelations). */
async function writableBy(q: Queryable, org: string, ids: string[]): Promise<Set<string>> {
  return new Set((await careRelations(q, org, ids)).filter((r) => r.allowed).map((r) => r.id));
}

/** A device reference as Observation.device carries it (observation-in.ts#referenceIn). */
type DeviceRef = { type?: string | undefined; id?: string | undefined; identifier?: { system?: string | undefined; value?: string | undefined } | undefined };

/** Devices read ahead for many writes (devicesAhead, ObservationReads): what resolveDevice would read for each. */
export interface KnownDevices {
  /** `Device/[id]`, by lower-case id: the device's owner, null when there is no such device. */
  byId: ReadonlyMap<string, repo.DeviceOwner | null>;
  /** A logical reference, by 'system|value': the id of the caller's oldest device with it, null when none. */
  byToken: ReadonlyMap<string, string | null>;
}

/** The token resolveDevice looks a logical device reference up by. */
export function deviceToken(identifier: { system?: string | undefined; value?: string | undefined }): string {
  return `${identifier.system ?? ''}|${identifier.value}`;
}

/**
 * The devices these references name, read in one statement for the `Device/[id]` ones and one for
 * the logical ones, for writes that will each resolveDevice (a Bundle's entries, a group commit's
 * creates): pass the result as its `known`. Each write used to read its own (bench/README.md,
 * round 23). `org`: the caller's organisation (orgOf), whose devices a logical reference may name.
 */
export async function devicesAhead(q: Queryable, org: string | null, refs: Iterable<DeviceRef | undefined>): Promise<KnownDevices> {
  const ids = new Set<string>();
  const tokens = new Set<string>();
  for (const r of refs) {
    if (r?.type === 'Device' && r.id) {
      if (isUuid(r.id)) ids.add(r.id.toLowerCase());
    } else if (r?.identifier?.value) tokens.add(deviceToken(r.identifier));
  }
  const owners = new Map((await repo.devicesByIds(q, [...ids])).map((d) => [d.id, d]));
  const rows = await repo.devicesByIdentifier(q, org, [...tokens]); // oldest first, as resolveDevice takes them
  const byToken = new Map<string, string | null>();
  for (const t of tokens) byToken.set(t, rows.find((d) => repo.deviceHasToken(d, t))?.id ?? null);
  return { byId: new Map([...ids].map((id) => [id, owners.get(id) ?? null])), byToken };
}

type Scope = { patientId: string | null; organisationId: string | null };
type Episodes = Awaited<ReturnType<typeof repo.episodesForWrite>>;

/** The reads of a group's Observation writes, one statement per kind (see the comment at the top). */
export class ObservationReads implements SharedReads {
  private readonly patients = new Set<string>();
  private readonly tokens = new Set<string>();
  /** Set when a patient-less write was declared: the organisation of its scope. */
  private orgScope: string | null | undefined;
  /** The organisation whose care relations decide the writers' access (writeOrg; one actor per group). */
  private writer: string | null = null;
  private rows: repo.FhirResourceRow[] | undefined;
  private episodes: Map<string, Episodes & { writable: boolean }> | undefined;
  /** Tokens a write of the group has named: read again by whoever needs them next. */
  private readonly named = new Set<string>();
  /** Device references of the group's writes, their caller's organisation, and the devices read for them. */
  private readonly deviceRefs: DeviceRef[] = [];
  private deviceOrg: string | null = null;
  private devices: KnownDevices | undefined;
  /** Patients whose open episodes the group locks before anything is staged (lockEpisodes). */
  private readonly locked = new Set<string>();

  /** The reads of `batch`'s Observation writes. */
  static of(batch: SittingBatch): ObservationReads {
    return batch.shared('fhir.observation', () => new ObservationReads());
  }

  /**
   * Declares a write: its scope and identifier tokens; `writer` (writeOrg of its caller) has the
   * load decide whether that organisation may write for the scope's patient (writable).
   */
  want(scope: Scope, tokens: readonly string[], writer: string | null = null, device?: { ref: DeviceRef | undefined; org: string | null }): void {
    if (writer) this.writer = writer;
    if (device?.ref) {
      this.deviceRefs.push(device.ref);
      this.deviceOrg = device.org;
    }
    if (scope.patientId) this.patients.add(scope.patientId.toLowerCase());
    else this.orgScope = scope.organisationId;
    for (const t of tokens) this.tokens.add(t);
  }

  /**
   * Has the group lock these patients' open episodes when it loads, before any write is staged:
   * a transaction Bundle's guarantee (bundle.ts), taken for every Bundle of the group in one
   * statement, in one id order, instead of one statement per Bundle while the group waited.
   */
  lockEpisodes(patientIds: Iterable<string>): void {
    for (const id of patientIds) this.locked.add(id.toLowerCase());
  }

  async load(tx: Queryable): Promise<void> {
    const patients = [...this.patients];
    if (this.tokens.size > 0) this.rows = await repo.fhirResourcesOfScopes(tx, 'Observation', [...this.tokens], patients, this.orgScope);
    // After the twins' row locks, before the episodes are read: the order every group takes them
    // in (a group of single creates locks episodes when its sittings are stored), so two groups
    // never wait for each other in opposite orders.
    if (this.locked.size > 0) await repo.lockOpenEpisodes(tx, [...this.locked]);
    if (patients.length > 0) this.episodes = await repo.episodesForWriteMany(tx, patients, this.writer);
    if (this.deviceRefs.length > 0) this.devices = await devicesAhead(tx, this.deviceOrg, this.deviceRefs);
  }

  /** The devices the group's writes name, read with the group (resolveDevice's `known`). */
  knownDevices(): KnownDevices | undefined {
    return this.devices;
  }

  /**
   * What fhirResourcesByIdentifier(tx, 'Observation', scope, tokens) would return now, or
   * undefined when it must be read (not declared, or named by a write of the group since).
   */
  byIdentifier(scope: Scope, tokens: readonly string[]): repo.FhirResourceRow[] | undefined {
    if (!this.rows || tokens.some((t) => !this.tokens.has(t) || this.named.has(t))) return undefined;
    const patientId = scope.patientId?.toLowerCase();
    if (patientId ? !this.patients.has(patientId) : this.orgScope === undefined || this.orgScope !== scope.organisationId) return undefined;
    return this.rows.filter((r) => (patientId ? r.patient_id === patientId : r.patient_id === null && r.organisation_id === scope.organisationId)
      && r.identifiers.some((t) => tokens.includes(t)));
  }

  /** Marks tokens as named by a write of the group (see byIdentifier). */
  name(tokens: readonly string[]): void {
    for (const t of tokens) this.named.add(t);
  }

  /**
   * True when the load found that the declared writer's organisation may certainly write for the
   * patient (auth/access.ts#careRelations' rule, decided with the group's episodes); false means
   * "ask requirePatientAccess", which decides again and audits a refusal.
   */
  writable(patientId: string): boolean {
    return this.writer !== null && this.episodes?.get(patientId.toLowerCase())?.writable === true;
  }

  /** The patient's time zone and open episode, if read with the group. */
  episodesOf(patientId: string): Episodes | undefined {
    return this.episodes?.get(patientId.toLowerCase());
  }
}
