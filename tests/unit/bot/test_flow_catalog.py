"""/start → region → brands → denominations → card, through a real Dispatcher."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage

from bot.keyboards.callbacks import BrandOpen, Buy, ProductOpen, RegionPick, brand_key
from tests.unit.bot.harness import Harness, choose_us


async def test_first_start_greets_and_asks_for_the_region_suggesting_one(h: Harness) -> None:
    await h.send("/start", language="en-US")
    text, _ = h.last_screen()
    assert "Hi, Ann!" in text
    assert "Choose your region" in text
    assert "Suggested: 🇺🇸 United States" in text
    assert next(iter(h.buttons())) == "🇺🇸 United States"


async def test_russian_user_gets_russian_greeting(h: Harness) -> None:
    await h.send("/start", language="ru")
    text, _ = h.last_screen()
    assert "Привет, Ann!" in text
    assert "Выберите регион" in text


async def test_unsupported_language_falls_back_to_default(h: Harness) -> None:
    await h.send("/start", language="fr")
    assert "Hi, Ann!" in h.last_screen()[0]


async def test_region_is_remembered_and_catalog_filters_by_it(h: Harness) -> None:
    await choose_us(h)
    user = await h.users.find_user(42)
    assert user is not None and user.region == "US"
    await h.send("/start")
    assert "Your region: 🇺🇸 United States" in h.last_screen()[0]
    await h.send("/catalog")
    assert list(h.buttons()) == ["Steam", "« Back"]


async def test_eu_member_sees_own_eu_and_global_cards(h: Harness) -> None:
    await h.send("/start")
    await h.press(RegionPick(region="DE").pack())
    await h.send("/catalog")
    assert list(h.buttons()) == ["PlayStation", "Steam", "Xbox", "« Back"]


async def test_navigation_edits_in_place_and_card_shows_everything(h: Harness) -> None:
    await choose_us(h)
    await h.press(BrandOpen(key=brand_key("Steam"), page=0).pack())
    assert isinstance(h.session.calls[0], EditMessageText)
    assert list(h.buttons()) == ["🇺🇸 $20.00", "🇺🇸 $50.00", "🌐 $10.00", "« Back"]
    h.clear()
    await h.press(ProductOpen(sku="steam-us-20").pack())
    text, _ = h.last_screen()
    assert "<b>Steam Gift Card 20 US</b>" in text
    assert "🇺🇸 Works only on US accounts" in text
    assert "Face value: $20.00" in text
    assert "Price: <b>⭐ 1 693</b>" in text  # ceil(20.00 × 1.10 / 0.013)
    assert "✅ In stock" in text
    assert "Redeem &amp; enter the code" in text
    buttons = h.buttons()
    assert buttons["🛒 Buy"] == Buy(sku="steam-us-20", quantity=1).pack()
    assert [t for t in buttons if t.startswith("×")] == ["×2", "×3", "×4", "×5"]
    assert buttons["« Back"] == BrandOpen(key=brand_key("Steam"), page=0).pack()


async def test_global_card_says_it_works_anywhere(h: Harness) -> None:
    await choose_us(h)
    await h.press(ProductOpen(sku="steam-gl-10").pack())
    assert "🌐 Works in any region" in h.last_screen()[0]


async def test_low_stock_limits_quantities(h: Harness) -> None:
    await choose_us(h)
    h.supplier.stock["steam-us-20"] = ("low", 2)
    await h.press(ProductOpen(sku="steam-us-20").pack())
    assert "⚠️ Only 2 left" in h.last_screen()[0]
    assert [t for t in h.buttons() if "Buy" in t or t.startswith("×")] == ["🛒 Buy", "×2"]


async def test_out_of_stock_card_offers_no_buy(h: Harness) -> None:
    await choose_us(h)
    h.supplier.stock["steam-us-20"] = ("out_of_stock", 0)
    await h.press(ProductOpen(sku="steam-us-20").pack())
    assert "❌ Out of stock" in h.last_screen()[0]
    assert "🛒 Buy" not in h.buttons()
    assert "🔄 Refresh" in h.buttons()


async def test_supplier_down_shows_price_unavailable_and_no_buy(h: Harness) -> None:
    await choose_us(h)
    h.supplier.down = True
    await h.press(ProductOpen(sku="steam-us-20").pack())
    text, _ = h.last_screen()
    assert "price unavailable" in text
    assert "❔ Stock unknown right now" in text
    assert "🛒 Buy" not in h.buttons()


async def test_russian_card(h: Harness) -> None:
    await h.send("/start", language="ru")
    await h.press(RegionPick(region="US").pack(), language="ru")
    await h.press(ProductOpen(sku="steam-us-20").pack(), language="ru")
    text, _ = h.last_screen()
    assert "Работает только на аккаунтах региона US" in text
    assert "Номинал: 20,00" in text
    assert "🛒 Купить" in h.buttons()


async def test_stale_and_forged_buttons_get_a_polite_answer_and_change_nothing(
    h: Harness,
) -> None:
    await choose_us(h)
    forged = [
        ProductOpen(sku="no-such-sku").pack(),
        ProductOpen(sku="psn-de-25").pack(),  # another region's product
        BrandOpen(key="0" * 10, page=0).pack(),
        "buy:steam-us-20:0",  # quantity out of range
        "buy:steam-us-20:abc",
        "m:nonsense",
        "r:ZZZ",
        "garbage",
    ]
    for data in forged:
        await h.press(data)
    assert not h.session.of(EditMessageText)
    assert not h.session.of(SendMessage)
    answers = h.session.of(AnswerCallbackQuery)
    assert len(answers) == len(forged)
    assert all(a.text and "out of date" in a.text for a in answers)


async def test_region_change_through_button(h: Harness) -> None:
    await choose_us(h)
    await h.press("m:region")
    assert "« Back" in h.buttons()
    await h.press(RegionPick(region="DE").pack())
    user = await h.users.find_user(42)
    assert user is not None and user.region == "DE"
    assert "Region set: Germany" in h.answers()


async def test_language_switch_is_remembered(h: Harness) -> None:
    await choose_us(h)
    await h.send("/language")
    assert list(h.buttons()) == ["✓ English", "Русский", "« Back"]
    await h.press("l:ru")
    assert "🛍 Каталог" in h.buttons()
    await h.send("/start", language="en")
    assert "Привет, Ann!" in h.last_screen()[0]


async def test_screen_that_cannot_be_edited_moves_to_a_new_message(h: Harness) -> None:
    await choose_us(h)
    h.session.edit_error = "Bad Request: message can't be edited"
    await h.press("m:catalog")
    assert [type(c) for c in h.session.calls[:2]] == [EditMessageText, SendMessage]
    assert "Choose a brand:" in h.session.of(SendMessage)[0].text
    h.clear()
    h.session.edit_error = "Bad Request: message is not modified"
    await h.press("m:catalog")
    assert not h.session.of(SendMessage)
    assert len(h.session.of(AnswerCallbackQuery)) == 1
