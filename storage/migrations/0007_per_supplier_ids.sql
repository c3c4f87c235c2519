-- giftbot: foreign_keys=off
-- Supplier order ids are unique per supplier, not across suppliers (issue 12 follow-up):
-- two suppliers may well issue the same id. Each placed attempt keeps the id its supplier
-- gave it, unique per (supplier, id); `orders.supplier_order_id` stays as the current
-- attempt's id (what polls and the admin screen read) but loses its table-wide UNIQUE.
-- SQLite cannot drop a constraint in place, so `orders` is rebuilt as 0002 did it: foreign
-- keys off, copy every column (0002's and 0004's top-up columns), drop, rename, recreate
-- every index, and the migration runner checks every reference before committing.

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
    supplier_order_id           TEXT,               -- the current attempt's; unique per supplier there
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
    player_id                   TEXT
                                    CHECK (player_id IS NULL OR length(player_id) BETWEEN 1 AND 64),
    player_name                 TEXT,
    CHECK (CASE WHEN status IN ('quoted', 'expired') THEN telegram_payment_charge_id IS NULL
                ELSE telegram_payment_charge_id IS NOT NULL OR credit_used = total_price END),
    CHECK ((status = 'needs_attention') = (attention_reason IS NOT NULL))
) STRICT;

INSERT INTO orders_new (id, user_id, chat_id, sku, quantity, currency, unit_price, total_price,
        credit_used, wholesale_unit_price, wholesale_currency, quote_expires_at, reserved_until,
        status, status_since, attention_reason, attention_from, attempts, next_attempt_at,
        telegram_payment_charge_id, provider_payment_charge_id, paid_amount, supplier_order_id,
        supplier_status, supplier_version, fulfilled_quantity, credited_amount, failure_reason,
        invoice_message_id, created_at, updated_at, paid_at, finished_at, voided_at, version,
        player_id, player_name)
    SELECT id, user_id, chat_id, sku, quantity, currency, unit_price, total_price,
        credit_used, wholesale_unit_price, wholesale_currency, quote_expires_at, reserved_until,
        status, status_since, attention_reason, attention_from, attempts, next_attempt_at,
        telegram_payment_charge_id, provider_payment_charge_id, paid_amount, supplier_order_id,
        supplier_status, supplier_version, fulfilled_quantity, credited_amount, failure_reason,
        invoice_message_id, created_at, updated_at, paid_at, finished_at, voided_at, version,
        player_id, player_name
    FROM orders;

DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_user_created ON orders (user_id, created_at DESC);
CREATE INDEX orders_status_updated ON orders (status, updated_at);
CREATE INDEX orders_sku_open ON orders (sku)
    WHERE status IN ('quoted', 'paid', 'ordering') AND supplier_order_id IS NULL;

-- The id each supplier gave its attempt: unique per supplier only.
ALTER TABLE supplier_attempts ADD COLUMN supplier_order_id TEXT;
CREATE UNIQUE INDEX supplier_attempts_supplier_order
    ON supplier_attempts (supplier, supplier_order_id) WHERE supplier_order_id IS NOT NULL;
-- An order's supplier order id so far belongs to its current (latest) attempt.
UPDATE supplier_attempts
   SET supplier_order_id = (SELECT o.supplier_order_id FROM orders o WHERE o.id = order_id)
 WHERE n = (SELECT MAX(a.n) FROM supplier_attempts a WHERE a.order_id = supplier_attempts.order_id);

-- The webhook inbox dedupes per supplier: a webhook-id is the sender's, so two suppliers
-- may both send `msg_1`; a replay from the same supplier is still recognised. Rows from
-- before carry `default` (the supplier of every webhook before routing); one that came
-- from another supplier at worst lets its replay be applied again, which is harmless:
-- applying supplier news checks the order's version first.
CREATE TABLE supplier_events_new (
    supplier            TEXT NOT NULL,
    event_id            TEXT NOT NULL,
    event_type          TEXT NOT NULL,
    supplier_order_id   TEXT NOT NULL,
    reference           TEXT NOT NULL,
    order_version       INTEGER NOT NULL,
    received_at         TEXT NOT NULL,
    processed_at        TEXT,
    PRIMARY KEY (supplier, event_id)
) STRICT;
INSERT INTO supplier_events_new (supplier, event_id, event_type, supplier_order_id, reference,
        order_version, received_at, processed_at)
    SELECT 'default', event_id, event_type, supplier_order_id, reference, order_version,
        received_at, processed_at
    FROM supplier_events;
DROP TABLE supplier_events;
ALTER TABLE supplier_events_new RENAME TO supplier_events;
CREATE INDEX supplier_events_unprocessed ON supplier_events (received_at) WHERE processed_at IS NULL;
