"""Retail price from the supplier's wholesale price. Integer minor units in, out; Decimal inside."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

STARS = "XTR"
# A quote may rise this much before pre-checkout turns the payment down.
PRICE_TOLERANCE = Decimal("0.02")


class UnsupportedCurrency(Exception):
    """No conversion from the wholesale currency to the payment currency is configured."""


@dataclass(frozen=True, slots=True)
class PriceRules:
    payment_currency: str
    markup_percent: Decimal
    star_usd_rate: Decimal

    def retail_unit_price(self, wholesale_minor: int, wholesale_currency: str) -> int:
        """ceil(wholesale × (1 + markup) / rate): always rounded up, so we never sell at a loss."""
        if wholesale_currency != "USD":
            raise UnsupportedCurrency(f"wholesale prices in {wholesale_currency}")
        usd = Decimal(wholesale_minor) / 100 * (1 + self.markup_percent / 100)
        if self.payment_currency == STARS:
            amount = usd / self.star_usd_rate
        elif self.payment_currency == "USD":
            amount = usd * 100
        else:
            raise UnsupportedCurrency(f"payments in {self.payment_currency}")
        return max(1, int(amount.to_integral_value(rounding=ROUND_CEILING)))


def within_tolerance(quoted_wholesale: int, current_wholesale: int) -> bool:
    """True unless the wholesale price rose by more than PRICE_TOLERANCE since the quote."""
    return Decimal(current_wholesale) <= Decimal(quoted_wholesale) * (1 + PRICE_TOLERANCE)
