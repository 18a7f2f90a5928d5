import { careRelations } from '../auth/access.js';
import type { Ctx } from '../context.js';
import type { Db, Queryable } from '../db/port.js';
import { storeSittings, type CheckedSitting, type StoredSitting } from '../observations/service.js';
import { GroupQueues, groupsRunningFrom, waitingAtLeast, withRetry } from './queue.js';

/*
 * Group commit for device uploads. Every upload is validated on its own; its write then joins
 * whatever other uploads of the same client arrived while the previous write was committing, and
 * they are stored in ONE transaction (one access check, one lock statement, one context read, one
 * write statement, one commit) instead of one each. On PostgreSQL nothing waits on a timer: an
 * upload that arrives when no write is running is written at once, and under load the groups form
 * by themselves. On PGlite a write waits 3 ms for company first (the queue is queue.ts's GroupQueues).
 *
 * Each upload keeps its own guarantees. It is acknowledged only after the transaction holding its
 * readings has committed, with their triage, alerts and audit records; and it stays all-or-nothing:
 * an upload naming a patient the client may not write for is refused whole (the others of the
 * group go on), and if a combined write fails, every upload of the group is written again on its
 * own, so one upload's problem (say, an episode ended a moment ago) is answered to that upload alone.
 *
 * The group also shares the database work that is per patient rather than per reading: resolving
 * identity numbers and the access check (the device-client rule of auth/access.ts: the client's
 * organisation is in the care team of the patient's open episode) are one statement per group.
 */

/** A patient as the device names it: Varde's id, or a (normalised) fødselsnummer / D-nummer. */
export type PatientRef = { id: string } | { identifier: string };

export interface Upload {
  readings: { patient: PatientRef; idempotencyKey: string; sitting: CheckedSitting }[];
  device?: { serial: string; model?: string | undefined };
  /** Offset of this upload's device clock, stored with each of its readings. */
  clockOffsetMs: number;
}

/** Stored (one StoredSitting per reading, in order), or refused because of these readings' patients. */
export type UploadOutcome =
  | { ok: true; patientIds: string[]; stored: StoredSitting[] }
  | { ok: false; refused: { index: number; patientId: string | null }[] };

interface Job extends Upload {
  ctx: Ctx;
  resolve(r: UploadOutcome): void;
  reject(err: unknown): void;
}

/** Readings in one combined transaction at most (an upload bigger than this is written alone). */
const MAX_GROUP_READINGS = 2000;

/** The next group: uploads in arrival order up to MAX_GROUP_READINGS readings (at least one upload). */
function takeGroup(queue: Job[]): Job[] {
  const group: Job[] = [queue.shift()!];
  let n = group[0]!.readings.length;
  while (queue.length > 0 && n + queue[0]!.readings.length <= MAX_GROUP_READINGS) {
    const j = queue.shift()!;
    group.push(j);
    n += j.readings.length;
  }
  return group;
}

/** One transaction for the uploads: access, devices, then every reading in time order through storeSittings. */
async function write(ctx: Ctx, uploads: Upload[]): Promise<UploadOutcome[]> {
  const a = ctx.actor;
  if (a.kind !== 'client') throw new Error('device uploads come from clients');
  // Every statement of a group commit is a probe by key (arrays of ids through unnest): with
  // custom plans PostgreSQL planned the triage-context read and the write again on every group,
  // ~15 % of the database's CPU per reading (bench/README.md, "Database CPU per reading (round 5)").
  return withRetry(() =>
    ctx.db.tx(async (tx) => {
      const { allowed: access, known } = await patientAccess(tx, a.organisationId, uploads.flatMap((u) => u.readings.map((r) => r.patient)));
      const outcomes: (UploadOutcome | null)[] = uploads.map((u) => {
        const refused = u.readings.flatMap((r, i) => (access(r.patient) ? [] : [{ index: i, patientId: known(r.patient) }]));
        return refused.length > 0 ? { ok: false, refused } : null;
      });
      const accepted = uploads.flatMap((u, g) => (outcomes[g] === null ? [{ u, g }] : []));
      const deviceIds = new Map<string, string>();
      for (const { u } of accepted) {
        if (u.device && !deviceIds.has(u.device.serial)) deviceIds.set(u.device.serial, await deviceFor(tx, a.organisationId, u.device));
      }
      const all = accepted.flatMap(({ u, g }) =>
        u.readings.map((r, k) => ({
          g, k,
          item: {
            patientId: access(r.patient)!, idempotencyKey: r.idempotencyKey, sitting: r.sitting,
            device: { deviceId: u.device ? deviceIds.get(u.device.serial)! : null, deviceClockOffsetMs: u.clockOffsetMs },
          },
        })),
      );
      // Time order (then arrival order): triage sees an offline backlog in the order it was measured.
      all.sort((x, y) => x.item.sitting.effectiveAt.getTime() - y.item.sitting.effectiveAt.getTime() || x.g - y.g || x.k - y.k);
      const stored = await storeSittings(ctx, tx, all.map((x) => x.item), { source: 'device' });
      const out = uploads.map((u) => new Array<StoredSitting>(u.readings.length));
      all.forEach((x, i) => {
        out[x.g]![x.k] = stored[i]!;
      });
      return outcomes.map((o, g) => o ?? { ok: true, patientIds: uploads[g]!.readings.map((r) => access(r.patient)!), stored: out[g]! });
    }, { genericPlans: true }),
  );
}

