-- Idle timeout: a session ends after a period without requests (sliding), as well as at its
-- absolute expiry. Existing sessions count as seen now.
alter table sessions add column last_seen_at timestamptz not null default now();
create index sessions_last_seen on sessions (last_seen_at);

-- Brute force on device client credentials: consecutive wrong secrets lock the client until an
-- administrator of its organisation lifts the lock.
alter table api_clients add column failed_attempts int not null default 0;
alter table api_clients add column locked_at timestamptz;
create index access_tokens_expiry on access_tokens (expires_at);
