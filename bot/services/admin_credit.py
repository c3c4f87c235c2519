"""Store credit adjusted by an operator: checked, shown for confirmation, applied once.

A pending adjustment waits under a random token (its button carries the token, since a
reason does not fit in 64 bytes of callback data); confirming takes the token away, so a
second press finds nothing to apply. Pending adjustments live in memory: after a restart
the operator sends /credit again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from storage.clock import utcnow
from storage.database import Database
from storage.repositories import CreditReason, CreditRepository, UserRepository

MAX_ADJUSTMENT = 100_000
MAX_REASON = 200
PENDING_SECONDS = 600.0


class CreditInputError(ValueError):
    """The adjustment asked for is malformed; nothing was changed."""


@dataclass(frozen=True, slots=True)
class CreditAdjustment:
    user_id: int
    amount: int  # signed, in the payment currency's minor units (Stars)
    currency: str
    reason: str
    admin_id: int
    balance_before: int


@dataclass(frozen=True, slots=True)
class AppliedCredit:
    adjustment: CreditAdjustment
    balance_after: int


def parse_credit_args(args: str) -> tuple[int, int, str]:
    """'<user id> <±amount> <reason>' → (user id, amount, reason); CreditInputError if bad."""
    parts = args.split(maxsplit=2)
    if len(parts) < 3:
        raise CreditInputError("usage: /credit <user id> <±stars> <reason>")
    user, amount, reason = parts
    if not user.isdigit():
        raise CreditInputError(f"user id must be a number, not {user!r}")
    try:
        value = int(amount)
    except ValueError:
        raise CreditInputError(
            f"amount must be a whole number like +50 or -20, not {amount!r}"
        ) from None
    if value == 0 or abs(value) > MAX_ADJUSTMENT:
        raise CreditInputError(f"amount must be non-zero and at most {MAX_ADJUSTMENT:,} either way")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise CreditInputError(f"reason is longer than {MAX_REASON} characters")
    return int(user), value, reason


class CreditAdjustments:
    def __init__(
        self,
        db: Database,
        *,
        currency: str,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._currency = currency
        self._clock = clock
        self._monotonic = monotonic
        self._pending: dict[str, tuple[float, CreditAdjustment]] = {}

    async def prepare(self, args: str, *, admin_id: int) -> tuple[str, CreditAdjustment]:
        """Check the request and hold it for confirmation; return its token."""
        user_id, amount, reason = parse_credit_args(args)
        async with self._db.read() as conn:
            if await UserRepository(conn).find_user(user_id) is None:
                raise CreditInputError(f"no customer with id {user_id} has used the bot")
            balance = await CreditRepository(conn).balance(user_id, self._currency)
        adjustment = CreditAdjustment(user_id, amount, self._currency, reason, admin_id, balance)
        self._forget_old()
        token = secrets.token_hex(6)
        self._pending[token] = (self._monotonic(), adjustment)
        return token, adjustment

    async def confirm(self, token: str, *, admin_id: int) -> AppliedCredit | None:
        """Apply the held adjustment once; None if it was applied, dropped or never held."""
        self._forget_old()
        held = self._pending.get(token)
        if held is None or held[1].admin_id != admin_id:
            return None
        del self._pending[token]
        adjustment = held[1]
        async with self._db.transaction() as conn:
            credits = CreditRepository(conn)
            await credits.add_credit(
                user_id=adjustment.user_id,
                amount=adjustment.amount,
                currency=adjustment.currency,
                reason=CreditReason.ADJUSTMENT,
                now=self._clock(),
                actor_id=admin_id,
                note=adjustment.reason,
            )
            balance = await credits.balance(adjustment.user_id, adjustment.currency)
        return AppliedCredit(adjustment, balance)

    def cancel(self, token: str) -> bool:
        return self._pending.pop(token, None) is not None

    def _forget_old(self) -> None:
        cutoff = self._monotonic() - PENDING_SECONDS
        for token in [t for t, (at, _) in self._pending.items() if at < cutoff]:
            del self._pending[token]
