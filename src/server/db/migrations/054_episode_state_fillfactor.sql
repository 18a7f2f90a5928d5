-- Room on each page of episode_state for the next versions of its rows, so their updates stay HOT.
--
-- Every reading updates its episode's row (latest values; again when it answers an alert), and a
-- row is ~1 kB (the latest jsonb), about eight to a full page. Once the page was full, the new
-- version went to another page: PostgreSQL wrote a lock record for the old one, the new tuple
-- whole, and a new entry in the primary key, and dirtied a second page. At 14:00 (every reading
-- answering a missing-measurement alert) that was 0.64 of the 1.9 row updates per single reading,
-- with 0.74 primary-key inserts (bench/explain-ingest.ts WAL=1, bench/README.md "Round 31").
-- Half-full pages leave room for ~4 new versions between two prunes, and no index on the table
-- covers an updated column, so an update on the same page is HOT: no index entry, no lock
-- record, one page. The table doubles in size (about 1 kB more per episode: 200 MB at 100 000).
alter table episode_state set (fillfactor = 50);
-- Fill factor applies to pages written from now on: rewrite the table so its rows get the room at
-- once (CLUSTER, unlike VACUUM FULL, may run inside the migration's transaction; it takes an
-- exclusive lock for the rewrite, under a second at 100 000 episodes). No order is kept.
cluster episode_state using episode_state_pkey;
alter table episode_state set without cluster;
