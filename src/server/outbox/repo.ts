import type { Queryable } from '../db/port.js';

export const RECEIVER_KINDS = ['vkp', 'pasientens_maledata', 'dialogmelding'] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

export interface ReceiverRow {
  id: string;
  organisation_id: string;
  kind: ReceiverKind;
  url: string;
  helseid_client_id: string | null;
  enabled: boolean;
  updated_at: Date;
}

export interface OutboxRow {
  id: string;
  receiver_id: string;
  document_kind: string;
  idempotency_key: string;
  patient_id: string | null;
  source: Record<string, unknown>;
  content_type: string;
  body: string | null;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: Date;
  claimed_by: string | null;
  claimed_until: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
}

/** Channel the worker listens on so a new document goes out at once instead of at the next tick. */
export const OUTBOX_CHANNEL = 'varde_outbox';

/** The organisation's enabled receiver of this kind, if any. */
export async function enabledReceiver(q: Queryable, organisationId: string, kind: ReceiverKind): Promise<ReceiverRow | undefined> {
  const r = await q.query<ReceiverRow>('select * from integration_receivers where organisation_id = $1 and kind = $2 and enabled', [organisationId, kind]);
  return r.rows[0];
}

export async function receiversOf(q: Queryable, organisationId: string): Promise<ReceiverRow[]> {
  return (await q.query<ReceiverRow>('select * from integration_receivers where organisation_id = $1 order by kind', [organisationId])).rows;
}

export async function upsertReceiver(
  q: Queryable,
  r: { organisationId: string; kind: ReceiverKind; url: string; helseIdClientId: string | null; enabled: boolean; by: string | null; at: Date },
): Promise<ReceiverRow> {
  const res = await q.query<ReceiverRow>(
    `insert into integration_receivers (organisation_id, kind, url, helseid_client_id, enabled, updated_by, created_at, updated_at)
     values ($1,$2,$3,$4,$5,$6,$7,$7)
     on conflict (organisation_id, kind) do update set url = excluded.url, helseid_client_id = excluded.helseid_client_id,
       enabled = excluded.enabled, updated_by = excluded.updated_by, updated_at = excluded.updated_at
     returning *`,
    [r.organisationId, r.kind, r.url, r.helseIdClientId, r.enabled, r.by, r.at],
  );
  return res.rows[0]!;
}

export interface NewOutboxMessage {
  receiverId: string;
  documentKind: string;
  idempotencyKey: string;
  patientId: string | null;
  source: Record<string, unknown>;
  contentType: string;
  body: string | null;
  /** A document that could not be built goes straight to the dead letters with the reason. */
  buildError?: string;
  at: Date;
}

/** Writes a message; the same idempotency key twice is one message (returns undefined the second time). */
export async function insertMessage(q: Queryable, m: NewOutboxMessage): Promise<{ id: string } | undefined> {
  const dead = m.buildError !== undefined;
  const r = await q.query<{ id: string }>(
    `insert into outbox (receiver_id, document_kind, idempotency_key, patient_id, source, content_type, body, status,
       next_attempt_at, created_at, last_error, dead_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9,$10,$11)
     on conflict (idempotency_key) do nothing returning id::text`,
    [m.receiverId, m.documentKind, m.idempotencyKey, m.patientId, JSON.stringify(m.source), m.contentType, m.body,
      dead ? 'dead' : 'pending', m.at, m.buildError ?? null, dead ? m.at : null],
  );
  return r.rows[0];
}

export interface ClaimedMessage extends OutboxRow {
  url: string;
  helseid_client_id: string | null;
  receiver_kind: ReceiverKind;
}

/**
 * Claims up to `limit` due messages for one worker until `until`. `skip locked` lets a second
 * worker (a lease handed over while the first still finishes) pass rows being claimed instead of
 * waiting for them, and the claim itself keeps them from it until it expires. The attempt is
 * counted at the claim, so a worker killed mid-delivery still used one up.
 */
