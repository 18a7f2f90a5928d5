import { requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { notify, type Queryable } from '../db/port.js';
import { AppError, conflict, forbidden, notFound } from '../http/errors.js';
import * as repo from './repo.js';

export interface EnqueueInput {
  /** Whose receiver: the organisation the document belongs to. */
  organisationId: string;
  receiverKind: repo.ReceiverKind;
  documentKind: string;
  /** Stable for the event: the same event enqueued twice is one message, sent with this key. */
  idempotencyKey: string;
  patientId: string | null;
  source: Record<string, unknown>;
  contentType: string;
  /** Builds the document; called only when the organisation has an enabled receiver. */
  build: () => Promise<string> | string;
  at: Date;
}

/**
 * Writes a document to the outbox inside the caller's transaction, so it is sent if and only if
 * the clinical event commits. Nothing is queued when the organisation has no enabled receiver of
 * that kind. A document that fails to build does not undo the clinical event: it is kept as a
 * dead letter with the reason, for an administrator to see and resend once fixed.
 */
export async function enqueue(tx: Queryable, m: EnqueueInput): Promise<{ id: string } | null> {
  const receiver = await repo.enabledReceiver(tx, m.organisationId, m.receiverKind);
  if (!receiver) return null;
  let body: string | null = null;
  let buildError: string | undefined;
  try {
    body = await m.build();
  } catch (err) {
    buildError = `The document could not be built: ${(err as Error).message}`;
  }
  const row = await repo.insertMessage(tx, {
    receiverId: receiver.id, documentKind: m.documentKind, idempotencyKey: m.idempotencyKey, patientId: m.patientId,
    source: m.source, contentType: m.contentType, body, at: m.at, ...(buildError !== undefined ? { buildError } : {}),
  });
  if (row) await notify(tx, repo.OUTBOX_CHANNEL, { id: row.id });
  return row ?? null;
}

/** Rebuilds a document that failed to build, by kind; registered by the integrations. */
export type Rebuilder = (q: Queryable, source: Record<string, unknown>) => Promise<string>;
const rebuilders = new Map<string, Rebuilder>();
export function registerRebuilder(documentKind: string, fn: Rebuilder): void {
  rebuilders.set(documentKind, fn);
}

function adminOrg(ctx: Ctx): string {
  requireRole(ctx, ['admin']);
  if (ctx.actor.kind !== 'personnel') throw forbidden();
  return ctx.actor.organisationId;
}

/** The administrator's view of the organisation's outbox: what, where, how it went. No patient data. */
export async function listOutbox(ctx: Ctx, status: repo.OutboxRow['status'] | null) {
  const org = adminOrg(ctx);
  const rows = await repo.listForOrganisation(ctx.db, org, status, 200);
  return rows.map((r) => ({
    id: r.id, documentKind: r.document_kind, receiverKind: r.receiver_kind, url: r.url, status: r.status, attempts: r.attempts,
    lastStatus: r.last_status, lastError: r.last_error, createdAt: r.created_at.toISOString(), nextAttemptAt: r.next_attempt_at.toISOString(),
    deliveredAt: r.delivered_at?.toISOString() ?? null, deadAt: r.dead_at?.toISOString() ?? null,
  }));
}

/**
 * Sends a dead letter again, from the first attempt. Audited against the patient: it sends their
 * data to another system once more.
 */
export async function resend(ctx: Ctx, id: string): Promise<void> {
  const org = adminOrg(ctx);
  if (!/^\d{1,18}$/.test(id)) throw notFound('Message');
  await ctx.db.tx(async (tx) => {
    const m = await repo.getForUpdate(tx, id);
    if (!m || m.organisation_id !== org) throw notFound('Message');
    if (m.status !== 'dead') throw conflict('Only messages that gave up (dead letters) can be sent again.');
    let body: string | null = null;
    if (m.body === null) {
      const rebuild = rebuilders.get(m.document_kind);
      if (!rebuild) throw conflict('This document cannot be built again.');
      try {
        body = await rebuild(tx, m.source);
      } catch (err) {
        throw conflict(`The document still cannot be built: ${(err as Error).message}`);
      }
    }
    await repo.requeue(tx, id, ctx.now(), body);
    await audit(ctx, { action: 'update', resourceType: 'OutboxMessage', resourceId: id, patientId: m.patient_id, details: { resend: true, documentKind: m.document_kind } }, tx);
    await notify(tx, repo.OUTBOX_CHANNEL, { id });
  });
}

export function receiverDto(r: repo.ReceiverRow) {
  return { kind: r.kind, url: r.url, helseIdClientId: r.helseid_client_id, enabled: r.enabled, updatedAt: r.updated_at.toISOString() };
}

export async function listReceivers(ctx: Ctx) {
  const org = adminOrg(ctx);
  return (await repo.receiversOf(ctx.db, org)).map(receiverDto);
}

/** Sets where one kind of document goes for the administrator's organisation (audited). */
export async function putReceiver(ctx: Ctx, kind: repo.ReceiverKind, r: { url: string; helseIdClientId: string | null; enabled: boolean }) {
  const org = adminOrg(ctx);
  if (ctx.config.PRODUCTION && !r.url.startsWith('https://')) {
    throw new AppError(400, 'validation_failed', 'Receivers must use https:// in production.', { url: 'Use an https:// address' });
  }
  if (ctx.config.PRODUCTION && r.enabled && !r.helseIdClientId) {
    throw new AppError(400, 'validation_failed', 'A receiver needs a HelseID client in production.', { helseIdClientId: 'Required in production' });
  }
  const a = ctx.actor;
  return ctx.db.tx(async (tx) => {
    const row = await repo.upsertReceiver(tx, { organisationId: org, kind, ...r, by: a.kind === 'personnel' ? a.personnelId : null, at: ctx.now() });
    await audit(ctx, { action: 'update', resourceType: 'IntegrationReceiver', resourceId: row.id, details: { kind, url: r.url, enabled: r.enabled } }, tx);
    return receiverDto(row);
  });
}
