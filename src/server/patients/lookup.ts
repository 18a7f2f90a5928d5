import { batchedLookup } from '../db/batched-lookup.js';
import type { Db } from '../db/port.js';
import { findPatientsByIdentifiers, type PatientRow } from './repo.js';

/*
 * Patients by fødselsnummer / D-nummer for concurrent requests, read together (db/batched-lookup.ts).
 * FHIR gateways that know no server ids name the patient by identifier in every Observation they
 * post; one statement per create (outside the group commit that then writes it) cost a fifth of the
 * single creates' throughput (bench/README.md, "Round 22").
 */

const lookup = batchedLookup<PatientRow>((db, _scope, identifiers) => findPatientsByIdentifiers(db, identifiers));

/**
 * The patient with this identifier (as stored: no spaces), read together with the concurrent
 * lookups on the same database; undefined when there is none.
 */
export function patientByIdentifierShared(db: Db, identifier: string): Promise<PatientRow | undefined> {
  return lookup(db, '', identifier);
}
