"""`SupplierPort`: what the bot's services use of a supplier, as a structural type.

Today `SupplierClient` is the only implementation; a router over several suppliers will
be another, plugged in wherever the services take a `SupplierPort`. Keep this list to
what the services call: each method added here is one every implementation must offer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from supplier.models import (
    Balance,
    LedgerEntry,
    Money,
    Order,
    Player,
    Price,
    Product,
    ProductKind,
    Stock,
)

__all__ = ["SupplierPort"]


@runtime_checkable
class SupplierPort(Protocol):
    """Catalog, stock, price, orders, balance, reconciliation and top-up validation.

    Every method raises `supplier.errors.SupplierError` subclasses on failure, with the
    meanings `SupplierClient` documents (an order's `reference` is its idempotency key).
    """

    def iter_catalog(
        self,
        region: str | None = None,
        brand: str | None = None,
        page_size: int = 100,
        *,
        kind: ProductKind | None = "code",
    ) -> AsyncIterator[Product]: ...

    async def get_stock(self, sku: str, *, deadline: float | None = None) -> Stock: ...

    async def get_price(self, sku: str, *, deadline: float | None = None) -> Price: ...

    async def get_balance(self, *, deadline: float | None = None) -> Balance: ...

    async def validate_topup(
        self, sku: str, player_id: str, *, deadline: float | None = None
    ) -> Player: ...

    async def create_order(
        self,
        sku: str,
        quantity: int,
        reference: str,
        max_unit_price: Money | None = None,
        *,
        player_id: str | None = None,
    ) -> Order: ...

    async def get_order(self, order_id: str) -> Order: ...

    async def find_order_by_reference(self, reference: str) -> Order | None: ...

    def iter_reconciliation(
        self, from_: datetime, to: datetime, *, page_size: int | None = None
    ) -> AsyncIterator[LedgerEntry]: ...

    async def close(self) -> None: ...


if TYPE_CHECKING:
    from supplier.client import SupplierClient

    def _client_is_a_port(client: SupplierClient) -> SupplierPort:
        # mypy checks this: a signature drifting between the two fails `mypy`.
        return client
