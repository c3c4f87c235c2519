-- First schema. Money is integer minor units (Stars are their own minor unit);
-- timestamps are RFC 3339 UTC text with a fixed width, so they sort as strings.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,          -- Telegram user id
    first_name    TEXT NOT NULL DEFAULT '',
    language      TEXT,                         -- IETF tag from Telegram, or the user's choice
    region        TEXT,                         -- chosen catalog region; NULL until chosen
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE products (
    sku                     TEXT PRIMARY KEY,   -- the supplier's SKU
    brand                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    region                  TEXT NOT NULL,      -- ISO 3166-1 alpha-2, EU or GLOBAL
    face_value              INTEGER NOT NULL CHECK (face_value > 0),
    face_currency           TEXT NOT NULL CHECK (length(face_currency) = 3),
    redemption_instructions TEXT NOT NULL DEFAULT '',
    redemption_url          TEXT,
    max_quantity            INTEGER NOT NULL CHECK (max_quantity >= 1),
    active                  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    supplier_updated_at     TEXT,
    synced_at               TEXT NOT NULL
) STRICT;
CREATE INDEX products_active_region_brand ON products (region, brand) WHERE active = 1;

CREATE TABLE orders (
    id                          TEXT PRIMARY KEY,   -- our order id: invoice payload and supplier reference
    user_id                     INTEGER NOT NULL REFERENCES users (id),
    chat_id                     INTEGER NOT NULL,
    sku                         TEXT NOT NULL REFERENCES products (sku),
    quantity                    INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100),
    currency                    TEXT NOT NULL,      -- payment currency (XTR)
    unit_price                  INTEGER NOT NULL CHECK (unit_price > 0),
    total_price                 INTEGER NOT NULL CHECK (total_price = unit_price * quantity),
    wholesale_unit_price        INTEGER NOT NULL CHECK (wholesale_unit_price > 0),
    wholesale_currency          TEXT NOT NULL,
    quote_expires_at            TEXT NOT NULL,
    status                      TEXT NOT NULL CHECK (status IN (
                                    'quoted', 'expired', 'paid', 'ordering', 'pending',
                                    'delivered', 'partial', 'failed', 'refunded', 'refund_due')),
    telegram_payment_charge_id  TEXT UNIQUE,
    provider_payment_charge_id  TEXT,
    paid_amount                 INTEGER,
    supplier_order_id           TEXT UNIQUE,
    supplier_status             TEXT,
    supplier_version            INTEGER NOT NULL DEFAULT 0,
    fulfilled_quantity          INTEGER NOT NULL DEFAULT 0 CHECK (fulfilled_quantity >= 0),
    credited_amount             INTEGER NOT NULL DEFAULT 0 CHECK (credited_amount >= 0),
    failure_reason              TEXT,
    invoice_message_id          INTEGER,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    paid_at                     TEXT,
    finished_at                 TEXT,
    version                     INTEGER NOT NULL DEFAULT 1,
    CHECK ((status IN ('quoted', 'expired')) = (telegram_payment_charge_id IS NULL))
) STRICT;
CREATE INDEX orders_user_created ON orders (user_id, created_at DESC);
CREATE INDEX orders_status_updated ON orders (status, updated_at);

-- Codes are AES-GCM sealed with the order id as associated data: a row moved to
-- another order no longer decrypts.
CREATE TABLE order_codes (
    order_id    TEXT NOT NULL REFERENCES orders (id),
    position    INTEGER NOT NULL CHECK (position >= 0),
    sealed      BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (order_id, position)
) STRICT;

-- Supplier webhook inbox: the primary key is the webhook-id, so a replay is a no-op.
CREATE TABLE supplier_events (
    event_id            TEXT PRIMARY KEY,
    event_type          TEXT NOT NULL,
    supplier_order_id   TEXT NOT NULL,
    reference           TEXT NOT NULL,
    order_version       INTEGER NOT NULL,
    received_at         TEXT NOT NULL,
    processed_at        TEXT
) STRICT;
CREATE INDEX supplier_events_unprocessed ON supplier_events (received_at) WHERE processed_at IS NULL;

-- Messages to send, written in the same transaction as the state change that needs
-- them; a sender delivers them at least once. Payloads never hold codes: a delivery
-- is rendered from order_codes at send time.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    order_id        TEXT REFERENCES orders (id),
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    dedupe_key      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';

-- Store credit, in the payment currency's minor units; the balance is the sum.
CREATE TABLE credit_ledger (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    amount      INTEGER NOT NULL CHECK (amount <> 0),
    currency    TEXT NOT NULL,
    order_id    TEXT REFERENCES orders (id),
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (order_id, reason)
) STRICT;
CREATE INDEX credit_ledger_user ON credit_ledger (user_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    admin_id    INTEGER NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT,
    details     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
) STRICT;
