-- FHIR identifier lookups without scanning the GIN pending list (issue 15).
--
-- Every FHIR create and every Bundle entry looks its identifiers up before writing (is this a
-- re-send, fhir/repo.ts#fhirResourcesOfScopes and #fhirResourcesByIdentifier): `identifiers &&`
-- through the GIN index fhir_resources_identifiers. With GIN's default fastupdate, new entries wait
-- in a pending list (up to gin_pending_list_limit, 4 MB) until a vacuum merges them, and every
-- lookup reads the whole list: measured on a loaded copy, one lookup of a new identifier took
-- 0.6 ms with the list filling under FHIR ingest and 0.006–0.04 ms after it was merged. Under
-- sustained ingest — exactly when lookups are most frequent — the list is always full. With
-- fastupdate off each insert adds its one or two entries to the index directly (the same kind of
-- work as a btree insert) and lookups stay index probes.
alter index fhir_resources_identifiers set (fastupdate = off);
-- Entries already waiting stay in the list until merged; merge them now.
select gin_clean_pending_list('fhir_resources_identifiers'::regclass);
