-- Several suppliers (issue 12): every placement attempt of an order, one row each, written
-- and committed before its POST. The attempt with the highest n is the order's current
-- supplier; its reference (`<order id>-<n>`) is the idempotency key at that supplier and
-- what its webhooks name, so no two suppliers can ever fulfil one order.
CREATE TABLE supplier_attempts (
    order_id      TEXT NOT NULL REFERENCES orders (id),
    n             INTEGER NOT NULL CHECK (n >= 0),
    supplier      TEXT NOT NULL,
    reference     TEXT NOT NULL UNIQUE,
    -- open: committed, POST not yet answered; placed: the supplier holds the order;
    -- refused: a final no from this supplier; unreachable: nothing was placed there.
    status        TEXT NOT NULL CHECK (status IN ('open', 'placed', 'refused', 'unreachable')),
    error         TEXT,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    PRIMARY KEY (order_id, n)
) STRICT;

-- Orders placed before this migration went to the single supplier under their own id:
-- they become attempt 0 at `default`, so polls, webhooks and exports find them the same way.
INSERT INTO supplier_attempts (order_id, n, supplier, reference, status, started_at, finished_at)
SELECT id, 0, 'default', id,
       CASE WHEN supplier_order_id IS NOT NULL THEN 'placed' ELSE 'open' END,
       COALESCE(paid_at, created_at),
       CASE WHEN supplier_order_id IS NOT NULL THEN COALESCE(paid_at, created_at) END
FROM orders
WHERE supplier_order_id IS NOT NULL
   OR status = 'ordering'
   OR (status = 'needs_attention' AND attention_from = 'ordering');