/**
 * Resolves the patients of a group and applies the device-client access rule in one statement.
 * `allowed` gives the patient id for a reference the client may write for, else null (not in the
 * care team, or no such patient: the caller refuses both alike); `known` gives the id of any
 * existing patient, so a refusal can be audited against the patient it concerns.
 */
async function patientAccess(
  tx: Queryable,
  organisationId: string,
  refs: PatientRef[],
): Promise<{ allowed: (ref: PatientRef) => string | null; known: (ref: PatientRef) => string | null }> {
  const ids = [...new Set(refs.flatMap((r) => ('id' in r ? [r.id] : [])))];
  const identifiers = [...new Set(refs.flatMap((r) => ('identifier' in r ? [r.identifier] : [])))];
  const rows = await careRelations(tx, organisationId, ids, identifiers);
  const byId = new Map(rows.map((x) => [x.id, x]));
  const byIdentifier = new Map(rows.map((x) => [x.identifier, x]));
  const row = (ref: PatientRef) => ('id' in ref ? byId.get(ref.id) : byIdentifier.get(ref.identifier));
  return {
    allowed: (ref) => {
      const x = row(ref);
      return x?.allowed ? x.id : null;
    },
    known: (ref) => row(ref)?.id ?? null,
  };
}

/** The organisation's device row for this serial, registered on first upload. */
async function deviceFor(tx: Queryable, organisationId: string, device: { serial: string; model?: string | undefined }): Promise<string> {
  const find = async () =>
    (await tx.query<{ id: string }>('select id from devices where organisation_id = $1 and serial = $2', [organisationId, device.serial])).rows[0]?.id;
  const existing = await find();
  if (existing) return existing;
  const ins = await tx.query<{ id: string }>(
    `insert into devices (organisation_id, serial, model, kind) values ($1, $2, $3, 'unspecified')
     on conflict (organisation_id, serial) do nothing returning id`,
    [organisationId, device.serial, device.model ?? 'unknown'],
  );
  // Empty when a concurrent upload registered it first; it has committed by the time we get here.
  const id = ins.rows[0]?.id ?? (await find());
  if (!id) throw new Error('device registration raced and lost');
  return id;
}

/** Readings waiting that make a second group worth starting while one commits (see below). */
const PARALLEL_GROUP_READINGS = 16;
/**
 * Groups of one client written at once on PostgreSQL. A third needs 32 readings waiting, a fourth
 * 48 (queue.ts#waitingAtLeast), and a free one of the process's two groups beyond any caller's
 * second (queue.ts, EXTRA_GROUPS), so only a backlog of large uploads spreads this wide. With two,
 * four 100-reading uploads in flight kept the database at one core's worth of CPU (100 of 200)
 * while the server waited on it; with four, 14 938 / 14 959 obs/s against 13 305 / 13 606 in
 * alternated runs, the same database CPU per upload, single readings unchanged (bench/README.md,
 * "Round 20"). VARDE_INGEST_GROUPS_RUNNING overrides the number for measurements (a whole number
 * of at least 1; anything else is the default).
 */
const GROUPS_RUNNING = groupsRunningFrom('VARDE_INGEST_GROUPS_RUNNING');

/*
 * On PostgreSQL a second group starts while one commits only when at least 16 readings wait.
 * Single readings collect into the next group until then: with two groups always in flight the
 * groups stayed small and the database spent more per reading (0.57 / 0.65 against 0.93 / 0.72 ms
 * of database CPU per single reading in alternating runs, bench --patients 2000 --phases single,
 * loaded machine). Large uploads do gain from the second core: with one group at a time, batched
 * ingest fell from 7 003 to 4 692 obs/s on the idle machine. Round 5, once a reading cost half as
 * much: waiting for a full upload's worth (100) left single readings latency-bound (1 393–1 620
 * req/s at 32 concurrent, 10 000 patients, idle machine, 105–120 of 200 CPU busy); from 16 waiting
 * they reached 1 855–1 857 req/s in three runs with p99 37–39 ms instead of 42–55, for ~5 % more
 * database CPU per reading (groups of 16 still share their statements); 8 and 32 gave 1 641–1 644.
 */
/** One group-commit queue per database and client: only uploads of the same actor share a transaction. */
const queues = new GroupQueues<Job, UploadOutcome>(takeGroup, write, GROUPS_RUNNING, waitingAtLeast(PARALLEL_GROUP_READINGS, (j: Job) => j.readings.length));

/**
 * Writes an upload's validated readings through the client's group-commit queue. Resolves once
 * they are committed (one StoredSitting per reading, in order), or with the readings whose
 * patients the client may not write for (then nothing of the upload was stored).
 */
export function submitUpload(ctx: Ctx, upload: Upload): Promise<UploadOutcome> {
  const a = ctx.actor;
  if (a.kind !== 'client') throw new Error('device uploads come from clients');
  return new Promise((resolve, reject) => {
    queues.submit(ctx.db, `${a.clientId} ${a.organisationId}`, { ...upload, ctx, resolve, reject });
  });
}
