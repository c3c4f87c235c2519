"""Gift-card codes that look like each brand's and never repeat."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from sandbox.supplier.catalog import Brand
from supplier.models import Code

# Pattern letters: A = upper-case letter or digit without look-alikes, B = the Xbox
# alphabet (no vowels), 9 = digit; anything else is literal.
_ALPHABETS: Final[dict[str, str]] = {
    "A": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789",
    "B": "BCDFGHJKMPQRTVWXY2346789",
    "9": "0123456789",
}


class CodeGenerator:
    """Draws codes from the brand's pattern, retrying on the (rare) repeat."""

    def __init__(self, seed: int | None, issued: Iterable[str] = ()) -> None:
        self._rng: random.Random = (
            random.Random(seed) if seed is not None else secrets.SystemRandom()
        )
        self._issued: set[str] = set(issued)

    @property
    def issued(self) -> frozenset[str]:
        return frozenset(self._issued)

    def _draw(self, pattern: str) -> str:
        return "".join(
            self._rng.choice(_ALPHABETS[ch]) if ch in _ALPHABETS else ch for ch in pattern
        )

    def _unique(self, pattern: str) -> str:
        while True:
            code = self._draw(pattern)
            if code not in self._issued:
                self._issued.add(code)
                return code

    def issue(self, brand: Brand, now: datetime) -> Code:
        return Code(
            code=self._unique(brand.code_format),
            pin=self._draw(brand.pin_format) if brand.pin_format else None,
            serial=self._unique(brand.serial_format) if brand.serial_format else None,
            redemption_url=brand.redemption_url,
            expires_at=now + timedelta(days=brand.expires_days) if brand.expires_days else None,
        )
