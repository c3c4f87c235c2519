"""Wholesale prices: face value minus the discount, converted to USD at drifting FX rates."""

from __future__ import annotations

import math
import random
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sandbox.supplier.catalog import CatalogItem

ACCOUNT_CURRENCY: Final = "USD"
# USD per one unit of each currency, roughly late-2026 levels.
BASE_USD_RATES: Final[dict[str, Decimal]] = {
    "USD": Decimal(1),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "TRY": Decimal("0.029"),
    "BRL": Decimal("0.18"),
    "INR": Decimal("0.012"),
}
DRIFT_AMPLITUDE: Final = 0.004  # +-0.4 %: slow enough that a quote survives minutes
DRIFT_PERIOD_SECONDS: Final = 4 * 3600
# Rates move in steps, so a price read now still holds for an order placed seconds later.
DRIFT_STEP_SECONDS: Final = 300
PRICE_DRIFT_PER_READ: Final = Decimal("1.01")  # test-price-drift: +1 % per read


class FxRates:
    """Rates that wander along a sine per currency; the phases come from the seed."""

    def __init__(self, seed: int | None) -> None:
        rng = random.Random(seed)
        self._phases = {cur: rng.uniform(0, 2 * math.pi) for cur in BASE_USD_RATES}

    def usd_per_unit(self, currency: str, at: datetime) -> Decimal:
        base = BASE_USD_RATES[currency]
        if currency == ACCOUNT_CURRENCY:
            return base
        step = at.timestamp() // DRIFT_STEP_SECONDS * DRIFT_STEP_SECONDS
        angle = 2 * math.pi * step / DRIFT_PERIOD_SECONDS + self._phases[currency]
        return base * Decimal(1 + DRIFT_AMPLITUDE * math.sin(angle))


def unit_price(
    item: CatalogItem,
    fx: FxRates,
    at: datetime,
    drift_reads: int = 0,
    factor: Decimal = Decimal(1),
) -> int:
    """The wholesale price of one unit, in USD cents, at time `at`.

    `factor` is the sandbox's price factor: it scales the whole price, so one sandbox can
    play a dearer or cheaper supplier than another.
    """
    wholesale = Decimal(item.face_amount) * (Decimal(10_000 - item.discount_bps) / 10_000)
    usd = wholesale * fx.usd_per_unit(item.currency, at) * PRICE_DRIFT_PER_READ**drift_reads
    usd *= factor
    return int(usd.quantize(Decimal(1), rounding=ROUND_HALF_UP))
