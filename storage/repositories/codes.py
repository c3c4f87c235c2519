from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

import aiosqlite

from storage.cipher import CodeCipher
from storage.clock import to_db
from storage.models import Code
from storage.repositories._base import Repository, unique_violation_as


class CodeRepository(Repository):
    """Codes go in sealed and come out only for their own order."""

    def __init__(self, conn: aiosqlite.Connection, cipher: CodeCipher) -> None:
        super().__init__(conn)
        self._cipher = cipher

    async def add_codes(self, order_id: str, codes: Sequence[Code], now: datetime) -> None:
        rows = [
            (
                order_id,
                position,
                self._cipher.seal(json.dumps(asdict(code)).encode(), order_id=order_id),
                to_db(now),
                # Keyed, never the code: a later import of it is refused as already sold.
                self._cipher.fingerprint(code.code),
            )
            for position, code in enumerate(codes)
        ]
        with unique_violation_as(f"codes of order {order_id}"):
            await self._conn.executemany(
                """INSERT INTO order_codes (order_id, position, sealed, created_at, fingerprint)
                   VALUES (?, ?, ?, ?, ?)""",
                rows,
            )

    async def list_codes(self, order_id: str) -> list[Code]:
        cursor = await self._conn.execute(
            "SELECT sealed FROM order_codes WHERE order_id = ? ORDER BY position", (order_id,)
        )
        return [
            Code(**json.loads(self._cipher.open(row[0], order_id=order_id)))
            for row in await cursor.fetchall()
        ]

    async def count_codes(self, order_id: str) -> int:
        cursor = await self._conn.execute(
            "SELECT count(*) FROM order_codes WHERE order_id = ?", (order_id,)
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0
