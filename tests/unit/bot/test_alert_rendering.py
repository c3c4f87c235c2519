"""Admin alerts: one short line per kind, in the admin's language, never a code."""

from __future__ import annotations

import pytest

from bot.rendering.alerts import KNOWN_REASONS, render_alert
from bot.services.alerts import AlertKind
from bot.services.fulfilment import REFUND_REJECTED
from bot.services.supplier_outcome import DEADLINE, MISMATCH


@pytest.mark.parametrize(
    ("payload", "english", "russian"),
    [
        (
            {"alert": "needs_attention", "subject": "GB1", "reason": REFUND_REJECTED},
            "⚠️ Order <code>GB1</code> needs attention: refund rejected by Telegram",
            "⚠️ Заказ <code>GB1</code> требует внимания: Telegram отклонил возврат",
        ),
        (
            {"alert": "unmatched_payment", "subject": "ch_9", "user": 77, "amount": 150},
            "💸 Payment <code>ch_9</code> matches no order\nUser <code>77</code>\nAmount: 150",
            "💸 Платёж <code>ch_9</code> не соответствует ни одному заказу\n"
            "Пользователь <code>77</code>\nСумма: 150",
        ),
        (
            {"alert": "voided", "subject": "GB2"},
            "↩️ Order <code>GB2</code> voided by the supplier",
            "↩️ Заказ <code>GB2</code> аннулирован поставщиком",
        ),
        (
            {"alert": "refund_due", "subject": "GB3", "amount": 2000, "currency": "USD"},
            "🧾 Order <code>GB3</code> needs a card refund\nAmount: $20.00",
            "🧾 Заказу <code>GB3</code> нужен возврат на карту\nСумма: 20,00\xa0$",
        ),
        (
            {"alert": "refund_failed", "subject": "ch_1", "error": "CHARGE_NOT_FOUND"},
            "❗ Telegram refused to refund payment <code>ch_1</code>\n"
            "Telegram said: CHARGE_NOT_FOUND",
            "❗ Telegram отказал в возврате платежа <code>ch_1</code>\n"
            "Ответ Telegram: CHARGE_NOT_FOUND",
        ),
    ],
)
def test_each_kind_in_english_and_russian(
    payload: dict[str, object], english: str, russian: str
) -> None:
    assert render_alert(payload, locale="en").text == english
    assert render_alert(payload, locale="ru").text == russian


def test_every_kind_has_its_own_text() -> None:
    details = {"available": 1, "threshold": 2, "currency": "USD", "failures": 2}
    details |= {"count": 3, "minutes": 5, "seconds": 60}
    details |= {"sku": "S", "held": 1}  # held_stock_low
    texts = {
        render_alert({"alert": kind.value, "subject": "S", **details}, locale="en").text
        for kind in AlertKind
    }
    assert len(texts) == len(AlertKind)
    assert not any(text.startswith("⚠️ Alert") for text in texts)


def test_an_alert_missing_its_details_still_reaches_the_admin() -> None:
    text = render_alert({"alert": "low_balance", "subject": "supplier"}, locale="en").text
    assert "low_balance" in text and "supplier" in text


def test_an_unknown_kind_still_reaches_the_admin() -> None:
    text = render_alert({"alert": "stock_low", "subject": "steam-us-20"}, locale="en").text
    assert text == "⚠️ Alert stock_low: <code>steam-us-20</code>"


def test_an_unknown_reason_is_shown_as_given_and_escaped() -> None:
    payload = {"alert": "needs_attention", "subject": "<GB>", "reason": "odd & new"}
    assert render_alert(payload, locale="ru").text == (
        "⚠️ Заказ <code>&lt;GB&gt;</code> требует внимания: odd &amp; new"
    )


def test_details_not_named_for_display_are_never_shown() -> None:
    payload = {"alert": "voided", "subject": "GB4", "code": "SECRET-1", "pin": "9999", "user": "x"}
    text = render_alert(payload, locale="en").text
    assert text == "↩️ Order <code>GB4</code> voided by the supplier"


def test_the_reasons_the_money_paths_give_are_translated() -> None:
    for reason in (DEADLINE, MISMATCH, REFUND_REJECTED):
        assert reason in KNOWN_REASONS
        payload = {"alert": "needs_attention", "subject": "GB1", "reason": reason}
        assert reason not in render_alert(payload, locale="ru").text


def test_operations_alerts_are_rendered_with_their_own_texts() -> None:
    payload = {
        "alert": "low_balance",
        "subject": "supplier",
        "available": 5000,
        "threshold": 10000,
        "currency": "USD",
    }
    text = render_alert(payload, locale="en").text
    assert "Supplier balance is low" in text and "$50.00" in text
