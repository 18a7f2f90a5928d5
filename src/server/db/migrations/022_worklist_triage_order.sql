-- Worklist order within a status (issue 11, nurse at 80 patients; kept indexed for issue 15).
--
-- THE ORDER OF THE WORKLIST LIVES HERE (with worklist/repo.ts#ORDER, which reads these columns):
--   1. status_rank: red, yellow, missing, green (migration 010, from the open alerts).
--   2. order_sub: within "missing", missing measurements and inactive patients (0) before patients
--      missing only questionnaires (1): a missed SpO2 or weight can hide a deterioration, a missed
--      CAT or PHQ-9 rarely does by tomorrow. Alert kinds 'missing'/'missing_measurement'/'inactive'
--      count as 0; 'missing_questionnaire', and a 'missing:<questionnaire code>' rule, as 1.
--   3. order_severity (ascending, so stored negated): within red and yellow the most severe first —
--      the largest severity of the open alerts of the patient's worst zone (varde_alert_severity).
--   4. order_time: red and yellow newest first (a patient who turned red ten minutes ago comes
--      before one who has been red since yesterday and was surely seen already); missing and green
--      oldest first (longest without a reading).
--   5. episode_id: a total order, so the keyset cursor never skips or repeats a row.
-- All keys are ascending columns of worklist_rows with one index in that order: the first page is
-- still an index range scan at 10 000 patients (issue 15), not a sort of the caseload.

-- Epoch seconds of an instant. extract(epoch from timestamptz) does not depend on the session's
-- time zone, but PostgreSQL marks date_part stable as a whole; a generated column needs immutable.
create function varde_epoch(t timestamptz) returns double precision language sql immutable parallel safe
  as $$ select extract(epoch from t)::double precision $$;

-- How far an alert is past its limit, comparable across measures (0 when it cannot be told):
--  - threshold and questionnaire alerts: the latest finding's value beyond the plan's limit of the
--    alert's zone, as a fraction of that limit (SpO2 84 % under a red limit of 88 %: 0.045; pulse
--    140 over 110: 0.27). Relative, because units differ; the limit is the one of the plan version
--    the alert was raised under (alerts.plan_id).
--  - NEWS2: the aggregate score / 20 (the score's maximum), read from the finding's summary since a
--    NEWS2 finding stores the vitals and the text but not the score as a number. NEWS2 ≥ 7 (0.35)
--    thus ranks above most single values: it already combines several deviating vitals
--    (RCP, National Early Warning Score 2, 2017: 7 or more is the emergency-response trigger).
--  - trend, combined and missing alerts: 0 (they have no single limit to be past).
create function varde_alert_severity(p_kind text, p_zone text, p_rule text, p_findings jsonb, p_plan uuid) returns double precision
language plpgsql stable as $$
declare
  f jsonb := p_findings -> -1;
  v double precision;
  v_code text;
  th jsonb;
  below double precision;
  above double precision;
  s double precision := 0;
begin
  if f is null then return 0; end if;
  if p_kind = 'news2' then
    return coalesce(substring(f #>> '{summary,en}' from 'NEWS2(?: \([^)]*\))? (\d+) \(')::double precision / 20, 0);
  end if;
  if p_kind not in ('threshold', 'questionnaire') or p_zone not in ('red', 'yellow') then return 0; end if;
  v_code := coalesce(f ->> 'code', split_part(p_rule, ':', 2));
  v := (f #>> '{values,-1,value}')::double precision;
  if v is null then return 0; end if;
  select m -> 'thresholds' into th
    from plans p, jsonb_array_elements(coalesce(p.definition -> 'measures', '[]') || coalesce(p.definition -> 'questionnaires', '[]')) m
   where p.id = p_plan and m ->> 'code' = v_code limit 1;
  if th is null then return 0; end if;
  -- The limit of the alert's own zone; a red value the plan has no red limit for (a catalogue
  -- critical limit, a meter flag) is measured from the yellow limit.
  below := coalesce((th ->> (p_zone || 'Below'))::double precision, (th ->> 'yellowBelow')::double precision);
  above := coalesce((th ->> (p_zone || 'Above'))::double precision, (th ->> 'yellowAbove')::double precision);
  if below is not null and below <> 0 and v < below then s := greatest(s, (below - v) / abs(below)); end if;
  if above is not null and above <> 0 and v > above then s := greatest(s, (v - above) / abs(above)); end if;
  return s;
end $$;

alter table episode_state add column order_sub smallint not null default 0;
alter table episode_state add column order_severity double precision not null default 0;
alter table worklist_rows add column order_sub smallint not null default 0;
alter table worklist_rows add column order_severity double precision not null default 0;
alter table worklist_rows add column order_time double precision generated always as
  (case when status_rank < 2 then -varde_epoch(sort_since) else varde_epoch(sort_since) end) stored;

create index worklist_rows_triage_order on worklist_rows (organisation_id, status_rank, order_sub, order_severity, order_time, episode_id);
-- Only worklist/repo.ts read the old order; one index less to write on every state change.
drop index worklist_rows_order;

-- The order keys of these episodes from their open alerts (status_rank comes from migration 010's
-- trigger, which runs first: triggers of one event fire in name order, 'alerts_state_*' < 'alerts_worklist_*').
create function varde_worklist_order(episode_ids uuid[]) returns void language plpgsql as $$
begin
  with k as (
    select s.episode_id,
           coalesce((select min(case when a.kind = 'missing_questionnaire'
                                       or (a.kind in ('missing', 'missing_measurement')
                                           and a.rule_id in ('missing:phq9', 'missing:gad7', 'missing:cat', 'missing:symptoms'))
                                     then 1 else 0 end)
                       from alerts a where a.episode_id = s.episode_id and a.status <> 'resolved' and a.status = 'open' and a.zone = 'missing'), 0)::smallint as sub,
           -coalesce((select max(varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id))
                        from alerts a where a.episode_id = s.episode_id and a.status <> 'resolved' and a.status = 'open'
                         and a.zone = case s.status_rank when 0 then 'red' when 1 then 'yellow' end), 0) as sev
      from episode_state s where s.episode_id = any(episode_ids)),
  upd as (
    update episode_state s set order_sub = k.sub, order_severity = k.sev
      from k where s.episode_id = k.episode_id and (s.order_sub, s.order_severity) is distinct from (k.sub, k.sev))
  update worklist_rows w set order_sub = k.sub, order_severity = k.sev
    from k where w.episode_id = k.episode_id and (w.order_sub, w.order_severity) is distinct from (k.sub, k.sev);
end $$;

create function varde_alerts_worklist_order() returns trigger language plpgsql as $$
begin
  perform varde_worklist_order(array(select distinct episode_id from new_rows));
  return null;
end $$;
create trigger alerts_worklist_order_ins after insert on alerts referencing new table as new_rows for each statement execute function varde_alerts_worklist_order();
create trigger alerts_worklist_order_upd after update on alerts referencing new table as new_rows for each statement execute function varde_alerts_worklist_order();

-- A row (re)entering the worklist (enrolment, a new care-team organisation, a resumed episode)
-- takes the episode's keys; an upsert that only moves a row keeps them (its DO UPDATE sets only
-- status and since). One primary-key probe per row.
create function varde_worklist_rows_keys() returns trigger language plpgsql as $$
begin
  select s.order_sub, s.order_severity into new.order_sub, new.order_severity from episode_state s where s.episode_id = new.episode_id;
  new.order_sub := coalesce(new.order_sub, 0);
  new.order_severity := coalesce(new.order_severity, 0);
  return new;
end $$;
create trigger worklist_rows_keys before insert on worklist_rows for each row execute function varde_worklist_rows_keys();

-- Backfill: every episode with an open alert.
select varde_worklist_order(array(select distinct episode_id from alerts where status = 'open'));
