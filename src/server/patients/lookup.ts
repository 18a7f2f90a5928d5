import type { Db } from '../db/port.js';
import { findPatientsByIdentifiers, type PatientRow } from './repo.js';

/*
 * Patients by fødselsnummer / D-nummer for concurrent requests, read together (issue 15). FHIR
 * gateways that know no server ids name the patient by identifier in every Observation they post;
 * one statement per create (outside the group commit that then writes it) cost a fifth of the
 * single creates' throughput (bench/README.md, "Round 22"). A lookup waits for the next statement
 * to start, never joins one already sent: it always sees what was committed before it was asked.
 */

interface Waiter {
  identifier: string;
  resolve(p: PatientRow | undefined): void;
  reject(err: unknown): void;
}
interface Queue {
  waiting: Waiter[];
  running: boolean;
}
const queues = new WeakMap<Db, Queue>();
/** Identifiers per shared statement at most. */
const MAX_BATCH = 1000;

function pump(db: Db, q: Queue): void {
  if (q.running || q.waiting.length === 0) return;
  const batch = q.waiting.splice(0, MAX_BATCH);
  q.running = true;
  findPatientsByIdentifiers(db, batch.map((w) => w.identifier)).then(
    (found) => batch.forEach((w) => w.resolve(found.get(w.identifier))),
    (err: unknown) => batch.forEach((w) => w.reject(err)),
  ).finally(() => {
    q.running = false;
    pump(db, q);
  });
}

/**
 * The patient with this identifier (as stored: no spaces), read together with the concurrent
 * lookups on the same database; undefined when there is none.
 */
export function patientByIdentifierShared(db: Db, identifier: string): Promise<PatientRow | undefined> {
  let q = queues.get(db);
  if (!q) queues.set(db, (q = { waiting: [], running: false }));
  const queue = q;
  return new Promise((resolve, reject) => {
    queue.waiting.push({ identifier, resolve, reject });
    pump(db, queue);
  });
}
