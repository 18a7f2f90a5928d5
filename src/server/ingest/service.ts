import { parseNorwegianId } from '../../domain/identifiers.js';
import type { Zone } from '../../domain/triage.js';
import { requirePatientAccess } from '../auth/access.js';
import type { Ctx } from '../context.js';
import { resolveUploadDevice } from '../devices/identity.js';
import { AppError, forbidden } from '../http/errors.js';
import { checkSitting, FUTURE_TOLERANCE_MS, worstZone, type CheckedSitting } from '../observations/service.js';
import { submitUpload } from './combiner.js';
import type { IngestBody } from './schema.js';

/*
 * Device ingest: a gateway (OAuth client credentials, scope observation.write) uploads a batch of
 * readings for the patients its organisation follows.
 *
 * Batch semantics: all or nothing. Every reading is validated before anything is written; one bad
 * reading refuses the whole upload with 4xx naming `readings.<i>.<field>`, and the readings are then
 * stored in ONE transaction (which may also carry other uploads of the same client: see
 * combiner.ts). A device therefore only has two outcomes to handle (acknowledged or not) and can
 * simply re-send the same upload after any failure, timeout or crash: readings that did commit come
 * back as `duplicate`, the rest as `created`.
 *
 * Clock: the device's clock is compared with ours once per upload, offset = receivedAt − sentAt
 * (so it includes the transmission time). Within CLOCK_SKEW_TOLERANCE_MS the offset is treated as
 * transmission delay and times are stored as the device reported them. Beyond it the device clock is
 * known to be wrong and every effectiveAt is shifted by the offset into our time, because a reading
 * stored at a wrong time would corrupt trend rules and missing-measurement detection. The offset is
 * stored on every observation either way (device_clock_offset_ms), so the device's own time is
 * effective_at − offset whenever |offset| > tolerance. Offsets beyond MAX_CLOCK_OFFSET_MS mean the
 * device has no usable clock (reset to factory time, say): the upload is refused, not guessed at.
 * After any correction, a reading more than FUTURE_TOLERANCE_MS ahead of our clock is refused.
 */

/** Below this |offset| the difference is transmission delay, not a wrong clock. */
export const CLOCK_SKEW_TOLERANCE_MS = 2 * 60_000;
/** Beyond this the device clock is unusable (and the offset would not fit the int column). */
export const MAX_CLOCK_OFFSET_MS = 24 * 3_600_000;
/** Field errors listed in one 4xx answer; the rest are counted in the message. */
const MAX_FIELD_ERRORS = 50;

export type ReadingStatus = 'created' | 'duplicate';

export interface ReadingResult {
  index: number;
  readingId: string;
  status: ReadingStatus;
  patientId: string;
  /** As stored, in server time (after any clock correction). */
  effectiveAt: string;
  observationIds: string[];
  zone: Zone | null;
}

export interface IngestResult {
  receivedAt: Date;
  clockOffsetMs: number;
  clockCorrected: boolean;
  results: ReadingResult[];
  created: number;
  duplicates: number;
}

/**
 * The idempotency key of a device reading: client id, device serial (when given) and the device's
 * reading id, each URI-encoded so no combination of values can collide with another.
 */
export function idempotencyKeyFor(clientId: string, serial: string | undefined, readingId: string): string {
  return `ingest:${encodeURIComponent(clientId)}/${encodeURIComponent(serial ?? '')}/${encodeURIComponent(readingId)}`;
}

/**
 * Stores an upload of device readings: validates all of it, resolves and authorises the patients,
 * then records every reading (zone, triage, alerts, audit, NOTIFY via storeSittings) in one
 * transaction, in time order so trend rules see late uploads in the order they were measured.
 * @param receivedAt our clock when the upload arrived; the clock offset is measured against it
 * @throws AppError 403 for a caller that is not a device client with observation.write or has no
 *   care relation to a patient; 422 for future times, implausible values, unknown units or an
 *   unusable device clock; 409 when a patient has no active episode
 */
