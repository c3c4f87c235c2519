"""Pre-purchased codes: imported sealed, claimed for an order exactly once.

Every method runs in the caller's transaction. `claim` is only ever called inside a write
transaction (BEGIN IMMEDIATE), so two purchases cannot pick the same rows: the second
sees the first's claim, or waits for it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import aiosqlite

from storage.cipher import CodeCipher
from storage.clock import from_db_optional, to_db
from storage.models import Code
from storage.repositories._base import Repository, unique_violation_as


@dataclass(frozen=True, slots=True)
class NewHeldCode:
    code: Code
    fingerprint: bytes
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class HeldStock:
    """One SKU's pre-purchased codes: unsold and sellable, expired unsold, and sold."""

    sku: str
    held: int
    expired: int
    sold: int


@dataclass(frozen=True, slots=True)
class HeldBatch:
    """One import's codes by cost, as the export shows them (never the codes)."""

    sku: str
    batch: str
    imported_at: datetime
    cost: int | None
    cost_currency: str
    bought: int
    sold: int
    held: int
    expired: int


# Held codes are counted up to this many for customers' stock (see count_sellable).
COUNT_CAP = 1000


def _aad(fingerprint: bytes) -> str:
    # Associated data: the sealed code belongs to this fingerprint's row only.
    return "held:" + fingerprint.hex()


