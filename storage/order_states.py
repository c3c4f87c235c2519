"""The purchase state machine: every status, every allowed move, and what each state owes.

This module is the one place that decides them. `OrderRepository.transition` refuses a
move that is not in `TRANSITIONS`; recovery asks `STEP_OWED` what to do with an order it
finds; `docs/orders.md` draws its diagram from this table (a test keeps them equal).
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """DESIGN.md's purchase state machine; storage is the source of truth."""

    QUOTED = "quoted"  # invoice sent with the price quote (credit to be used is reserved)
    EXPIRED = "expired"  # quote lapsed unpaid; its credit reservation is released
    PAID = "paid"  # payment stored (Stars charge and/or store credit spent)
    ORDERING = "ordering"  # supplier POST under way (reference = order id)
    PENDING = "pending"  # supplier accepted, fulfilment later
    DELIVERED = "delivered"  # every code stored and queued for the customer
    PARTIAL = "partial"  # some codes delivered, the rest credited
    FAILED = "failed"  # nothing issued; the payment goes back
    REFUNDED = "refunded"  # the payment went back (Stars refunded, credit restored)
    REFUND_DUE = "refund_due"  # card payment: an admin refunds it outside Telegram
    VOIDED = "voided"  # the supplier revoked delivered codes; the payment goes back
    NEEDS_ATTENTION = "needs_attention"  # only a person can settle it; admins are alerted

    @property
    def is_final(self) -> bool:
        return self in FINAL


class Step(StrEnum):
    """What the recovery pass owes an order in a given state."""

    EXPIRE = "expire"  # drop the quote once its time is up
    PLACE = "place"  # POST the supplier order (idempotent by reference)
    POLL = "poll"  # ask the supplier how the order stands
    REFUND = "refund"  # give the payment back
    WATCH = "watch"  # delivered: re-check for a supplier void for a while
    WAIT = "wait"  # a person acts (admin refund, /resolve); deadlines still apply
    NONE = "none"  # nothing more, ever


S = OrderStatus

# from → the statuses it may move to. A move to the same status is a tracking update
# (a newer supplier version that changes nothing for the customer).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.QUOTED: frozenset({S.PAID, S.EXPIRED}),
    # Telegram may still deliver a payment approved just before the quote lapsed.
    S.EXPIRED: frozenset({S.PAID}),
    S.PAID: frozenset({S.ORDERING, S.NEEDS_ATTENTION}),
    S.ORDERING: frozenset({S.PENDING, S.DELIVERED, S.PARTIAL, S.FAILED, S.NEEDS_ATTENTION}),
    S.PENDING: frozenset({S.PENDING, S.DELIVERED, S.PARTIAL, S.FAILED, S.NEEDS_ATTENTION}),
    S.FAILED: frozenset({S.REFUNDED, S.REFUND_DUE, S.NEEDS_ATTENTION}),
    S.REFUND_DUE: frozenset({S.REFUNDED, S.NEEDS_ATTENTION}),
    S.DELIVERED: frozenset({S.VOIDED}),
    S.PARTIAL: frozenset({S.VOIDED}),
    # Stars go back by refund; a card payment comes back as store credit.
    S.VOIDED: frozenset({S.REFUNDED, S.NEEDS_ATTENTION}),
    # A person settles it (retry from where it stopped, refund, close by hand), or a late
    # supplier answer does for an order that only overstayed its deadline.
    S.NEEDS_ATTENTION: frozenset(
        {
            S.PAID,
            S.ORDERING,
            S.PENDING,
            S.FAILED,
            S.VOIDED,
            S.REFUNDED,
            S.REFUND_DUE,
            S.DELIVERED,
            S.PARTIAL,
        }
    ),
    S.REFUNDED: frozenset(),
}

STEP_OWED: dict[OrderStatus, Step] = {
    S.QUOTED: Step.EXPIRE,
    S.EXPIRED: Step.NONE,
    S.PAID: Step.PLACE,
    S.ORDERING: Step.PLACE,
    S.PENDING: Step.POLL,
    S.FAILED: Step.REFUND,
    S.VOIDED: Step.REFUND,
    S.DELIVERED: Step.WATCH,
    S.PARTIAL: Step.WATCH,
    S.REFUND_DUE: Step.WAIT,
    S.NEEDS_ATTENTION: Step.WAIT,
    S.REFUNDED: Step.NONE,
}

# Settled for now: the automatic paths owe nothing more (a supplier void may still reopen
# a delivery, and a person may act on refund_due and needs_attention).
FINAL = frozenset({S.EXPIRED, S.DELIVERED, S.PARTIAL, S.REFUNDED, S.REFUND_DUE, S.NEEDS_ATTENTION})
# The recovery pass drives these forward on its own.
RESUMABLE = frozenset(
    status for status, step in STEP_OWED.items() if step in (Step.PLACE, Step.POLL, Step.REFUND)
)
# Statuses with codes the customer may see (voided codes are shown as revoked).
HAS_CODES = frozenset({S.DELIVERED, S.PARTIAL, S.VOIDED})
# Open to supplier news: a supplier order under way.
AWAITING_SUPPLIER = frozenset({S.ORDERING, S.PENDING})


class IllegalTransition(ValueError):
    """A move the table does not allow: a programming error, never a race."""


def check_transition(current: OrderStatus, to: OrderStatus) -> None:
    if to not in TRANSITIONS[current]:
        raise IllegalTransition(f"{current} → {to} is not an allowed order transition")


def is_allowed(current: OrderStatus, to: OrderStatus) -> bool:
    return to in TRANSITIONS[current]


def mermaid() -> str:
    """The table as a mermaid state diagram (docs/orders.md holds it; a test compares)."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.QUOTED.value}"]
    for current in OrderStatus:
        for target in sorted(TRANSITIONS[current], key=list(OrderStatus).index):
            lines.append(f"    {current.value} --> {target.value}")
    lines += [f"    {status.value} --> [*]" for status in OrderStatus if not TRANSITIONS[status]]
    return "\n".join(lines)