export async function ingestReadings(ctx: Ctx, body: IngestBody, receivedAt: Date): Promise<IngestResult> {
  const a = requireDeviceWriter(ctx);
  const clockOffsetMs = receivedAt.getTime() - Date.parse(body.sentAt);
  if (Math.abs(clockOffsetMs) > MAX_CLOCK_OFFSET_MS) {
    throw new AppError(422, 'device_clock_unreliable',
      `The device clock is ${formatOffset(clockOffsetMs)} off ours (more than ${MAX_CLOCK_OFFSET_MS / 3_600_000} h). Set the device clock and send again.`,
      { sentAt: `Device clock off by ${clockOffsetMs} ms` });
  }
  const clockCorrected = Math.abs(clockOffsetMs) > CLOCK_SKEW_TOLERANCE_MS;
  const shift = clockCorrected ? clockOffsetMs : 0;

  // 1. Validate every reading before touching the database, collecting all field errors.
  const errors: { code: string; message: string; fields: Record<string, string> }[] = [];
  const checked: (CheckedSitting | null)[] = body.readings.map((r, i) => {
    const prefix = `readings.${i}.`;
    const at = Date.parse(r.effectiveAt) + shift;
    if (at - receivedAt.getTime() > FUTURE_TOLERANCE_MS) {
      const note = clockCorrected ? `after correcting the device clock by ${formatOffset(clockOffsetMs)}` : 'the device clock agrees with ours';
      errors.push({
        code: 'future_timestamp',
        message: `Reading ${i} is ${formatOffset(at - receivedAt.getTime())} in the future (${note}).`,
        fields: { [`${prefix}effectiveAt`]: 'In the future' },
      });
      return null;
    }
    try {
      return checkSitting(ctx, { effectiveAt: new Date(at).toISOString(), measurements: r.measurements }, prefix);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      errors.push({ code: err.code, message: `Reading ${i}: ${err.message}`, fields: err.fields ?? {} });
      return null;
    }
  });
  body.readings.forEach((r, i) => {
    if (r.patientIdentifier === undefined) return;
    const id = parseNorwegianId(r.patientIdentifier);
    if (!id.ok) errors.push({ code: 'invalid_identifier', message: `Reading ${i}: ${id.error.message}`, fields: { [`readings.${i}.patientIdentifier`]: id.error.message } });
  });
  if (errors.length > 0) throw combined(422, errors, body.readings.length);

  // The registered device and its borrower (devices/identity.ts): an unknown Bluetooth device is
  // refused, a reading without a patient goes to the borrower, a reading for anyone else is refused.
  const lent = body.device ? await resolveUploadDevice(ctx.db, a.organisationId, body.device, body.readings.some((r) => r.patientId === undefined && r.patientIdentifier === undefined)) : null;
  if (lent?.borrower) {
    const b = lent.borrower;
    const wrong = body.readings.flatMap((r, i) => {
      const named = r.patientId?.toLowerCase() ?? (r.patientIdentifier !== undefined ? normalisedIdentifier(r.patientIdentifier) : undefined);
      if (named !== undefined && named !== b.id && named !== b.identifier) {
        return [{ code: 'device_lent_to_another_patient', message: `Reading ${i}: device ${lent.serial} is lent to another patient.`,
          fields: { [`readings.${i}.${r.patientId !== undefined ? 'patientId' : 'patientIdentifier'}`]: 'The device is lent to another patient' } }];
      }
      // A meter keeps its memory between patients: a record from before this loan may be the previous borrower's.
      if (Date.parse(r.effectiveAt) + shift < b.lentAt.getTime() - CLOCK_SKEW_TOLERANCE_MS) {
        return [{ code: 'measured_before_loan', message: `Reading ${i} was measured before device ${lent.serial} was lent to this patient (${b.lentAt.toISOString()}); it may be the previous borrower's.`,
          fields: { [`readings.${i}.effectiveAt`]: 'Measured before the device was lent to the patient' } }];
      }
      return [];
    });
    if (wrong.length > 0) throw combined(422, wrong, body.readings.length);
  }
  const device = body.device ? { ...body.device, serial: lent?.serial ?? body.device.serial } : undefined;

  // 2. Stored in one transaction, possibly shared with other uploads of this client (group
  // commit); the patients are resolved and the access rule applied inside it.
  const readings = body.readings.map((r, i) => ({
    patient: r.patientId !== undefined ? { id: r.patientId.toLowerCase() }
      : r.patientIdentifier !== undefined ? { identifier: normalisedIdentifier(r.patientIdentifier) } : { id: lent!.borrower!.id },
    idempotencyKey: idempotencyKeyFor(a.clientId, device?.serial, r.readingId),
    sitting: checked[i]!,
  }));
  const outcome = await submitUpload(ctx, { readings, ...(device ? { device: { serial: device.serial, model: device.model } } : {}), clockOffsetMs });
  if (!outcome.ok) return refuse(ctx, body, outcome.refused);
  const results = body.readings.map((r, i): ReadingResult => {
    const s = outcome.stored[i]!;
    return {
      index: i,
      readingId: r.readingId,
      status: s.replayed ? 'duplicate' : 'created',
      patientId: outcome.patientIds[i]!,
      effectiveAt: (s.observations[0]?.effective_at ?? checked[i]!.effectiveAt).toISOString(),
      observationIds: s.observations.map((o) => o.id),
      zone: s.zone ?? worstZone(s.observations.map((o) => o.zone)),
    };
  });
  const created = results.filter((r) => r.status === 'created').length;
  return { receivedAt, clockOffsetMs, clockCorrected, results, created, duplicates: results.length - created };
}

