-- Telegram updates received by webhook, by update_id: Telegram redelivers an update it got
-- no 2xx for, and one seen before must not be processed twice (a restart included).
-- Rows older than a day are deleted: Telegram keeps an update for at most 24 hours.
CREATE TABLE telegram_updates (
    update_id     INTEGER PRIMARY KEY,
    received_at   TEXT NOT NULL
) STRICT;
CREATE INDEX telegram_updates_received_at ON telegram_updates (received_at);
