from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.clock import from_db, from_db_optional, to_db
from storage.errors import NotFound
from storage.models import Product
from storage.repositories._base import Repository


@dataclass(frozen=True, slots=True)
class ProductData:
    """A product as the supplier's catalog describes it."""

    sku: str
    brand: str
    name: str
    region: str
    face_value: int
    face_currency: str
    redemption_instructions: str
    redemption_url: str | None
    max_quantity: int
    active: bool
    supplier_updated_at: datetime | None
    kind: str = "code"


def _product(row: aiosqlite.Row) -> Product:
    return Product(
        sku=row["sku"],
        brand=row["brand"],
        name=row["name"],
        region=row["region"],
        face_value=row["face_value"],
        face_currency=row["face_currency"],
        redemption_instructions=row["redemption_instructions"],
        redemption_url=row["redemption_url"],
        max_quantity=row["max_quantity"],
        active=bool(row["active"]),
        supplier_updated_at=from_db_optional(row["supplier_updated_at"]),
        synced_at=from_db(row["synced_at"]),
        kind=row["kind"],
    )


class ProductRepository(Repository):
    async def upsert_product(self, data: ProductData, now: datetime) -> None:
        updated = to_db(data.supplier_updated_at) if data.supplier_updated_at else None
        await self._conn.execute(
            """INSERT INTO products (sku, brand, name, region, face_value, face_currency,
                   redemption_instructions, redemption_url, max_quantity, active,
                   supplier_updated_at, synced_at, kind)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (sku) DO UPDATE SET brand = excluded.brand, name = excluded.name,
                   region = excluded.region, face_value = excluded.face_value,
                   face_currency = excluded.face_currency,
                   redemption_instructions = excluded.redemption_instructions,
                   redemption_url = excluded.redemption_url,
                   max_quantity = excluded.max_quantity, active = excluded.active,
                   supplier_updated_at = excluded.supplier_updated_at,
                   synced_at = excluded.synced_at, kind = excluded.kind""",
            (
                data.sku,
                data.brand,
                data.name,
                data.region,
                data.face_value,
                data.face_currency,
                data.redemption_instructions,
                data.redemption_url,
                data.max_quantity,
                int(data.active),
                updated,
                to_db(now),
                data.kind,
            ),
        )

    async def deactivate_missing(self, seen_skus: Iterable[str]) -> int:
        """Products the supplier no longer lists go inactive, never away: orders refer to them."""
        seen = list(seen_skus)
        keep = f"AND sku NOT IN ({','.join('?' * len(seen))})" if seen else ""
        cursor = await self._conn.execute(
            f"UPDATE products SET active = 0 WHERE active = 1 {keep}",  # noqa: S608
            seen,
        )
        return cursor.rowcount

    async def find_product(self, sku: str) -> Product | None:
        cursor = await self._conn.execute("SELECT * FROM products WHERE sku = ?", (sku,))
        row = await cursor.fetchone()
        return _product(row) if row else None

    async def get_product(self, sku: str) -> Product:
        product = await self.find_product(sku)
        if product is None:
            raise NotFound(f"product {sku}")
        return product

    async def list_regions(self) -> list[str]:
        cursor = await self._conn.execute(
            "SELECT DISTINCT region FROM products WHERE active = 1 ORDER BY region"
        )
        return [row[0] for row in await cursor.fetchall()]

    async def list_brands(self, regions: Iterable[str]) -> list[str]:
        wanted = list(regions)
        placeholders = ",".join("?" * len(wanted)) or "NULL"
        cursor = await self._conn.execute(
            f"""SELECT DISTINCT brand FROM products
                WHERE active = 1 AND region IN ({placeholders}) ORDER BY brand""",  # noqa: S608
            wanted,
        )
        return [row[0] for row in await cursor.fetchall()]

    async def list_products(self, regions: Iterable[str], brand: str) -> list[Product]:
        wanted = list(regions)
        placeholders = ",".join("?" * len(wanted)) or "NULL"
        cursor = await self._conn.execute(
            f"""SELECT * FROM products
                WHERE active = 1 AND brand = ? AND region IN ({placeholders})
                ORDER BY region, face_currency, face_value""",  # noqa: S608
            [brand, *wanted],
        )
        return [_product(row) for row in await cursor.fetchall()]

    async def list_all(self) -> list[Product]:
        cursor = await self._conn.execute("SELECT * FROM products ORDER BY sku")
        return [_product(row) for row in await cursor.fetchall()]

    async def search(self, text: str) -> list[Product]:
        """Products on sale whose SKU, name, brand or region contains `text` (any case)."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cursor = await self._conn.execute(
            """SELECT * FROM products WHERE active = 1
                 AND (sku LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\'
                      OR brand LIKE ?1 ESCAPE '\\' OR region LIKE ?1 ESCAPE '\\')
               ORDER BY sku""",
            (pattern,),
        )
        return [_product(row) for row in await cursor.fetchall()]
