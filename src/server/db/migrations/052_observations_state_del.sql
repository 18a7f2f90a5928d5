-- Deleted readings keep episode_state true, as inserted and updated ones do (010, 025).
--
-- The state triggers followed inserts and updates only. The one path that deletes readings, a
-- FHIR entered-in-error (fhir/repo.ts#retractObservations), made up for it with a no-op update of
-- each touched measure's newest remaining reading; when none remained, nothing ran, and the nurse's
-- worklist went on showing the retracted value, and last_observation_at its time. Now the table
-- itself recomputes, for any delete: each touched measure's newest remaining reading (or no entry
-- when there is none) and the episode's newest reading. Moving rows between partitions by
-- statements on the partitions themselves (archiving, migration 027's moves) fires no trigger of the
-- parent, as before.
create function varde_observations_del() returns trigger language plpgsql as $$
begin
  -- Rows locked in episode order first (as in 010).
  perform 1 from episode_state s where s.episode_id in (select o.episode_id from old_rows o) order by s.episode_id for update;
  with c as (
    select distinct o.patient_id, o.episode_id, o.code from old_rows o where o.episode_id is not null),
  n as (
    select c.episode_id, c.code,
           (select jsonb_build_object('value', x.value, 'unit', x.unit, 'effectiveAt', x.effective_at, 'zone', x.zone)
              from observations x where x.patient_id = c.patient_id and x.code = c.code and x.episode_id = c.episode_id
             order by x.effective_at desc limit 1) as v
      from c)
  update episode_state s set
      latest = (s.latest - coalesce((select array_agg(n.code) from n where n.episode_id = s.episode_id and n.v is null), '{}'::text[]))
               || coalesce((select jsonb_object_agg(n.code, n.v) from n where n.episode_id = s.episode_id and n.v is not null), '{}'::jsonb),
      last_observation_at = (select max(x.effective_at) from observations x where x.episode_id = s.episode_id)
   where s.episode_id in (select c.episode_id from c);
  return null;
end $$;
create trigger observations_state_del after delete on observations referencing old table as old_rows for each statement execute function varde_observations_del();
