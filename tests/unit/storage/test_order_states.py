"""The state table itself, and the repository refusing any move outside it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from storage.errors import ConcurrentUpdate
from storage.models import OrderStatus
from storage.order_states import (
    FINAL,
    RESUMABLE,
    STEP_OWED,
    TRANSITIONS,
    IllegalTransition,
    Step,
    is_allowed,
)
from storage.repositories import OrderRepository
from storage.store import Storage
from tests.support.orders import NOW, new_order

S = OrderStatus


def test_every_status_has_a_row_and_a_step() -> None:
    assert set(TRANSITIONS) == set(OrderStatus) == set(STEP_OWED)
    for targets in TRANSITIONS.values():
        assert targets <= set(OrderStatus)


def test_refunded_is_the_only_dead_end_and_every_status_is_reachable() -> None:
    assert [s for s, targets in TRANSITIONS.items() if not targets] == [S.REFUNDED]
    reachable = {S.QUOTED}
    frontier = [S.QUOTED]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(OrderStatus)


def test_money_never_moves_backwards() -> None:
    """Once paid, an order never becomes a quote again; once refunded, nothing follows;
    delivered codes are only ever taken back by a supplier void."""
    paid_side = set(OrderStatus) - {S.QUOTED, S.EXPIRED}
    for status in paid_side:
        assert not TRANSITIONS[status] & {S.QUOTED, S.EXPIRED}
    assert TRANSITIONS[S.DELIVERED] == TRANSITIONS[S.PARTIAL] == {S.VOIDED}


def test_every_paid_open_state_can_reach_a_person() -> None:
    for status in (S.PAID, S.ORDERING, S.PENDING, S.FAILED, S.VOIDED, S.REFUND_DUE):
        assert S.NEEDS_ATTENTION in TRANSITIONS[status]


def test_steps_owed() -> None:
    assert {S.PAID, S.ORDERING, S.PENDING, S.FAILED, S.VOIDED} == RESUMABLE
    assert STEP_OWED[S.PENDING] is Step.POLL and STEP_OWED[S.VOIDED] is Step.REFUND
    assert not RESUMABLE & FINAL


async def test_repository_refuses_every_move_outside_the_table(
    seeded: Storage,
) -> None:
    """Every (from, to) pair: allowed moves are taken, the others raise and change nothing."""
    for current, target in itertools.product(OrderStatus, OrderStatus):
        order_id = f"GB-{current.value}-{target.value}"
        async with seeded.db.transaction() as conn:
            orders = OrderRepository(conn)
            await orders.create_order(new_order(order_id), NOW)
            # Put the order in `current` directly: only the guard under test matters here.
            await conn.execute(
                """UPDATE orders SET status = ?, telegram_payment_charge_id = ?,
                       attention_reason = ? WHERE id = ?""",
                (
                    current.value,
                    None if current in (S.QUOTED, S.EXPIRED) else f"ch-{order_id}",
                    "test" if current is S.NEEDS_ATTENTION else None,
                    order_id,
                ),
            )
            # Paying a quote is the one move that must bring its charge along.
            charge = {"telegram_payment_charge_id": f"ch-{order_id}"}
            pays = current in (S.QUOTED, S.EXPIRED) and target is S.PAID
            move = orders.transition(
                order_id,
                expected=[current],
                to=target,
                now=NOW,
                reason="test",
                **(charge if pays else {}),
            )
            if is_allowed(current, target):
                moved = await move
                assert moved.status is target
            else:
                with pytest.raises(IllegalTransition):
                    await move
                assert (await orders.get_order(order_id)).status is current


async def test_transitions_keep_a_timeline_and_a_clock_per_state(
    seeded: Storage,
) -> None:
    later = NOW + timedelta(minutes=3)
    async with seeded.db.transaction() as conn:
        orders = OrderRepository(conn)
        await orders.create_order(new_order(), NOW)
        await orders.mark_paid(
            "GB1", telegram_charge_id="ch-1", provider_charge_id=None, amount=3400, now=NOW
        )
        await orders.transition("GB1", expected=[S.PAID], to=S.ORDERING, now=NOW)
        await orders.record_attempt("GB1", next_attempt_at=later, error="timeout")
        stuck = await orders.transition(
            "GB1", expected=[S.ORDERING], to=S.NEEDS_ATTENTION, now=later, reason="deadline"
        )
        assert (stuck.attention_reason, stuck.attention_from) == ("deadline", S.ORDERING)
        assert (stuck.status_since, stuck.attempts, stuck.next_attempt_at) == (later, 0, None)
        with pytest.raises(ValueError, match="for a reason"):
            await orders.transition("GB1", expected=[S.PENDING], to=S.NEEDS_ATTENTION, now=later)
        back = await orders.transition(
            "GB1", expected=[S.NEEDS_ATTENTION], to=S.ORDERING, now=later, reason="retry"
        )
        assert (back.attention_reason, back.attention_from) == (None, None)
        with pytest.raises(ConcurrentUpdate):
            await orders.transition("GB1", expected=[S.PAID], to=S.ORDERING, now=later)
        timeline = await orders.timeline("GB1")
    assert [(t.from_status, t.to_status, t.reason) for t in timeline] == [
        (None, S.QUOTED, None),
        (S.QUOTED, S.PAID, None),
        (S.PAID, S.ORDERING, None),
        (S.ORDERING, S.NEEDS_ATTENTION, "deadline"),
        (S.NEEDS_ATTENTION, S.ORDERING, "retry"),
    ]
