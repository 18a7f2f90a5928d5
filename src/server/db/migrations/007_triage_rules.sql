-- Clinical rules that do not miss deterioration (issue 8).

-- A home meter that shows "HI" or "LO" is outside its measuring range: the reading is red, never
-- refused. The value is stored at the edge of the range (e.g. 33.3 mmol/L) and the flag says it is
-- a bound, so trend rules leave it out and the nurse sees "HI", not a number that looks exact.
alter table observations add column interpretation text check (interpretation in ('HI', 'LO'));
