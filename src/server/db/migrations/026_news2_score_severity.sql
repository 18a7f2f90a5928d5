-- NEWS2 findings now carry the aggregate score as a number (domain/triage.ts#Finding.score). The
-- worklist's severity (022) read it from the English summary with a pattern, which broke as soon
-- as the wording changed. 022's function stays as it is under a new name for every other kind
-- (and for NEWS2 alerts raised before this migration, which have no number).
alter function varde_alert_severity(text, text, text, jsonb, uuid) rename to varde_alert_severity_022;

create function varde_alert_severity(p_kind text, p_zone text, p_rule text, p_findings jsonb, p_plan uuid) returns double precision
language sql stable as $$
  -- NEWS2 score / 20 (its maximum); RCP NEWS2 (2017): 7 or more is the emergency-response trigger.
  select case when p_kind = 'news2' and jsonb_typeof(p_findings -> -1 -> 'score') = 'number'
              then (p_findings -> -1 ->> 'score')::double precision / 20
              else varde_alert_severity_022(p_kind, p_zone, p_rule, p_findings, p_plan) end
$$;