/**
 * Refuses anyone but a device client holding observation.write (403). Routes call it before
 * validating the body, so a person with a session learns nothing about the upload format.
 */
export function requireDeviceWriter(ctx: Ctx): Extract<Ctx['actor'], { kind: 'client' }> {
  const a = ctx.actor;
  if (a.kind !== 'client' || !a.scopes.includes('observation.write')) {
    throw forbidden('Device ingest is for device clients with the observation.write scope.');
  }
  return a;
}

function normalisedIdentifier(s: string): string {
  const id = parseNorwegianId(s);
  return id.ok ? id.value.value : s;
}

/**
 * Refuses the upload (403) for readings whose patient the client may not write for (device-client
 * rule of auth/access.ts) or that does not exist: an unknown identity number is refused the same
 * way, so a client cannot probe who is registered. Each refused patient goes through
 * requirePatientAccess, so the refusal is audited exactly as elsewhere.
 */
async function refuse(ctx: Ctx, body: IngestBody, refused: { index: number; patientId: string | null }[]): Promise<never> {
  // One audited refusal per patient (by id when the patient exists, else by what the device sent).
  const subjects = new Set(refused.map(({ index, patientId }) => {
    const r = body.readings[index]!;
    return patientId ?? r.patientId ?? normalisedIdentifier(r.patientIdentifier ?? '');
  }));
  for (const subject of subjects) {
    try {
      await requirePatientAccess(ctx, subject, 'write', 'Observation');
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 403) throw err;
    }
  }
  const errors = refused.map(({ index: i }) => {
    const field = body.readings[i]!.patientId !== undefined ? 'patientId' : 'patientIdentifier';
    return { code: 'forbidden', message: `Reading ${i}: no care relation to this patient (or no such patient).`, fields: { [`readings.${i}.${field}`]: 'No care relation to this patient' } };
  });
  throw combined(403, errors, body.readings.length);
}

/** One 4xx for many readings: the first problem as message, every field named (up to a limit). */
function combined(status: number, errors: { code: string; message: string; fields: Record<string, string> }[], total: number): AppError {
  const fields: Record<string, string> = {};
  let listed = 0;
  for (const e of errors) {
    for (const [k, v] of Object.entries(e.fields)) {
      if (listed >= MAX_FIELD_ERRORS) break;
      fields[k] ??= v;
      listed++;
    }
  }
  const first = errors[0]!;
  const more = errors.length > 1 ? ` ${errors.length} of ${total} readings have problems.` : '';
  return new AppError(status, first.code, `${first.message}${more} Nothing was stored.`, fields);
}

function formatOffset(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