export async function claimDue(q: Queryable, workerId: string, now: Date, until: Date, limit: number): Promise<ClaimedMessage[]> {
  const r = await q.query<ClaimedMessage>(
    `with due as (
       select o.id from outbox o join integration_receivers r on r.id = o.receiver_id
        where o.status = 'pending' and r.enabled and o.next_attempt_at <= $2
          and (o.claimed_until is null or o.claimed_until < $2)
        order by o.next_attempt_at, o.id limit $4
        for update of o skip locked)
     update outbox o set claimed_by = $1, claimed_until = $3, attempts = o.attempts + 1
       from due, integration_receivers r
      where o.id = due.id and r.id = o.receiver_id
     returning o.*, o.id::text as id, r.url, r.helseid_client_id, r.kind as receiver_kind`,
    [workerId, now, until, limit],
  );
  return r.rows.sort((a, b) => a.next_attempt_at.getTime() - b.next_attempt_at.getTime() || Number(a.id) - Number(b.id));
}

export async function markDelivered(q: Queryable, id: string, workerId: string, status: number, at: Date): Promise<boolean> {
  const r = await q.query(
    `update outbox set status = 'delivered', delivered_at = $4, last_status = $3, last_error = null, claimed_by = null, claimed_until = null
      where id = $1 and claimed_by = $2 and status = 'pending'`,
    [id, workerId, status, at],
  );
  return r.rowCount === 1;
}

export async function markFailed(
  q: Queryable,
  id: string,
  workerId: string,
  f: { status: number | null; error: string; dead: boolean; nextAttemptAt: Date; at: Date },
): Promise<boolean> {
  const r = await q.query(
    `update outbox set last_status = $3, last_error = $4, claimed_by = null, claimed_until = null,
        status = case when $5 then 'dead' else 'pending' end,
        dead_at = case when $5 then $7::timestamptz else null end,
        next_attempt_at = $6
      where id = $1 and claimed_by = $2 and status = 'pending'`,
    [id, workerId, f.status, f.error.slice(0, 1000), f.dead, f.nextAttemptAt, f.at],
  );
  return r.rowCount === 1;
}

export interface AdminOutboxRow {
  id: string;
  document_kind: string;
  receiver_kind: ReceiverKind;
  url: string;
  status: OutboxRow['status'];
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  next_attempt_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
  source: Record<string, unknown>;
}

/** Messages to the organisation's receivers, newest first; no patient data, only what and where. */
export async function listForOrganisation(q: Queryable, organisationId: string, status: OutboxRow['status'] | null, limit: number): Promise<AdminOutboxRow[]> {
  const r = await q.query<AdminOutboxRow>(
    `select o.id::text as id, o.document_kind, r.kind as receiver_kind, r.url, o.status, o.attempts, o.last_status, o.last_error,
            o.created_at, o.next_attempt_at, o.delivered_at, o.dead_at, o.source
       from outbox o join integration_receivers r on r.id = o.receiver_id
      where r.organisation_id = $1 and ($2::text is null or o.status = $2)
      order by coalesce(o.dead_at, o.delivered_at, o.created_at) desc, o.id desc limit $3`,
    [organisationId, status, limit],
  );
  return r.rows;
}

/** One message with its receiver's organisation, locked for a resend. */
export async function getForUpdate(q: Queryable, id: string): Promise<(OutboxRow & { organisation_id: string }) | undefined> {
  const r = await q.query<OutboxRow & { organisation_id: string }>(
    `select o.*, o.id::text as id, r.organisation_id from outbox o join integration_receivers r on r.id = o.receiver_id
      where o.id = $1 for update of o`,
    [id],
  );
  return r.rows[0];
}

/** Puts a dead letter back in the queue as new: attempts from zero, due now. */
export async function requeue(q: Queryable, id: string, at: Date, body: string | null): Promise<void> {
  await q.query(
    `update outbox set status = 'pending', attempts = 0, next_attempt_at = $2, dead_at = null, claimed_by = null,
        claimed_until = null, body = coalesce($3, body) where id = $1`,
    [id, at, body],
  );
}

/**
 * Takes or renews the single worker lease. True when `holder` holds it until `until`: it was
 * free, expired, or already ours.
 */
export async function takeLease(q: Queryable, holder: string, now: Date, until: Date): Promise<boolean> {
  const r = await q.query(
    `insert into outbox_worker_lease as l (id, holder, expires_at) values (1, $1, $3)
     on conflict (id) do update set holder = excluded.holder, expires_at = excluded.expires_at
      where l.holder = $1 or l.expires_at < $2`,
    [holder, now, until],
  );
  return r.rowCount === 1;
}

export async function releaseLease(q: Queryable, holder: string): Promise<void> {
  await q.query('delete from outbox_worker_lease where holder = $1', [holder]);
}
