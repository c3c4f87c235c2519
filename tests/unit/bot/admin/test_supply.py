"""/balance, /stock and /sync as an admin."""

from __future__ import annotations

from decimal import Decimal

from bot.keyboards.admin import AdminStockPage
from bot.services.admin_supply import BalanceReport
from storage.models import OrderStatus
from supplier import models as wire
from tests.unit.bot.admin.console import ADMIN, Console
from tests.unit.bot.harness import NOW, product_data


def report(available: int, spend: int, threshold: int = 10_000) -> BalanceReport:
    return BalanceReport(available, 0, "USD", threshold, spend, NOW)


def test_days_of_cover_is_the_balance_over_a_days_spend() -> None:
    assert report(70_000, 7_000).days_of_cover == 70  # 1 000 a day
    assert report(1_000, 7_000).days_of_cover == 1
    assert report(1_000, 0).days_of_cover is None
    assert report(9_999, 0).below_threshold and not report(10_000, 0).below_threshold


async def test_balance_shows_the_suppliers_figures_threshold_and_cover(console: Console) -> None:
    console.scripted.available = 123_456
    order = await console.order(OrderStatus.DELIVERED)  # 1 unit at $19.00 wholesale
    assert order.paid_at is not None
    await console.send("/balance", user_id=ADMIN)
    text = console.texts()[-1]
    assert "Available: <b>$1,234.56</b>" in text
    assert "Reserved: $10.00" in text
    assert "(LOW_BALANCE_ALERT): $100.00 — 🟢 above" in text
    assert "Wholesale spend, last 7 days: $19.00" in text
    assert "Cover: 454.8 days" in text  # 123 456 / (1 900 / 7)


async def test_cover_counts_only_what_the_supplier_kept(console: Console) -> None:
    supply = console.dp["supply"]
    await console.order(OrderStatus.DELIVERED, order_id="GBA")
    await console.order(OrderStatus.FAILED, order_id="GBB")  # nothing issued
    result = await supply.balance()
    assert result.spend_7d == 1900
    assert result.days_of_cover == Decimal("184.2")  # 50 000 / (1 900 / 7)


async def test_balance_below_threshold_is_flagged(console: Console) -> None:
    console.scripted.available = 9_999
    await console.send("/balance", user_id=ADMIN)
    assert "🔴 below the alert threshold" in console.texts()[-1]


async def test_stock_lists_out_of_stock_and_low_first_and_filters(console: Console) -> None:
    await console.add_products(
        *(product_data(f"steam-us-{n}", face=n * 100) for n in (10, 30, 40, 60, 70, 80, 90)),
        *(product_data(f"xbox-us-{n}", brand="Xbox", face=n * 100) for n in range(10, 15)),
    )
    console.scripted.stock = {"steam-us-90": ("out_of_stock", 0), "steam-us-40": ("low", 3)}
    await console.send("/stock steam", user_id=ADMIN)
    text, _ = console.last_screen()
    lines = text.splitlines()
    assert "steam-us-90" in lines[1] and "out of stock, 0 available" in lines[1]
    assert "steam-us-40" in lines[2] and "low, 3 available" in lines[2]
    assert "xbox" not in text and "page 1/1" in text
    console.clear()
    await console.send("/stock", user_id=ADMIN)  # 14 products: two pages of 10
    assert "page 1/2" in console.last_screen()[0]
    assert list(console.buttons().values()) == [AdminStockPage(page=1, query="").pack()]
    await console.press(AdminStockPage(page=1, query="").pack(), user_id=ADMIN)
    page_two = console.last_screen()[0]
    assert "page 2/2" in page_two and page_two.count("<code>") == 4


async def test_stock_with_no_match_says_so(console: Console) -> None:
    await console.send("/stock nothing-like-this", user_id=ADMIN)
    assert "No product on sale matches." in console.texts()[-1]


def wire_product(sku: str, name: str) -> wire.Product:
    return wire.Product(
        sku=sku,
        name=name,
        brand="Steam",
        region="US",
        face_value=wire.Money(amount=2000, currency="USD"),
        redemption_instructions="Open the store, choose Redeem & enter the code.",
        redemption_url=None,
        max_quantity=5,
        available=True,
        updated_at=NOW,
    )


async def test_sync_reports_added_changed_and_deactivated(console: Console) -> None:
    console.scripted.catalog = [
        wire_product("steam-us-20", "Steam Gift Card 20 US"),  # unchanged
        wire_product("steam-us-25", "Steam Gift Card 25 US"),  # new
    ]
    await console.send("/sync", user_id=ADMIN)
    text = console.texts()[-1]
    # psn-de-25 vanished from the supplier's list; steam-us-20's name was the same.
    assert "2 products listed" in text
    assert "Added: 1 · changed: 0 · deactivated: 1" in text
    console.scripted.catalog[0] = wire_product("steam-us-20", "Steam Card $20")
    await console.send("/sync", user_id=ADMIN)
    assert "Added: 0 · changed: 1 · deactivated: 0" in console.texts()[-1]
