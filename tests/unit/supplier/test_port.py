"""SupplierPort: the client plugs in; an implementation missing a method does not.

The signatures themselves are checked by mypy (supplier/port.py); this checks the names
at run time, as a router would be checked when plugged in.
"""

from __future__ import annotations

from supplier.client import SupplierClient
from supplier.port import SupplierPort


async def test_the_client_is_a_supplier_port() -> None:
    async with SupplierClient("http://127.0.0.1:9", "key") as client:
        assert isinstance(client, SupplierPort)


def test_an_implementation_without_top_ups_is_not_a_port() -> None:
    class CardsOnly:
        """Everything but validate_topup."""

        async def get_stock(self, sku: str) -> None: ...
        async def get_price(self, sku: str) -> None: ...
        async def get_balance(self) -> None: ...
        async def create_order(self) -> None: ...
        async def get_order(self, order_id: str) -> None: ...
        async def find_order_by_reference(self, reference: str) -> None: ...
        async def close(self) -> None: ...
        def iter_catalog(self) -> None: ...
        def iter_reconciliation(self) -> None: ...

    assert not isinstance(CardsOnly(), SupplierPort)
    CardsOnly.validate_topup = CardsOnly.get_stock  # type: ignore[attr-defined]  # grown later on purpose
    assert isinstance(CardsOnly(), SupplierPort)  # the same class, now complete
