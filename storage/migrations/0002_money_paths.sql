-- giftbot: foreign_keys=off
-- Money paths. The orders table is rebuilt (SQLite cannot change a CHECK in place), as
-- SQLite's own twelve-step procedure does it: foreign keys off, copy, drop, rename, check.
--   * statuses needs_attention (a person settles it) and voided (supplier revoked codes);
--   * credit_used: store credit reserved at quote time and spent at payment; a paid order
--     may carry no Telegram charge when credit paid all of it;
--   * status_since, attempts, next_attempt_at: deadlines and backoff per state;
--   * reserved_until: stock held for a shopper between pre-checkout and payment;
--   * order_transitions: every move, in order (the timeline admins read);
--   * payments: every payment Telegram reported, matched or not (the Stars ledger's memory).

CREATE TABLE orders_new (
    id                          TEXT PRIMARY KEY,
    user_id                     INTEGER NOT NULL REFERENCES users (id),
    chat_id                     INTEGER NOT NULL,
    sku                         TEXT NOT NULL REFERENCES products (sku),
    quantity                    INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100),
    currency                    TEXT NOT NULL,
    unit_price                  INTEGER NOT NULL CHECK (unit_price > 0),
    total_price                 INTEGER NOT NULL CHECK (total_price = unit_price * quantity),
    credit_used                 INTEGER NOT NULL DEFAULT 0
                                    CHECK (credit_used BETWEEN 0 AND total_price),
    wholesale_unit_price        INTEGER NOT NULL CHECK (wholesale_unit_price > 0),
    wholesale_currency          TEXT NOT NULL,
    quote_expires_at            TEXT NOT NULL,
    reserved_until              TEXT,
    status                      TEXT NOT NULL CHECK (status IN (
                                    'quoted', 'expired', 'paid', 'ordering', 'pending',
                                    'delivered', 'partial', 'failed', 'refunded', 'refund_due',
                                    'voided', 'needs_attention')),
    status_since                TEXT NOT NULL,
    attention_reason            TEXT,
    attention_from              TEXT,
    attempts                    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at             TEXT,
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
    voided_at                   TEXT,
    version                     INTEGER NOT NULL DEFAULT 1,
    -- Unpaid quotes carry no charge; a paid order carries one unless credit paid it all.
    CHECK (CASE WHEN status IN ('quoted', 'expired') THEN telegram_payment_charge_id IS NULL
                ELSE telegram_payment_charge_id IS NOT NULL OR credit_used = total_price END),
    CHECK ((status = 'needs_attention') = (attention_reason IS NOT NULL))
) STRICT;

INSERT INTO orders_new (id, user_id, chat_id, sku, quantity, currency, unit_price, total_price,
        wholesale_unit_price, wholesale_currency, quote_expires_at, status, status_since,
        telegram_payment_charge_id, provider_payment_charge_id, paid_amount, supplier_order_id,
        supplier_status, supplier_version, fulfilled_quantity, credited_amount, failure_reason,
        invoice_message_id, created_at, updated_at, paid_at, finished_at, version)
    SELECT id, user_id, chat_id, sku, quantity, currency, unit_price, total_price,
        wholesale_unit_price, wholesale_currency, quote_expires_at, status, updated_at,
        telegram_payment_charge_id, provider_payment_charge_id, paid_amount, supplier_order_id,
        supplier_status, supplier_version, fulfilled_quantity, credited_amount, failure_reason,
        invoice_message_id, created_at, updated_at, paid_at, finished_at, version
    FROM orders;

DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_user_created ON orders (user_id, created_at DESC);
CREATE INDEX orders_status_updated ON orders (status, updated_at);
CREATE INDEX orders_sku_open ON orders (sku)
    WHERE status IN ('quoted', 'paid', 'ordering') AND supplier_order_id IS NULL;

CREATE TABLE order_transitions (
    id           INTEGER PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    from_status  TEXT,                      -- NULL: the order was created
    to_status    TEXT NOT NULL,
    reason       TEXT,
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX order_transitions_order ON order_transitions (order_id, id);
CREATE INDEX order_transitions_at ON order_transitions (at);
INSERT INTO order_transitions (order_id, from_status, to_status, reason, at)
    SELECT id, NULL, status, 'before timeline', updated_at FROM orders;

-- Every payment Telegram reported, keyed on its charge id. `status` says what became of
-- the money: it paid an order, is owed back, went back, or needs a person.
CREATE TABLE payments (
    charge_id           TEXT PRIMARY KEY,
    provider_charge_id  TEXT,
    user_id             INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    amount              INTEGER NOT NULL CHECK (amount > 0),
    payload             TEXT NOT NULL,
    order_id            TEXT REFERENCES orders (id),
    status              TEXT NOT NULL CHECK (status IN (
                            'applied', 'refund_owed', 'refunded', 'refund_due', 'unmatched',
                            'refund_failed')),
    source              TEXT NOT NULL CHECK (source IN ('update', 'ledger', 'before_ledger')),
    paid_at             TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX payments_open ON payments (next_attempt_at) WHERE status = 'refund_owed';
CREATE INDEX payments_paid_at ON payments (paid_at);
INSERT INTO payments (charge_id, provider_charge_id, user_id, currency, amount, payload,
        order_id, status, source, paid_at, created_at, updated_at)
    SELECT telegram_payment_charge_id, provider_payment_charge_id, user_id, currency,
        paid_amount, id, id, 'applied', 'before_ledger', paid_at, paid_at, paid_at
    FROM orders WHERE telegram_payment_charge_id IS NOT NULL AND paid_amount > 0;

-- A codes message split in parts resumes from the first part not yet sent.
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0 CHECK (parts_sent >= 0);

-- The day this database began: the Stars ledger never touches a payment older than it.
INSERT OR IGNORE INTO meta (key, value)
    SELECT 'created_at', coalesce(
        (SELECT min(created_at) FROM users),
        strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z');

-- Store credit entries say who moved the money when a person did, and why.
ALTER TABLE credit_ledger ADD COLUMN actor_id INTEGER;
ALTER TABLE credit_ledger ADD COLUMN note TEXT;
