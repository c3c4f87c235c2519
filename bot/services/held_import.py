"""Importing pre-purchased codes, shared by `giftbot stock import` and the admins' /import.

All or nothing for the file (an unknown SKU, a bad CSV, an expired row: nothing is
imported); a duplicate (a code repeated in the file, or already held or sold) is refused
on its own and reported by row number while the rest go in, in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from bot.services.held_csv import HeldCsvError, parse_held_csv
from storage.cipher import CodeCipher
from storage.clock import to_db, utcnow
from storage.database import Database
from storage.repositories import HeldCodeRepository, ProductRepository
from storage.repositories.held_codes import NewHeldCode

log = logging.getLogger(__name__)

COST_DECIMALS = 2  # cost is given in major units (9.50) and stored in cents


class HeldImportError(ValueError):
    """Nothing was imported; the message says why."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    sku: str
    imported: int
    held_now: int
    cost: int | None
    currency: str
    refused: list[str] = field(default_factory=list)  # "row 5 (same as row 2)"

    def summary(self) -> str:
        cost = f" at {format_cost(self.cost)} {self.currency} each" if self.cost is not None else ""
        line = f"imported {self.imported} code(s) of {self.sku}{cost}"
        if self.refused:
            line += f"; refused {len(self.refused)} duplicate(s): {', '.join(self.refused)}"
        return f"{line}; {self.held_now} held now"


def parse_cost(text: str) -> int:
    """'9.50' → 950 (cents); at most two decimals, not negative."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise HeldImportError(f"--cost {text!r} is not an amount like 9.50") from None
    cents = amount * 10**COST_DECIMALS
    if not amount.is_finite() or amount < 0 or cents != cents.to_integral_value():
        raise HeldImportError(f"--cost {text!r} must be an amount ≥ 0 with at most two decimals")
    return int(cents)


def format_cost(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def parse_currency(text: str) -> str:
    currency = text.strip().upper()
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        raise HeldImportError(f"--currency {text!r} is not a three-letter currency code")
    return currency


async def import_held_codes(
    db: Database,
    cipher: CodeCipher,
    *,
    sku: str,
    data: bytes,
    cost: int | None,
    currency: str,
    batch: str,
    now: datetime,
) -> ImportResult:
    """Import the file's codes for `sku`; HeldImportError when nothing may be imported."""
    try:
        rows = parse_held_csv(data, now)
    except HeldCsvError as exc:
        raise HeldImportError(str(exc)) from None
    fingerprints = [cipher.fingerprint(row.code.code) for row in rows]
    async with db.transaction() as conn:
        if await ProductRepository(conn).find_product(sku) is None:
            raise HeldImportError(f"unknown SKU {sku!r}: not in the catalog (run a sync first?)")
        held = HeldCodeRepository(conn, cipher)
        known = await held.known_fingerprints(fingerprints)
        first_row: dict[bytes, int] = {}
        fresh: list[NewHeldCode] = []
        refused: list[str] = []
        for row, fingerprint in zip(rows, fingerprints, strict=True):
            if fingerprint in known:
                refused.append(f"row {row.row} (already held or sold)")
            elif fingerprint in first_row:
                refused.append(f"row {row.row} (same as row {first_row[fingerprint]})")
            else:
                first_row[fingerprint] = row.row
                fresh.append(NewHeldCode(row.code, fingerprint, row.expires_at))
        if fresh:
            await held.add(sku, fresh, cost=cost, cost_currency=currency, batch=batch, now=now)
        held_now = await held.count_sellable(sku, now)
    log.info(
        "imported %d held code(s) of %s (batch %s), refused %d duplicate(s)",
        len(fresh),
        sku,
        batch,
        len(refused),
    )
    return ImportResult(sku, len(fresh), held_now, cost, currency, refused)


class HeldImporter:
    """The admins' /import: the same import as the command line, on the bot's database."""

    def __init__(
        self, db: Database, cipher: CodeCipher, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = db
        self._cipher = cipher
        self._clock = clock

    async def run(
        self, sku: str, data: bytes, *, cost: int | None, currency: str, batch: str
    ) -> ImportResult:
        now = self._clock()
        return await import_held_codes(
            self._db,
            self._cipher,
            sku=sku,
            data=data,
            cost=cost,
            currency=currency,
            batch=f"{batch}@{to_db(now)}",
            now=now,
        )
