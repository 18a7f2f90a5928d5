/**
 * The write rule of auth/access.ts#careRelations for device clients and clinical staff (their
 * organisation is in the care team of an open episode of the patient) as a subquery for a LATERAL
 * join: one row (`ok`) when it holds, else none. `patient` is the SQL of the patient's id, `org`
 * of the organisation's (a parameter). In a file of its own so that statements deciding it beside
 * other reads (fhir/repo.ts#episodesForWriteMany) use the same text as careRelations.
 */
export function careRelationProbe(patient: string, org: string): string {
  return `select true as ok from episodes e join care_team ct on ct.episode_id = e.id
                           where e.patient_id = ${patient} and ct.organisation_id = ${org}::uuid and e.status <> 'ended' limit 1`;
}
