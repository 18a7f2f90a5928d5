import type { Queryable } from '../db/port.js';

export interface AuditInsert {
  actorKind: 'patient' | 'personnel' | 'relative' | 'client' | 'system';
  actorId: string;
  actorName: string | null;
  organisationId: string | null;
  role: string | null;
  action: 'read' | 'create' | 'update' | 'delete' | 'login' | 'logout' | 'search';
  resourceType: string;
  resourceId: string | null;
  patientId: string | null;
  outcome: 'success' | 'denied';
  route: string | null;
  details: Record<string, unknown> | null;
}

export async function insertAudit(q: Queryable, e: AuditInsert): Promise<void> {
  await q.query(
    `insert into audit_events (actor_kind, actor_id, actor_name, organisation_id, role, action,
       resource_type, resource_id, patient_id, outcome, route, details)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [
      e.actorKind, e.actorId, e.actorName, e.organisationId, e.role, e.action,
      e.resourceType, e.resourceId, e.patientId, e.outcome, e.route, e.details,
    ],
  );
}

/**
 * insertAudit for many events in one statement (a group commit's collected writes, ingest/group.ts).
 * The events travel as one json array: details stay as given.
 */
export async function insertAudits(q: Queryable, events: readonly AuditInsert[]): Promise<void> {
  if (events.length === 0) return;
  await q.query(
    `insert into audit_events (actor_kind, actor_id, actor_name, organisation_id, role, action,
       resource_type, resource_id, patient_id, outcome, route, details)
     select e.actor_kind, e.actor_id, e.actor_name, e.organisation_id, e.role, e.action,
            e.resource_type, e.resource_id, e.patient_id, e.outcome, e.route, e.details
       from json_to_recordset($1::json) as e(n int, actor_kind text, actor_id text, actor_name text, organisation_id uuid, role text, action text,
            resource_type text, resource_id text, patient_id uuid, outcome text, route text, details jsonb)
      order by e.n`,
    // Numbered, so ids follow the events' order.
    [JSON.stringify(events.map((e, n) => ({ n,
      actor_kind: e.actorKind, actor_id: e.actorId, actor_name: e.actorName, organisation_id: e.organisationId, role: e.role, action: e.action,
      resource_type: e.resourceType, resource_id: e.resourceId, patient_id: e.patientId, outcome: e.outcome, route: e.route, details: e.details,
    })))],
  );
}

export interface AccessLogRow {
  at: Date;
  actor_kind: string;
  actor_name: string | null;
  organisation_name: string | null;
  role: string | null;
  action: string;
  resource_type: string;
  /** Taken or done under emergency access (selvautorisering). */
  emergency: boolean;
  /** The reason given, on the event that opened the emergency access. */
  reason: string | null;
}

/**
 * What a patient sees of who touched their data: everyone but themselves, newest first. Emergency
 * access is marked — the grant with its reason, and what the person read while it ran.
 */
export async function accessLogForPatient(q: Queryable, patientId: string, limit: number): Promise<AccessLogRow[]> {
  const r = await q.query<AccessLogRow>(
    `select a.at, a.actor_kind, a.actor_name, o.name as organisation_name, a.role, a.action, a.resource_type,
            ((a.resource_type = 'EmergencyAccess' and a.action = 'create') or (a.actor_kind = 'personnel' and exists (
               select 1 from emergency_access ea where ea.patient_id = a.patient_id and ea.personnel_id::text = a.actor_id
                  and ea.organisation_id = a.organisation_id and a.at >= ea.granted_at and a.at < ea.expires_at))) as emergency,
            case when a.resource_type = 'EmergencyAccess' and a.action = 'create' then a.details ->> 'reason' end as reason
       from audit_events a left join organisations o on o.id = a.organisation_id
      where a.patient_id = $1 and a.outcome = 'success' and a.actor_kind <> 'patient'
      order by a.at desc, a.id desc limit $2`,
    [patientId, limit],
  );
  return r.rows;
}
