"""HELD_STOCK_ALERT: per-SKU thresholds of pre-purchased codes (kept light: settings import it)."""

from __future__ import annotations

import re

EVERY_SKU = "*"  # the threshold of SKUs not named
_ENTRY = re.compile(r"^(?:(?P<sku>[A-Za-z0-9._-]{1,64})\s*=\s*)?(?P<n>\d{1,6})$")


def parse_held_alert(text: str) -> dict[str, int]:
    """'5' (every SKU with held codes), 'steam-us-20=10,psn-de-25=3', or both ('5,sku=10').
    Empty: off."""
    thresholds: dict[str, int] = {}
    for part in (entry.strip() for entry in text.split(",")):
        if not part:
            continue
        match = _ENTRY.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not N or SKU=N (e.g. 5,steam-us-20=10)")
        sku = match["sku"] or EVERY_SKU
        if sku in thresholds:
            raise ValueError(f"{'the default' if sku == EVERY_SKU else sku} is given twice")
        thresholds[sku] = int(match["n"])
    return thresholds
