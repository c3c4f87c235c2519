-- Pre-purchased ("held") codes: bought up front, imported from a CSV, sold before the
-- supplier is asked. The code is sealed with the same AES-GCM key as order codes, with the
-- fingerprint as associated data (a sealed code moved to another row does not decrypt).
-- `fingerprint` is HMAC-SHA256 of the normalised code under a key derived from CODES_KEY:
-- unique, so a code is held or sold once, and it reveals nothing of a short code the way a
-- plain hash would. Once sold, the code lives (re-sealed) in order_codes under its order and
-- `sealed` here is cleared: one copy of each code at rest.
CREATE TABLE held_codes (
    id           INTEGER PRIMARY KEY,
    sku          TEXT NOT NULL REFERENCES products (sku),
    fingerprint  BLOB NOT NULL UNIQUE CHECK (length(fingerprint) = 32),
    sealed       BLOB,
    cost         INTEGER CHECK (cost >= 0),          -- minor units of cost_currency; NULL: not given
    cost_currency TEXT NOT NULL CHECK (length(cost_currency) = 3),
    expires_at   TEXT,                               -- NULL: does not expire
    batch        TEXT NOT NULL,                      -- one import: source file and time
    imported_at  TEXT NOT NULL,
    order_id     TEXT REFERENCES orders (id),        -- NULL while held
    sold_at      TEXT,
    CHECK ((order_id IS NULL) = (sold_at IS NULL)),
    CHECK ((order_id IS NULL) = (sealed IS NOT NULL))
) STRICT;
-- What a purchase claims: the unsold codes of a SKU, soonest to expire first.
CREATE INDEX held_codes_unsold ON held_codes (sku, expires_at) WHERE order_id IS NULL;
CREATE INDEX held_codes_order ON held_codes (order_id) WHERE order_id IS NOT NULL;

-- Every code stored on an order from now on (supplier's or held) carries the same keyed
-- fingerprint, so an import refuses a code the shop already sold without decrypting any.
-- Rows written before this migration have none (they would need the key to compute).
ALTER TABLE order_codes ADD COLUMN fingerprint BLOB CHECK (length(fingerprint) = 32);
CREATE INDEX order_codes_fingerprint ON order_codes (fingerprint) WHERE fingerprint IS NOT NULL;
