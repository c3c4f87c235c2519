"""Async client of the supplier API (docs/supplier-api.md).

One `SupplierClient` per process, shared by every handler: it owns (or borrows) one
aiohttp session. Every call raises a `supplier.errors.SupplierError` subclass on failure.
Orders carry gift-card codes, so neither orders nor response bodies are ever logged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Self, TypeVar
from urllib.parse import quote

import aiohttp

from supplier.errors import OrderNotFound, SupplierResponseError
from supplier.models import (
    Balance,
    CatalogPage,
    LedgerEntry,
    Money,
    Order,
    OrderRequest,
    Player,
    Price,
    Product,
    ProductKind,
    Reconciliation,
    Stock,
    TopupValidation,
)
from supplier.retry import RetryPolicy
from supplier.transport import ModelT, Params, Response, Transport

__all__ = ["SupplierClient"]

logger = logging.getLogger(__name__)

_PageT = TypeVar("_PageT", CatalogPage, Reconciliation)


class SupplierClient:
    """The supplier's B2B API: catalog, stock, prices, top-ups, orders, balance, ledger.

    Idempotent calls are retried on connection errors, timeouts, 429 and 5xx per `retry`
    (default: `RetryPolicy(max_retries=max_retries)`). `create_order` is safe to retry
    because the reference is the supplier's idempotency key; see its docstring.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._transport = Transport(
            base_url,
            api_key,
            session=session,
            timeout=timeout,
            retry=retry if retry is not None else RetryPolicy(max_retries=max_retries),
        )

    def __repr__(self) -> str:
        # Deliberately without the API key.
        return f"{type(self).__name__}({self._transport.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this client created it; a borrowed one stays open."""
        await self._transport.close()

    # --- catalog, stock, prices, balance ---

    async def iter_catalog(
        self,
        region: str | None = None,
        brand: str | None = None,
        page_size: int = 100,
        *,
        kind: ProductKind | None = "code",
    ) -> AsyncIterator[Product]:
        """Every product matching the filters, fetched page by page.

        `kind` defaults to gift cards only, so a caller that cannot sell top-ups (which
        need a player id) never lists them; `kind=None` lists everything. It is filtered
        here rather than by the server, so a supplier without the filter is read the same.
        """
        params = {"region": region, "brand": brand, "limit": str(page_size)}
        async for page in self._pages(CatalogPage, "/v1/catalog", params):
            for product in page.items:
                if kind is None or product.kind == kind:
                    yield product

    async def get_stock(self, sku: str, *, deadline: float | None = None) -> Stock:
        """Stock of one SKU; `deadline` bounds the whole call, retries included, in seconds."""
        return await self._get(Stock, f"/v1/stock/{_segment(sku)}", deadline=deadline)

    async def get_price(self, sku: str, *, deadline: float | None = None) -> Price:
        """Current wholesale price of one SKU; prices move, so do not keep it for long."""
        return await self._get(Price, f"/v1/prices/{_segment(sku)}", deadline=deadline)

    async def get_balance(self, *, deadline: float | None = None) -> Balance:
        return await self._get(Balance, "/v1/balance", deadline=deadline)

    # --- top-ups ---

    async def validate_topup(
        self, sku: str, player_id: str, *, deadline: float | None = None
    ) -> Player:
        """The game account a top-up SKU would credit, for the buyer to confirm.

        Raises `InvalidPlayerId` or `RegionMismatch` (both `Unprocessable`) for an id the
        supplier will not credit. Validation changes nothing, so it is retried like a GET.
        """
        payload = TopupValidation(sku=sku, player_id=player_id).model_dump(mode="json")
        response = await self._transport.request(
            "POST", "/v1/topups/validate", payload=payload, deadline=deadline
        )
        return response.parse(Player)

    # --- orders ---

    async def create_order(
        self,
        sku: str,
        quantity: int,
        reference: str,
        max_unit_price: Money | None = None,
        *,
        player_id: str | None = None,
    ) -> Order:
        """Place an order, or return the one already placed under `reference`.

        `player_id` is required for a top-up SKU (the account to credit; the completed
        order carries `topup` instead of codes) and refused for a gift-card SKU.

        Never creates two orders for one reference: every attempt sends the same body, and
        after an outcome that leaves it unknown whether the supplier acted (timeout, broken
        connection, 5xx) the order is first looked up by reference and returned if found.
        """
        body = OrderRequest(
            sku=sku,
            quantity=quantity,
            reference=reference,
            max_unit_price=max_unit_price,
            player_id=player_id,
        ).model_dump(mode="json", exclude_none=True)
        response = await self._transport.request(
            "POST", "/v1/orders", payload=body, lookup=partial(self._recover_order, reference)
        )
        return response.parse(Order)

    async def get_order(self, order_id: str) -> Order:
        return await self._get(Order, f"/v1/orders/{_segment(order_id)}")

    async def find_order_by_reference(self, reference: str) -> Order | None:
        """The order placed under `reference`, or None if the supplier has none."""
        try:
            return await self._get(Order, "/v1/orders", {"reference": reference})
        except OrderNotFound:
            return None

    async def _recover_order(self, reference: str) -> Response | None:
        # One GET: create_order's loop (Transport.request) decides when, and how often.
        try:
            response = await self._transport.send(
                "GET", "/v1/orders", params={"reference": reference}
            )
        except OrderNotFound:
            return None
        logger.info("Recovered supplier order for reference %s", reference)
        return response

    # --- reconciliation ---

    async def iter_reconciliation(
        self, from_: datetime, to: datetime, *, page_size: int | None = None
    ) -> AsyncIterator[LedgerEntry]:
        """Ledger entries in `[from_, to)`, page by page."""
        params = _period(from_, to, page_size)
        async for page in self._pages(Reconciliation, "/v1/reconciliation", params):
            for entry in page.entries:
                yield entry

    async def get_reconciliation(
        self, from_: datetime, to: datetime, *, page_size: int | None = None
    ) -> Reconciliation:
        """The whole ledger of the period in one object: opening, closing and every entry."""
        params = _period(from_, to, page_size)
        pages = [page async for page in self._pages(Reconciliation, "/v1/reconciliation", params)]
        entries = [entry for page in pages for entry in page.entries]
        return pages[0].model_copy(
            update={
                "entries": entries,
                "closing_balance": pages[-1].closing_balance,
                "next_cursor": None,
            }
        )

    async def reconciliation_csv(
        self, from_: datetime, to: datetime, *, page_size: int | None = None
    ) -> str:
        """The same ledger as one CSV document, pages joined under a single header row."""
        params: dict[str, str | None] = {**_period(from_, to, page_size), "format": "csv"}
        header, rows = "", []
        while True:
            response = await self._transport.request("GET", "/v1/reconciliation", params=params)
            try:
                text = response.body.decode("utf-8")
            except UnicodeDecodeError:
                raise SupplierResponseError("reconciliation CSV is not UTF-8") from None
            line, _, body = text.partition("\n")
            if header and line != header:
                raise SupplierResponseError("reconciliation CSV pages differ in columns")
            header = line
            rows.append(body)
            # The CSV form carries its cursor in a header, as the body has no room for it.
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                return f"{header}\n" + "".join(rows)
            if cursor == params.get("cursor"):
                raise SupplierResponseError("/v1/reconciliation: the cursor does not advance")
            params["cursor"] = cursor

    async def _pages(self, model: type[_PageT], path: str, params: Params) -> AsyncIterator[_PageT]:
        cursor: str | None = None
        while True:
            page = await self._get(model, path, {**params, "cursor": cursor})
            yield page
            if not page.next_cursor:
                return
            if page.next_cursor == cursor:
                raise SupplierResponseError(f"{path}: the cursor does not advance")
            cursor = page.next_cursor

    async def _get(
        self,
        model: type[ModelT],
        path: str,
        params: Params | None = None,
        *,
        deadline: float | None = None,
    ) -> ModelT:
        response = await self._transport.request("GET", path, params=params, deadline=deadline)
        return response.parse(model)


def _segment(value: str) -> str:
    """A path segment that cannot climb out of its path (`../balance`)."""
    if value in {"", ".", ".."}:
        raise ValueError(f"{value!r} is not a valid SKU or order id")
    return quote(value, safe="")


def _period(from_: datetime, to: datetime, page_size: int | None) -> dict[str, str | None]:
    if from_.tzinfo is None or to.tzinfo is None:
        raise ValueError("reconciliation bounds must be timezone-aware")
    return {
        "from": from_.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "to": to.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "format": "json",
        "limit": None if page_size is None else str(page_size),
    }
