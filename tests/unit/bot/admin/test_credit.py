"""/credit as an admin: checked, confirmed, applied once, with who and why."""

from __future__ import annotations

import pytest

from bot.keyboards.admin import AdminCreditConfirm
from storage.repositories import CreditRepository, UserRepository
from tests.unit.bot.admin.console import ADMIN, CUSTOMER, Console
from tests.unit.bot.harness import NOW


@pytest.fixture
async def customer(console: Console) -> int:
    async with console.storage.db.transaction() as conn:
        await UserRepository(conn).upsert_user(CUSTOMER, "Ann", "en", NOW)
    return CUSTOMER


async def balance(console: Console) -> int:
    async with console.storage.db.read() as conn:
        return await CreditRepository(conn).balance(CUSTOMER, "XTR")


async def test_credit_is_applied_once_on_confirm(console: Console, customer: int) -> None:
    await console.send(f"/credit {customer} +50 goodwill for the delay", user_id=ADMIN)
    text, _ = console.last_screen()
    assert "+⭐ 50 — goodwill for the delay" in text and "Balance ⭐ 0 → ⭐ 50" in text
    assert await balance(console) == 0
    apply = next(d for t, d in console.buttons().items() if "Apply" in t)
    await console.press(apply, user_id=ADMIN)
    await console.press(apply, user_id=ADMIN)
    assert await balance(console) == 50
    assert "balance now ⭐ 50" in console.texts()[-1]
    assert console.answers()[-1] == "Already applied, cancelled or expired: nothing changed."
    async with console.storage.db.read() as conn:
        [entry] = await CreditRepository(conn).list_credits(CUSTOMER)
    assert (entry.reason, entry.actor_id, entry.note) == (
        "adjustment",
        ADMIN,
        "goodwill for the delay",
    )


async def test_credit_can_be_taken_away_and_cancelled(console: Console, customer: int) -> None:
    await console.send(f"/credit {customer} -20 double credit", user_id=ADMIN)
    token = AdminCreditConfirm.unpack(next(iter(console.buttons().values()))).token
    await console.press(AdminCreditConfirm(token=token, apply=False).pack(), user_id=ADMIN)
    await console.press(AdminCreditConfirm(token=token, apply=True).pack(), user_id=ADMIN)
    assert await balance(console) == 0
    assert "cancelled; nothing changed" in console.texts()[-1]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ("", "usage: /credit"),
        ("42 +50", "usage: /credit"),
        ("ann +50 why", "user id must be a number"),
        ("42 fifty why", "amount must be a whole number"),
        ("42 0 why", "amount must be non-zero"),
        ("42 +1000000 why", "at most 100,000"),
        ("77 +5 why", "no customer with id 77"),
        ("42 +5 " + "x" * 201, "longer than 200"),
    ],
)
async def test_bad_credit_requests_change_nothing(
    console: Console, customer: int, args: str, error: str
) -> None:
    await console.send(f"/credit {args}", user_id=ADMIN)
    text, markup = console.last_screen()
    assert error in text and markup is None
    assert await balance(console) == 0


async def test_another_admins_confirm_does_not_apply(console: Console, customer: int) -> None:
    console.settings.admin_ids = frozenset({ADMIN, 2})
    await console.send(f"/credit {customer} +5 why", user_id=ADMIN)
    apply = next(d for t, d in console.buttons().items() if "Apply" in t)
    await console.press(apply, user_id=2)
    assert await balance(console) == 0
