-- Device ingest and the set-based write path (observations/service.ts#storeSittings).

-- A batch of readings resolves the missing-measurement alerts it answers in one statement joined on
-- (episode, rule). Open "missing" alerts are few; this keeps that lookup an index probe instead of
-- a scan of every unresolved alert once the table has grown.
create index alerts_missing_open on alerts (episode_id, rule_id) where status <> 'resolved' and zone = 'missing';

-- Triage needs each patient's plan definition (several kB of JSON) on every write; most patients
-- share a template-made one. With its hash at hand, the app parses each distinct definition once
-- and reads only the hash per write (observations/repo.ts#triageContext).
alter table plans add column definition_md5 text generated always as (md5(definition::text)) stored;
