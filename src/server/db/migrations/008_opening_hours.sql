-- Each follow-up service edits its own opening hours and extra closed days in the clinic app
-- (issue 8). The hours stay in organisations.opening_hours (domain OpeningHours JSON plus
-- closedLabels); public holidays are computed for every year and no longer stored as dates.
-- A version number lets two people editing at once find out instead of overwriting each other.
alter table organisations
  add column opening_hours_version integer not null default 0,
  add column opening_hours_updated_at timestamptz,
  add column opening_hours_updated_by uuid references personnel(id);

alter table organisations
  add constraint organisations_opening_hours_object
  check (opening_hours is null or (jsonb_typeof(opening_hours) = 'object' and opening_hours ? 'timeZone' and opening_hours ? 'weekly'));
