import type { Bundle } from '@medplum/fhirtypes';
import type { ObservationRow } from '../observations/repo.js';
import type { PatientRow } from '../patients/repo.js';
import { vkpObservations } from './vkp.js';

/** The VkpObservation guide's Bundle profile for Pasientens måledata (a batch of Observations). */
export const PMD_BUNDLE_PROFILE = 'http://hl7.no/fhir/vkpobservation/StructureDefinition/pmd-Bundle-Observation';

/**
 * Pasientens måledata: a patient's readings as VkpObservation Observations in a `batch` Bundle
 * (pmd-Bundle-Observation, VkpObservation 0.5.1). Each entry is a PUT of `Observation/<id>`, so a
 * batch sent again (a retry after a lost answer) updates the same resources instead of adding
 * copies. Blood pressure goes as one panel. The guide's own examples use `collection` Bundles
 * while its profile fixes `batch`; Varde sends `batch`. Pure: the caller decides what may be
 * shared (consent) — see docs/INTEGRATION.md for what is still missing there.
 */
export function buildPmdBundle(patient: PatientRow, rows: ObservationRow[], fhirBase: string): Bundle {
  const base = fhirBase.replace(/\/$/, '');
  return {
    resourceType: 'Bundle',
    meta: { profile: [PMD_BUNDLE_PROFILE] },
    type: 'batch',
    entry: vkpObservations(rows, patient).map((o) => ({
      fullUrl: `${base}/Observation/${o.id}`,
      resource: o,
      request: { method: 'PUT', url: `Observation/${o.id}` },
    })),
  };
}
