-- Alert severity without reading whole plan definitions (issue 15: the worklist's first page).
--
-- varde_alert_severity (022, 026) ranks a threshold or questionnaire alert by how far its last
-- value lies beyond the plan's limit. It read the limit out of plans.definition: a definition is
-- several kB of JSON stored compressed, so every call decompressed and walked the whole plan. The
-- worklist's first page asks it for every open alert of its 50 patients (178 alerts in the bench's
-- cohort of 10 000): 7.6 ms of an 18 ms request, most of the page's database time. The alert-state
-- trigger (025, 028) asks it for the worst open alerts of every episode an alert statement touches.
--
-- Now each plan's limits per code are kept in plan_thresholds (written with the plan; plan
-- definitions are not edited after insert, but an update of one is followed all the same), the
-- formula is an inlinable SQL expression over the limits (varde_alert_severity_of), and
-- varde_alert_severity looks the limits up by primary key. Same answers: db/plan-thresholds.test.ts
-- compares them with 022's and 026's function bodies for random plans and alerts.

create table plan_thresholds (
  plan_id uuid not null references plans (id) on delete cascade,
  code text not null,
  -- The entry's `thresholds` as written (JSON null or absent: no limits).
  thresholds jsonb,
  primary key (plan_id, code)
);

-- The first entry of a code wins, measures before questionnaires, as 022's `limit 1` read them
-- (the same concatenation; one that is not an array, which 022 failed on, gives no limits).
create function varde_plan_thresholds_of(p_definition jsonb) returns table (code text, thresholds jsonb, n bigint)
language sql immutable as $$
  select m.e ->> 'code', m.e -> 'thresholds', m.n
    from (select coalesce(p_definition -> 'measures', '[]') || coalesce(p_definition -> 'questionnaires', '[]') as x) d
   cross join lateral jsonb_array_elements(case when jsonb_typeof(d.x) = 'array' then d.x else '[]' end) with ordinality as m(e, n)
   where jsonb_typeof(m.e) = 'object' and m.e ->> 'code' is not null
$$;

create function varde_plan_thresholds_ins() returns trigger language plpgsql as $$
begin
  insert into plan_thresholds (plan_id, code, thresholds)
  select n.id, t.code, t.thresholds from new_rows n cross join lateral varde_plan_thresholds_of(n.definition) t
   order by n.id, t.n
  on conflict (plan_id, code) do nothing;
  return null;
end $$;

create function varde_plan_thresholds_upd() returns trigger language plpgsql as $$
begin
  -- Approvals and supersessions change the status only: nothing to do for them.
  if not exists (select 1 from new_rows n join old_rows o on o.id = n.id where n.definition is distinct from o.definition) then
    return null;
  end if;
  delete from plan_thresholds t using new_rows n join old_rows o on o.id = n.id
   where t.plan_id = n.id and n.definition is distinct from o.definition;
  insert into plan_thresholds (plan_id, code, thresholds)
  select n.id, t.code, t.thresholds from new_rows n join old_rows o on o.id = n.id cross join lateral varde_plan_thresholds_of(n.definition) t
   where n.definition is distinct from o.definition
   order by n.id, t.n
  on conflict (plan_id, code) do nothing;
  return null;
end $$;

create trigger plans_thresholds_ins after insert on plans referencing new table as new_rows for each statement execute function varde_plan_thresholds_ins();
create trigger plans_thresholds_upd after update on plans referencing old table as old_rows new table as new_rows for each statement execute function varde_plan_thresholds_upd();

insert into plan_thresholds (plan_id, code, thresholds)
select p.id, t.code, t.thresholds from plans p cross join lateral varde_plan_thresholds_of(p.definition) t
 order by p.id, t.n
on conflict (plan_id, code) do nothing;

-- 026's and 022's formula over the limits `th` of the alert's code (null: none). A NEWS2 alert is
-- its score / 20 (RCP NEWS2 2017: the maximum is 20; alerts raised before 026 carry the score in
-- the English summary only). A threshold or questionnaire alert of zone red or yellow is how far
-- its last value lies beyond the limit of its own zone, relative to the limit (a red value the plan
-- has no red limit for is measured from the yellow limit); every other alert is 0. One SQL
-- expression without subqueries, so the planner inlines it into the query that calls it.
create function varde_alert_severity_of(p_kind text, p_zone text, p_findings jsonb, th jsonb) returns double precision
language sql immutable as $$
  select case
    when p_kind = 'news2' then
      case when jsonb_typeof(p_findings -> -1 -> 'score') = 'number' then (p_findings -> -1 ->> 'score')::double precision / 20
           else coalesce(substring((p_findings -> -1) #>> '{summary,en}' from 'NEWS2(?: \([^)]*\))? (\d+) \(')::double precision / 20, 0) end
    when p_kind not in ('threshold', 'questionnaire') or p_zone not in ('red', 'yellow') then 0
    else greatest(0::double precision,
      case when coalesce((th ->> (p_zone || 'Below'))::double precision, (th ->> 'yellowBelow')::double precision) <> 0
            and ((p_findings -> -1) #>> '{values,-1,value}')::double precision
                < coalesce((th ->> (p_zone || 'Below'))::double precision, (th ->> 'yellowBelow')::double precision)
           then (coalesce((th ->> (p_zone || 'Below'))::double precision, (th ->> 'yellowBelow')::double precision)
                 - ((p_findings -> -1) #>> '{values,-1,value}')::double precision)
                / abs(coalesce((th ->> (p_zone || 'Below'))::double precision, (th ->> 'yellowBelow')::double precision)) end,
      case when coalesce((th ->> (p_zone || 'Above'))::double precision, (th ->> 'yellowAbove')::double precision) <> 0
            and ((p_findings -> -1) #>> '{values,-1,value}')::double precision
                > coalesce((th ->> (p_zone || 'Above'))::double precision, (th ->> 'yellowAbove')::double precision)
           then (((p_findings -> -1) #>> '{values,-1,value}')::double precision
                 - coalesce((th ->> (p_zone || 'Above'))::double precision, (th ->> 'yellowAbove')::double precision))
                / abs(coalesce((th ->> (p_zone || 'Above'))::double precision, (th ->> 'yellowAbove')::double precision)) end)
  end
$$;

-- The code whose limits rank an alert: its last finding's, else the part of its rule after ':'.
create function varde_alert_code(p_rule text, p_findings jsonb) returns text language sql immutable as $$
  select coalesce(p_findings -> -1 ->> 'code', split_part(p_rule, ':', 2))
$$;

create or replace function varde_alert_severity(p_kind text, p_zone text, p_rule text, p_findings jsonb, p_plan uuid) returns double precision
language sql stable as $$
  select varde_alert_severity_of(p_kind, p_zone, p_findings,
    case when p_kind in ('threshold', 'questionnaire') and p_zone in ('red', 'yellow') and p_findings -> -1 is not null then
      (select t.thresholds from plan_thresholds t where t.plan_id = p_plan and t.code = varde_alert_code(p_rule, p_findings)) end)
$$;

-- 022's body is no longer called; kept under its name as the reference the test compares with.
