-- Alert burden (issue 12): the nurse's judgement when handling an alert. true = "no action needed"
-- (ingen tiltak nødvendig), false = something was done, null = not stated (acknowledged before
-- this column existed, or through acknowledge-all). The per-patient burden figures, the suggestion
-- to review a threshold that keeps firing without action (alerts/service.ts#alertBurden) and the
-- programme report's share read it. alerts_patient (001) serves the per-patient window.
alter table alerts add column no_action_needed boolean;
