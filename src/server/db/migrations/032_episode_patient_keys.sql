-- One foreign-key check instead of two per alert and per observation (issue 15).
--
-- Alerts and observations name both their episode and their patient, and each had a foreign key
-- to each table: two RI checks per inserted row (an index probe and a FOR KEY SHARE row lock each).
-- The missing-measurement sweep raises ~4.4 alerts per due episode; at a shared deadline of 100 000
-- episodes the patient check alone was ~9 % of its database time (bench/README.md, "Missing-
-- measurement sweep at 100 000 episodes"), and every device reading paid both checks too.
--
-- Now one composite key, (episode_id, patient_id) → episodes (id, patient_id), replaces the two.
-- It is stronger than what it replaces: the episode exists, its patient exists (episodes'
-- own key to patients), and the row's patient is that episode's patient — before, an alert or a
-- reading could name one patient and another patient's episode. No ON DELETE/UPDATE action changes
-- (all were NO ACTION). The other tables that name both (messages, contact notes, escalations,
-- questionnaire responses, episode transitions) are written a row at a time and keep their keys.

alter table episodes add constraint episodes_id_patient_key unique (id, patient_id);

-- Alerts: added NOT VALID (no long lock), then validated against the existing rows.
alter table alerts add constraint alerts_episode_patient_fkey
  foreign key (episode_id, patient_id) references episodes (id, patient_id) not valid;
alter table alerts validate constraint alerts_episode_patient_fkey;
alter table alerts drop constraint alerts_episode_id_fkey;
alter table alerts drop constraint alerts_patient_id_fkey;

-- Observations (partitioned: PostgreSQL checks every partition's rows while adding the key, and
-- each partition, present or made later by varde_observation_partitions, inherits it).
alter table observations add constraint observations_episode_patient_fkey
  foreign key (episode_id, patient_id) references episodes (id, patient_id);
alter table observations drop constraint observations_episode_id_fkey;
alter table observations drop constraint observations_patient_id_fkey;
