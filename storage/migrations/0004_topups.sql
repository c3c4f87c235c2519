-- Game top-ups (issue 12). A top-up product credits a player's game account instead of
-- issuing a code, so the order must carry the account: the player id the customer gave
-- and the display name the supplier's validation returned (shown back to the customer
-- before the quote, and in the confirmation). Existing rows are gift cards.

ALTER TABLE products ADD COLUMN kind TEXT NOT NULL DEFAULT 'code'
    CHECK (kind IN ('code', 'topup'));

ALTER TABLE orders ADD COLUMN player_id TEXT
    CHECK (player_id IS NULL OR length(player_id) BETWEEN 1 AND 64);
ALTER TABLE orders ADD COLUMN player_name TEXT;
