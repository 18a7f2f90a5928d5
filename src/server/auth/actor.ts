export type PersonnelRole = 'nurse' | 'gp' | 'specialist' | 'coordinator' | 'admin';

/** Who is calling. Every service receives it and authorises against it first. */
export type Actor =
  | { kind: 'patient'; patientId: string; name: string; lang: 'nb' | 'nn' | 'en' }
  | {
      kind: 'personnel';
      personnelId: string;
      name: string;
      hpr: string;
      organisationId: string;
      organisationName: string;
      organisationKind: 'municipality' | 'hospital' | 'gp_office';
      role: PersonnelRole;
      /**
       * Set when the session came from a SMART EHR launch (auth/smart.ts): the session is bound to
       * that one patient; every other patient and every list across patients is refused.
       */
      launchPatient?: { id: string; name: string };
    }
  /**
   * A citizen who is not followed by Varde but has a patient's delegation to enter readings for
   * them (issue 12). Least privilege: the relative routes only (auth/relative.ts); `identifier`
   * is their fødselsnummer from ID-porten, which the delegations name.
   */
  | { kind: 'relative'; identifier: string; name: string }
  | { kind: 'client'; clientId: string; organisationId: string; scopes: string[] }
  | { kind: 'system'; name: string };

/** Roles that treat patients and so may see patient data when their organisation is in the care team. */
export const CLINICAL_ROLES: readonly PersonnelRole[] = ['nurse', 'gp', 'specialist'];

export function actorRef(a: Actor): { kind: Actor['kind']; id: string; name: string | null } {
  switch (a.kind) {
    case 'patient':
      return { kind: 'patient', id: a.patientId, name: a.name };
    case 'personnel':
      return { kind: 'personnel', id: a.personnelId, name: a.name };
    case 'relative':
      return { kind: 'relative', id: a.identifier, name: a.name };
    case 'client':
      return { kind: 'client', id: a.clientId, name: a.clientId };
    case 'system':
      return { kind: 'system', id: a.name, name: a.name };
  }
}

/** The `recorded_by` / sender string stored with data the actor writes. */
export function actorTag(a: Actor): string {
  const r = actorRef(a);
  return `${r.kind}:${r.id}`;
}
