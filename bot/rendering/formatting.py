"""Small localised pieces shared by every screen: prices, region locks, stock, statuses."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision

from bot.i18n import translator
from bot.services.catalog import StockInfo
from bot.services.pricing import STARS
from bot.services.regions import EU, GLOBAL, flag
from storage.models import OrderStatus


def format_stars(amount: int) -> str:
    """⭐ 1 234: grouped by spaces in every locale, as Telegram shows Stars."""
    return "⭐ " + f"{amount:,}".replace(",", " ")


@lru_cache(maxsize=4096)
def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """An amount in minor units as the customer's locale writes it ($20.00, 20,00 $).
    Kept: Babel parses the locale's pattern on every call (~0.1 ms), and a catalog screen
    formats the same few face values for every shopper."""
    if currency == STARS:
        return format_stars(amount_minor)
    digits = get_currency_precision(currency)
    return format_currency(Decimal(amount_minor).scaleb(-digits), currency, locale=locale)


def region_lock_line(region: str, locale: str) -> str:
    _ = translator(locale).gettext
    if region == GLOBAL:
        return "🌐 " + _("Works in any region")
    if region == EU:
        return "🇪🇺 " + _("Works on accounts in EU countries")
    return flag(region) + " " + _("Works only on {region} accounts").format(region=region)


def stock_line(stock: StockInfo, locale: str) -> str:
    t = translator(locale)
    if stock.status == "in_stock":
        return "✅ " + t.gettext("In stock")
    if stock.status == "low":
        if stock.available is None:
            return "⚠️ " + t.gettext("Only a few left")
        return "⚠️ " + t.ngettext("Only {n} left", "Only {n} left", stock.available).format(
            n=stock.available
        )
    if stock.status == "out_of_stock":
        return "❌ " + t.gettext("Out of stock")
    return "❔ " + t.gettext("Stock unknown right now")


def status_label(status: OrderStatus, locale: str) -> str:
    _ = translator(locale).gettext
    labels = {
        OrderStatus.QUOTED: "🧾 " + _("Awaiting payment"),
        OrderStatus.EXPIRED: "⌛ " + _("Quote expired"),
        OrderStatus.PAID: "💳 " + _("Paid"),
        OrderStatus.ORDERING: "⏳ " + _("Preparing codes"),
        OrderStatus.PENDING: "⏳ " + _("Waiting for the supplier"),
        OrderStatus.DELIVERED: "✅ " + _("Delivered"),
        OrderStatus.PARTIAL: "🟡 " + _("Partly delivered"),
        OrderStatus.FAILED: "⚠️ " + _("Failed, refund under way"),
        OrderStatus.REFUNDED: "↩️ " + _("Refunded"),
        OrderStatus.REFUND_DUE: "↩️ " + _("Refund by support"),
        OrderStatus.VOIDED: "❌ " + _("Revoked by the supplier, refund under way"),
        OrderStatus.NEEDS_ATTENTION: "🛟 " + _("Being handled by support"),
    }
    return labels[status]
