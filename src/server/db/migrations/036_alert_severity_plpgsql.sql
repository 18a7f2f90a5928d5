-- varde_alert_severity as PL/pgSQL (issue 15; corrects migration 035).
--
-- 035 wrote it as an SQL function whose limits argument is a subquery. Such a function is not
-- inlined, and the expression it calls (varde_alert_severity_of, which names the limits several
-- times) is not inlined into it either, because its argument holds a subquery: so every call ran
-- the SQL-function machinery and planned the inner function's body again. Measured on a copy of the
-- 20 000-patient sweep cohort, summing the severity of its 3 699 open red and yellow alerts: 035's
-- function 397–444 ms, 022's body (which it replaced) 84–97 ms, this one 26–27 ms, and the worklist
-- page's join with the inlined expression 31 ms. The alert-state trigger of ingest and of the sweep
-- calls this function; the worklist page joins plan_thresholds itself. PL/pgSQL keeps the lookup's
-- plan for the session and evaluates the inlined expression over plain variables. Same answers
-- (db/plan-thresholds.test.ts).
create or replace function varde_alert_severity(p_kind text, p_zone text, p_rule text, p_findings jsonb, p_plan uuid) returns double precision
language plpgsql stable as $$
declare
  th jsonb;
begin
  if p_kind in ('threshold', 'questionnaire') and p_zone in ('red', 'yellow') and p_findings -> -1 is not null then
    select t.thresholds into th from plan_thresholds t where t.plan_id = p_plan and t.code = varde_alert_code(p_rule, p_findings);
  end if;
  return varde_alert_severity_of(p_kind, p_zone, p_findings, th);
end $$;
