-- NEWS2 findings now carry the aggregate score as a number (domain/triage.ts#Finding.score). The
-- worklist's severity (022) read it from the English summary with a pattern, which broke as soon
-- as the wording changed; the number is used when present, the pattern only for alerts raised
-- before this migration. Everything else is 022's function unchanged.
create or replace function varde_alert_severity(p_kind text, p_zone text, p_rule text, p_findings jsonb, p_plan uuid) returns double precision
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
    -- NEWS2 score / 20 (its maximum); RCP NEWS2 (2017): 7 or more is the emergency-response trigger.
    return coalesce(
      case when jsonb_typeof(f -> 'score') = 'number' then (f ->> 'score')::double precision end,
      substring(f #>> '{summary,en}' from 'NEWS2(?: \([^)]*\))? (\d+) \(')::double precision,
      0) / 20;
  end if;
  if p_kind not in ('threshold', 'questionnaire') or p_zone not in ('red', 'yellow') then return 0; end if;
  v_code := coalesce(f ->> 'code', split_part(p_rule, ':', 2));
  v := (f #>> '{values,-1,value}')::double precision;
  if v is null then return 0; end if;
  select m -> 'thresholds' into th
    from plans p, jsonb_array_elements(coalesce(p.definition -> 'measures', '[]') || coalesce(p.definition -> 'questionnaires', '[]')) m
   where p.id = p_plan and m ->> 'code' = v_code limit 1;
  if th is null then return 0; end if;
  below := coalesce((th ->> (p_zone || 'Below'))::double precision, (th ->> 'yellowBelow')::double precision);
  above := coalesce((th ->> (p_zone || 'Above'))::double precision, (th ->> 'yellowAbove')::double precision);
  if below is not null and below <> 0 and v < below then s := greatest(s, (below - v) / abs(below)); end if;
  if above is not null and above <> 0 and v > above then s := greatest(s, (v - above) / abs(above)); end if;
  return s;
end $$;
