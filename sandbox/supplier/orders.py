"""Order life cycle on the sandbox's books: accept and debit, settle, refund."""

from __future__ import annotations

from typing import Final

from sandbox.supplier.errors import SandboxError
from sandbox.supplier.ledger import usd
from sandbox.supplier.pricing import ACCOUNT_CURRENCY
from sandbox.supplier.state import Outcome, Placement, SandboxState
from sandbox.supplier.topups import FAIL_LATER_PLAYER, credit, look_up_player
from supplier.models import Order, OrderRequest, OrderStatus

DEFERRED_SKUS: Final = frozenset({"test-pending", "test-fail", "test-webhook-chaos-pending"})


def _fingerprint(request: OrderRequest) -> str:
    # Without a player id the fingerprint is what it was before top-ups existed, so
    # references kept in a state file still match their repeat requests.
    return request.model_dump_json(exclude={"player_id"} if request.player_id is None else None)


def _check_player(state: SandboxState, request: OrderRequest) -> None:
    item = state.item(request.sku)
    if item.kind == "topup":
        if request.player_id is None:
            raise SandboxError("invalid_request", f"{item.sku} is a top-up: player_id is required")
        look_up_player(item, request.player_id)  # the same answer as /v1/topups/validate
    elif request.player_id is not None:
        raise SandboxError("invalid_request", "player_id is only for top-up products")


def _check_acceptable(state: SandboxState, request: OrderRequest) -> int:
    """Every reason to refuse, in the order suppliers check them; returns the unit price."""
    item = state.item(request.sku)
    _check_player(state, request)
    if item.sku == "test-decline":
        raise SandboxError("order_declined", "the supplier declined this order")
    if request.quantity > item.max_quantity:
        raise SandboxError("quantity_limit", f"at most {item.max_quantity} units per order")
    on_hand = state.stock[item.sku]
    if on_hand is not None and on_hand < request.quantity:
        raise SandboxError("out_of_stock", f"{item.sku} has not enough stock")
    price = state.current_unit_price(item)
    limit = request.max_unit_price
    if limit is not None:
        if limit.currency != ACCOUNT_CURRENCY:
            raise SandboxError("invalid_request", f"max_unit_price must be in {ACCOUNT_CURRENCY}")
        if limit.amount < price:
            raise SandboxError("price_changed", f"unit price is now {price} {ACCOUNT_CURRENCY}")
    if price * request.quantity > state.ledger.balance:
        raise SandboxError("insufficient_balance", "the account balance is too low")
    return price


def _plan(state: SandboxState, request: OrderRequest) -> tuple[Outcome, bool]:
    sku = request.sku
    if sku == "test-fail" or request.player_id == FAIL_LATER_PLAYER:
        return Outcome.FAIL, True
    if sku in ("test-pending", "test-webhook-chaos-pending"):
        return Outcome.COMPLETE, True
    if sku == "test-partial":
        return Outcome.PARTIAL, False
    if sku.startswith("test-"):
        return Outcome.COMPLETE, False
    fails = state.rng.random() < state.failure_probability
    deferred = fails or state.rng.random() < state.pending_probability
    return (Outcome.FAIL if fails else Outcome.COMPLETE), deferred


def _new_order_id(state: SandboxState) -> str:
    # Seeded ids repeat after a restart from a state file, so check against known ones.
    while True:
        order_id = f"ord_{state.rng.getrandbits(64):016x}"
        if order_id not in state.orders:
            return order_id


def place_order(state: SandboxState, request: OrderRequest) -> Placement:
    """Accept (and debit) a new order, or return the one this reference already made."""
    known = state.by_reference.get(request.reference)
    if known is not None:
        if state.fingerprints[request.reference] != _fingerprint(request):
            raise SandboxError(
                "idempotency_conflict", "reference already used with a different request"
            )
        return Placement(state.orders[known], created=False)
    price = _check_acceptable(state, request)
    now = state.clock()
    total = price * request.quantity
    order = Order(
        order_id=_new_order_id(state),
        reference=request.reference,
        sku=request.sku,
        quantity=request.quantity,
        status="pending",
        unit_price=usd(price),
        total=usd(total),
        fulfilled_quantity=0,
        player_id=request.player_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    on_hand = state.stock[request.sku]
    if on_hand is not None:
        state.stock[request.sku] = on_hand - request.quantity
    state.ledger.post("debit", -total, order=order, quantity=request.quantity)
    state.orders[order.order_id] = order
    state.by_reference[order.reference] = order.order_id
    state.fingerprints[order.reference] = _fingerprint(request)
    outcome, deferred = _plan(state, request)
    return Placement(order, created=True, outcome=outcome, deferred=deferred)


def _update(state: SandboxState, order: Order, status: OrderStatus, **changes: object) -> Order:
    updated = order.model_copy(
        update={
            "status": status,
            "updated_at": state.clock(),
            "version": order.version + 1,
            **changes,
        }
    )
    state.orders[order.order_id] = updated
    return updated


def _refund_units(state: SandboxState, order: Order, units: int) -> None:
    on_hand = state.stock[order.sku]
    if on_hand is not None:
        state.stock[order.sku] = on_hand + units
    state.ledger.post("refund", units * order.unit_price.amount, order=order, quantity=units)


def settle(state: SandboxState, order_id: str, outcome: Outcome) -> Order:
    """Move a pending order to its final status, issuing codes and refunding unfilled units."""
    order = state.order(order_id)
    if order.status != "pending":
        return order
    issued = {Outcome.COMPLETE: order.quantity, Outcome.PARTIAL: order.quantity // 2}.get(
        outcome, 0
    )
    now = state.clock()
    item = state.item(order.sku)
    if issued < order.quantity:
        _refund_units(state, order, order.quantity - issued)
    if issued == 0:
        return _update(state, order, "failed", failure_reason="the supplier could not fulfil")
    if item.kind == "topup" and order.player_id is not None:
        # No codes: the credit went to the player's account; the order says where.
        topup = credit(item, order.player_id, issued)
        return _update(state, order, "completed", topup=topup, fulfilled_quantity=issued)
    codes = [state.codes.issue(item.brand, now) for _ in range(issued)]
    status: OrderStatus = "completed" if issued == order.quantity else "partial"
    return _update(state, order, status, codes=codes, fulfilled_quantity=issued)


def refund(state: SandboxState, order_id: str) -> Order:
    """Refund the issued units of a completed or partial order (a supplier-side reversal)."""
    order = state.order(order_id)
    if order.status not in ("completed", "partial"):
        return order
    state.ledger.post(
        "refund",
        order.fulfilled_quantity * order.unit_price.amount,
        order=order,
        quantity=order.fulfilled_quantity,
    )
    return _update(state, order, "refunded", failure_reason="refunded by the supplier")