class HeldStockQueries(Repository):
    """Counts and reports, which need no key."""

    async def known_fingerprints(self, fingerprints: Collection[bytes]) -> set[bytes]:
        """Those already held, or sold (from held stock or the supplier's)."""
        found: set[bytes] = set()
        chunk = list(fingerprints)
        for start in range(0, len(chunk), 400):  # SQLite's bound-parameter limit
            part = chunk[start : start + 400]
            placeholders = ",".join("?" * len(part))
            cursor = await self._conn.execute(
                f"SELECT fingerprint FROM held_codes WHERE fingerprint IN ({placeholders}) "  # noqa: S608 - placeholders only
                f"UNION SELECT fingerprint FROM order_codes WHERE fingerprint IN ({placeholders})",
                part + part,
            )
            found |= {bytes(row[0]) for row in await cursor.fetchall()}
        return found

    async def count_sellable(self, sku: str, now: datetime, *, cap: int = COUNT_CAP) -> int:
        """Unsold, unexpired codes of `sku`, counted up to `cap`: a card and a pre-checkout
        need no more, and the count stays cheap (it runs inline on the bot's loop)."""
        cursor = await self._conn.execute(
            """SELECT count(*) FROM (SELECT 1 FROM held_codes WHERE sku = ? AND order_id IS NULL
                 AND (expires_at IS NULL OR expires_at > ?) LIMIT ?)""",
            (sku, to_db(now), cap),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_sold_to(self, order_id: str) -> int:
        cursor = await self._conn.execute(
            "SELECT count(*) FROM held_codes WHERE order_id = ?", (order_id,)
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def stock(self, now: datetime) -> list[HeldStock]:
        cursor = await self._conn.execute(
            """SELECT sku,
                      count(*) FILTER (WHERE order_id IS NULL
                                       AND (expires_at IS NULL OR expires_at > ?)),
                      count(*) FILTER (WHERE order_id IS NULL AND expires_at <= ?),
                      count(order_id)
               FROM held_codes GROUP BY sku ORDER BY sku""",
            (to_db(now), to_db(now)),
        )
        return [HeldStock(r[0], int(r[1]), int(r[2]), int(r[3])) for r in await cursor.fetchall()]

    async def batches(self, now: datetime, *, imported_before: datetime) -> list[HeldBatch]:
        cursor = await self._conn.execute(
            """SELECT sku, batch, min(imported_at), cost, cost_currency, count(*),
                      count(order_id),
                      count(*) FILTER (WHERE order_id IS NULL
                                       AND (expires_at IS NULL OR expires_at > ?)),
                      count(*) FILTER (WHERE order_id IS NULL AND expires_at <= ?)
               FROM held_codes WHERE imported_at < ?
               GROUP BY sku, batch, cost, cost_currency ORDER BY min(imported_at), sku""",
            (to_db(now), to_db(now), to_db(imported_before)),
        )
        return [
            HeldBatch(
                sku=r[0],
                batch=r[1],
                imported_at=from_db_optional(r[2]) or now,
                cost=r[3],
                cost_currency=r[4],
                bought=int(r[5]),
                sold=int(r[6]),
                held=int(r[7]),
                expired=int(r[8]),
            )
            for r in await cursor.fetchall()
        ]

    async def sold_to(self, order_ids: Collection[str]) -> list[tuple[str, str, int | None, str]]:
        """(order id, sku, cost, currency) of each held code sold to these orders."""
        found: list[tuple[str, str, int | None, str]] = []
        ids = list(order_ids)
        for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            part = ids[start : start + 500]
            placeholders = ",".join("?" * len(part))
            cursor = await self._conn.execute(
                f"SELECT order_id, sku, cost, cost_currency FROM held_codes "  # noqa: S608
                f"WHERE order_id IN ({placeholders}) ORDER BY id",
                part,
            )
            found += [(r[0], r[1], r[2], r[3]) for r in await cursor.fetchall()]
        return found


class HeldCodeRepository(HeldStockQueries):
    """Codes go in sealed and come out only for the order that claims them."""

    def __init__(self, conn: aiosqlite.Connection, cipher: CodeCipher) -> None:
        super().__init__(conn)
        self._cipher = cipher

    async def add(
        self,
        sku: str,
        codes: Sequence[NewHeldCode],
        *,
        cost: int | None,
        cost_currency: str,
        batch: str,
        now: datetime,
    ) -> None:
        rows = [
            (
                sku,
                held.fingerprint,
                self._cipher.seal(
                    json.dumps(asdict(held.code)).encode(), order_id=_aad(held.fingerprint)
                ),
                cost,
                cost_currency,
                to_db(held.expires_at) if held.expires_at else None,
                batch,
                to_db(now),
            )
            for held in codes
        ]
        with unique_violation_as(f"held codes of {sku}"):
            await self._conn.executemany(
                """INSERT INTO held_codes (sku, fingerprint, sealed, cost, cost_currency,
                       expires_at, batch, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )

    async def claim(self, sku: str, quantity: int, order_id: str, now: datetime) -> list[Code]:
        """Take `quantity` sellable codes (soonest to expire first) for `order_id` and
        return them decrypted; [] and nothing taken when fewer are held."""
        # Two reads, each in the order of the index (sku, expires_at): one sort of every
        # held code of the SKU would cost milliseconds at ten thousand.
        expiring = await self._conn.execute(
            """SELECT id, fingerprint, sealed FROM held_codes
               WHERE sku = ? AND order_id IS NULL AND expires_at > ?
               ORDER BY expires_at LIMIT ?""",
            (sku, to_db(now), quantity),
        )
        rows = list(await expiring.fetchall())
        if len(rows) < quantity:
            lasting = await self._conn.execute(
                """SELECT id, fingerprint, sealed FROM held_codes
                   WHERE sku = ? AND order_id IS NULL AND expires_at IS NULL
                   ORDER BY id LIMIT ?""",
                (sku, quantity - len(rows)),
            )
            rows += await lasting.fetchall()
        if len(rows) < quantity:
            return []
        codes = [
            Code(**json.loads(self._cipher.open(bytes(sealed), order_id=_aad(bytes(fp)))))
            for _, fp, sealed in rows
        ]
        await self._conn.executemany(
            """UPDATE held_codes SET order_id = ?, sold_at = ?, sealed = NULL
               WHERE id = ? AND order_id IS NULL""",
            [(order_id, to_db(now), row_id) for row_id, _, _ in rows],
        )
        return codes
