import type { Db, Queryable } from '../db/port.js';
import { notify } from '../db/port.js';

/** One channel for all clinical events; small payloads, subscribers refetch what they need. */
export const EVENTS_CHANNEL = 'varde_events';

export interface ClinicalEvent {
  type: 'alert' | 'alert-updated' | 'observation' | 'message' | 'escalation';
  patientId: string;
  /** Organisations in the patient's care team: only their screens are told. */
  organisationIds: string[];
  zone?: 'green' | 'yellow' | 'red' | 'missing';
}

/** Publishes inside the writing transaction: delivered to every app process after commit. */
export async function publish(q: Queryable, event: ClinicalEvent): Promise<void> {
  await notify(q, EVENTS_CHANNEL, event);
}

/** The organisations whose screens should hear about this patient (care team of open episodes). */
export async function careTeamOrgs(q: Queryable, patientId: string): Promise<string[]> {
  const r = await q.query<{ organisation_id: string }>(
    `select distinct ct.organisation_id from care_team ct join episodes e on e.id = ct.episode_id
      where e.patient_id = $1 and e.status <> 'ended'`,
    [patientId],
  );
  return r.rows.map((x) => x.organisation_id);
}

/**
 * Fans NOTIFY payloads out to in-process subscribers (SSE connections). One LISTEN per process,
 * so N app processes behind a load balancer all see events raised by any of them.
 */
export class EventHub {
  private readonly subs = new Set<(e: ClinicalEvent) => void>();
  private stop: (() => Promise<void>) | undefined;

  async start(db: Db): Promise<void> {
    this.stop = await db.listen(EVENTS_CHANNEL, (payload) => {
      let e: ClinicalEvent;
      try {
        e = JSON.parse(payload) as ClinicalEvent;
      } catch {
        return;
      }
      for (const s of this.subs) s(e);
    });
  }

  subscribe(fn: (e: ClinicalEvent) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  get size(): number {
    return this.subs.size;
  }

  async close(): Promise<void> {
    await this.stop?.();
    this.subs.clear();
  }
}
