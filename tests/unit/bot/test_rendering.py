"""render_delivery and render_notice: spoilers, copy buttons, escaping, 4096 splits."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rendering import NOTICE_KINDS, OutgoingMessage, render_delivery, render_notice
from bot.rendering.formatting import format_money, format_stars, region_lock_line
from bot.rendering.message import MAX_TEXT_LENGTH
from bot.services.order_queries import OrderDetails
from storage.models import Code, OrderStatus, Product
from tests.support.orders import make_order
from tests.unit.bot.harness import NOW

PRODUCT = Product(
    sku="steam-us-20",
    brand="Steam",
    name="Steam <Gift> Card & more",
    region="US",
    face_value=2000,
    face_currency="USD",
    redemption_instructions="Open Steam & choose <Redeem>.",
    redemption_url=None,
    max_quantity=5,
    active=True,
    supplier_updated_at=None,
    synced_at=NOW,
)
ORDER = make_order()


def details(codes: list[Code], **order: Any) -> OrderDetails:
    return OrderDetails(
        order=dataclasses.replace(ORDER, quantity=max(len(codes), 1), **order),
        product=PRODUCT,
        codes=codes,
    )


def copy_texts(message: OutgoingMessage) -> list[str]:
    if message.reply_markup is None:
        return []
    return [
        b.copy_text.text for row in message.reply_markup.inline_keyboard for b in row if b.copy_text
    ]


def test_codes_are_spoilered_escaped_and_copyable() -> None:
    codes = [
        Code(
            code="AAA<1>",
            pin="9&9",
            serial="S/N",
            redemption_url="https://x.test/?a=1&b=2",
            expires_at="2036-11-23T04:54:31.351607+00:00",
        )
    ]
    [message] = render_delivery(details(codes), locale="en")
    assert "<tg-spoiler><code>AAA&lt;1&gt;</code></tg-spoiler>" in message.text
    assert "PIN: <tg-spoiler><code>9&amp;9</code></tg-spoiler>" in message.text
    assert "Serial: <code>S/N</code>" in message.text
    assert "Valid until: November 23, 2036" in message.text
    assert "https://x.test/?a=1&amp;b=2" in message.text
    assert "Steam &lt;Gift&gt; Card &amp; more × 1" in message.text
    assert "Open Steam &amp; choose &lt;Redeem&gt;." in message.text
    assert "🇺🇸 Works only on US accounts" in message.text
    assert "GBABCDEFGH23" in message.text
    assert copy_texts(message) == ["AAA<1>"]  # the button copies the raw code
    assert "part" not in message.text


def test_revoked_codes_are_marked_and_cannot_be_copied() -> None:
    for status in (OrderStatus.VOIDED, OrderStatus.REFUNDED):
        [message] = render_delivery(
            details([Code(code="AAA-1")], status=status, voided_at=NOW), locale="en"
        )
        assert "The supplier revoked these codes: they no longer work." in message.text
        assert copy_texts(message) == []


def test_codes_too_long_for_a_copy_button_get_none() -> None:
    codes = [Code(code="x" * 257), Code(code="y" * 256)]
    [message] = render_delivery(details(codes), locale="en")
    assert copy_texts(message) == ["y" * 256]


def test_no_codes_no_messages() -> None:
    assert render_delivery(details([]), locale="en") == []


def test_partial_order_mentions_the_store_credit() -> None:
    d = details([Code(code="A")], credited_amount=1693)
    d = dataclasses.replace(d, order=dataclasses.replace(d.order, quantity=3))
    [message] = render_delivery(d, locale="en")
    assert "2 units could not be supplied: ⭐ 1 693 added to your store credit." in message.text
    [ru] = render_delivery(d, locale="ru")
    assert "зачислено на баланс магазина" in ru.text


def test_many_long_codes_split_into_parts_without_cutting_a_code() -> None:
    codes = [Code(code=f"{n:03d}-" + "Z" * 250, pin="P" * 30) for n in range(40)]
    messages = render_delivery(details(codes), locale="en")
    assert len(messages) > 1
    for i, message in enumerate(messages, start=1):
        assert len(message.text) <= MAX_TEXT_LENGTH
        assert f"part {i} of {len(messages)}" in message.text
        # every spoiler opened in a part is closed in it
        assert message.text.count("<tg-spoiler>") == message.text.count("</tg-spoiler>")
    joined = "".join(m.text for m in messages)
    assert all(joined.count(code.code) == 1 for code in codes)
    assert sum(len(copy_texts(m)) for m in messages) == 40


def test_copy_buttons_stay_under_telegrams_keyboard_limit() -> None:
    codes = [Code(code=f"C{n}") for n in range(150)]
    messages = render_delivery(details(codes), locale="en")
    assert all(len(copy_texts(m)) <= 100 for m in messages)
    assert sum(len(copy_texts(m)) for m in messages) == 150


def test_huge_instructions_are_split_too() -> None:
    product = dataclasses.replace(PRODUCT, redemption_instructions="<&>" * 3000)
    d = dataclasses.replace(details([Code(code="A")]), product=product)
    messages = render_delivery(d, locale="en")
    assert len(messages) >= 3
    assert all(len(m.text) <= MAX_TEXT_LENGTH for m in messages)
    body = "".join(m.text for m in messages)
    assert body.count("&lt;&amp;&gt;") == 3000


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.builds(
            Code,
            code=st.text(min_size=1, max_size=300),
            pin=st.none() | st.text(max_size=40),
            serial=st.none() | st.text(max_size=40),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_any_codes_fit_and_stay_whole(codes: list[Code]) -> None:
    messages = render_delivery(details(codes), locale="en")
    assert all(len(m.text) <= MAX_TEXT_LENGTH for m in messages)
    spoilers = re.findall(
        r"<b>Code (\d+)</b>\n<tg-spoiler><code>(.*?)</code></tg-spoiler>",
        "\n".join(m.text for m in messages),
        re.S,
    )
    assert len(spoilers) == len(codes)


@pytest.mark.parametrize("kind", sorted(NOTICE_KINDS))
@pytest.mark.parametrize("locale", ["en", "ru"])
def test_every_notice_renders(kind: str, locale: str) -> None:
    message = render_notice(kind, ORDER, PRODUCT, locale=locale)
    assert "GBABCDEFGH23" in message.text
    assert "Steam &lt;Gift&gt;" in message.text


def test_refund_notice_names_the_amount() -> None:
    text = render_notice("refunded", ORDER, PRODUCT, locale="en").text
    assert "⭐ 3 386 has been refunded" in text


def test_refund_notice_names_what_came_back_as_stars_and_as_credit() -> None:
    split = make_order(paid_amount=886, credit_used=2500)
    text = render_notice("refunded", split, PRODUCT, locale="en").text
    assert "⭐ 886 has been refunded and ⭐ 2 500 returned to your store credit" in text
    credit_only = make_order(paid_amount=0, credit_used=3386, telegram_payment_charge_id=None)
    text = render_notice("refunded", credit_only, PRODUCT, locale="en").text
    assert "⭐ 3 386 has been returned to your store credit" in text
    assert "refunded" not in text


def test_unknown_notice_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown notice kind"):
        render_notice("bogus", ORDER, PRODUCT, locale="en")


@pytest.mark.parametrize(
    ("region", "line"),
    [
        ("US", "🇺🇸 Works only on US accounts"),
        ("GLOBAL", "🌐 Works in any region"),
        ("EU", "🇪🇺 Works on accounts in EU countries"),
        ("TR", "🇹🇷 Works only on TR accounts"),
    ],
)
def test_region_lock_lines(region: str, line: str) -> None:
    assert region_lock_line(region, "en") == line


def test_money_formats() -> None:
    assert format_stars(1234) == "⭐ 1 234"
    assert format_stars(7) == "⭐ 7"
    assert format_money(2000, "USD", "en") == "$20.00"
    assert format_money(2500, "EUR", "ru") == "25,00\xa0€"
    assert format_money(1000, "JPY", "en") == "¥1,000"
