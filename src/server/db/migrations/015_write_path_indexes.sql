-- Issue 15, write path: one index fewer written per FHIR Observation create.
-- fhir_resources_observations (GIN over observation_ids) served fhir/repo.ts#fhirResourceOfObservation
-- only, which nothing calls; every query that follows the link starts from the fhir_resources row
-- (its id or identifiers) and reads observations by id. A GIN insert per create for no reader.
drop index if exists fhir_resources_observations;
