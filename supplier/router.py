"""Several suppliers as one `SupplierPort`: one catalog, stock summed, the best price.

Each member is one supplier's client with its config (name, priority, `sku_map`) and a
circuit breaker. The shop speaks only its own SKUs; the router translates at the edge.
Placing an order with failover is `bot.services.placement`'s job: it asks `offers` for the
ranking and calls one member at a time, storing every attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import SecretStr

from supplier.errors import OrderNotFound, SkuNotFound, SupplierError, SupplierStatusError
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
from supplier.port import SupplierPort
from supplier.routing import BreakerChange, CircuitBreaker, Offer, rank
from supplier.settings import DEFAULT_SUPPLIER, SupplierConfig

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_STATUS_RANK = {"out_of_stock": 0, "low": 1, "in_stock": 2}


@dataclass
class Member:
    config: SupplierConfig
    client: SupplierPort
    position: int
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    # Ours -> theirs, the inverse of the config's sku_map (which is one-to-one).
    _theirs: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._theirs = {ours: theirs for theirs, ours in self.config.sku_map.items()}

    @property
    def name(self) -> str:
        return self.config.name

    def their_sku(self, ours: str) -> str:
        return self._theirs.get(ours, ours)

    def our_sku(self, theirs: str) -> str:
        return self.config.our_sku(theirs)


class UnknownSupplier(LookupError):
    """An order names a supplier that is no longer configured."""


class SupplierRouter:
    """The suppliers, in priority then file order."""

    def __init__(self, members: Sequence[tuple[SupplierConfig, SupplierPort]]) -> None:
        if not members:
            raise ValueError("a router needs at least one supplier")
        ordered = sorted(enumerate(members), key=lambda item: (item[1][0].priority, item[0]))
        self.members = [Member(config, client, position) for position, (config, client) in ordered]
        self._by_name = {m.name: m for m in self.members}
        # One supplier: every read goes straight to it, as before there were several.
        self._only = self.members[0] if len(self.members) == 1 else None
        # Breaker changes not yet reported: the caller that can alert drains them.
        self._changes: list[tuple[str, BreakerChange]] = []

    @classmethod
    def single(cls, client: SupplierPort, name: str = DEFAULT_SUPPLIER) -> SupplierRouter:
        """One supplier, as before SUPPLIERS_FILE (tests, and the single SUPPLIER_* settings)."""
        config = SupplierConfig(
            name=name, url=None, api_key=SecretStr("-"), webhook_secrets=[], priority=0
        )
        return cls([(config, client)])

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def member(self, name: str) -> Member:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownSupplier(f"no supplier named {name!r} is configured") from None

    # --- routing ---

    def record(self, member: Member, *, success: bool, now: datetime) -> None:
        """One call's outcome for the member's breaker."""
        change = member.breaker.success() if success else member.breaker.failure(now)
        if change is not None:
            log.warning("supplier %s circuit %s", member.name, change.value)
            self._changes.append((member.name, change))

    def drain_changes(self) -> list[tuple[str, BreakerChange]]:
        changes, self._changes = self._changes, []
        return changes

    async def offers(
        self, sku: str, *, now: datetime, deadline: float | None = None
    ) -> list[Offer]:
        """Every supplier's stock and price of `sku`, asked at once; a supplier whose
        breaker is open is not asked (it has no offer)."""
        return list(
            await asyncio.gather(*(self._offer(m, sku, now, deadline) for m in self.members))
        )

    async def _offer(
        self, member: Member, sku: str, now: datetime, deadline: float | None
    ) -> Offer:
        theirs = member.their_sku(sku)
        if not member.breaker.allows(now):
            return Offer(member.name, member.config.priority, member.position, in_stock=False)
        try:
            stock, price = await asyncio.gather(
                member.client.get_stock(theirs, deadline=deadline),
                member.client.get_price(theirs, deadline=deadline),
            )
        except SkuNotFound:
            return Offer(
                member.name, member.config.priority, member.position, in_stock=False, price=0
            )
        except SupplierError as exc:
            log.info("supplier %s gave no offer for %s: %s", member.name, sku, type(exc).__name__)
            if not isinstance(exc, SupplierStatusError) or exc.retryable:
                self.record(member, success=False, now=now)
            return Offer(member.name, member.config.priority, member.position, in_stock=False)
        self.record(member, success=True, now=now)
        return Offer(
            member.name,
            member.config.priority,
            member.position,
            in_stock=stock.status != "out_of_stock",
            price=price.unit_price.amount,
            currency=price.unit_price.currency,
        )

    async def ranked(
        self,
        sku: str,
        *,
        now: datetime,
        ceiling: int | None = None,
        currency: str | None = None,
    ) -> list[str]:
        if len(self.members) == 1:
            return self.names  # nothing to choose between: no calls spent on offers
        return rank(await self.offers(sku, now=now), ceiling=ceiling, currency=currency)

    # --- SupplierPort ---

    async def iter_catalog(
        self,
        region: str | None = None,
        brand: str | None = None,
        page_size: int = 100,
        *,
        kind: ProductKind | None = "code",
    ) -> AsyncIterator[Product]:
        """One product per SKU of ours; available if any supplier has it. A supplier that
        fails fails the whole read: a partial catalog would retire the others' products."""
        merged: dict[str, Product] = {}
        for member in self.members:
            async for product in member.client.iter_catalog(region, brand, page_size, kind=kind):
                ours = product.model_copy(update={"sku": member.our_sku(product.sku)})
                seen = merged.get(ours.sku)
                if seen is None:
                    merged[ours.sku] = ours
                elif ours.available and not seen.available:
                    merged[ours.sku] = seen.model_copy(update={"available": True})
        for product in merged.values():
            yield product

    def _live(self) -> list[Member]:
        """Members whose breaker lets calls through (all, if none does: better a slow
        answer than none)."""
        now = datetime.now(UTC)
        return [m for m in self.members if m.breaker.allows(now)] or self.members

    async def _ask(self, member: Member, call: Awaitable[_T]) -> _T | SupplierError:
        """One read of one member, its outcome told to the member's breaker; an error is
        returned, not raised, so one supplier down does not fail the others' answer."""
        try:
            answer = await call
        except SupplierError as exc:
            if not isinstance(exc, SupplierStatusError) or exc.retryable:
                self.record(member, success=False, now=datetime.now(UTC))
            return exc
        self.record(member, success=True, now=datetime.now(UTC))
        return answer

    async def get_stock(self, sku: str, *, deadline: float | None = None) -> Stock:
        """The union: units summed (unknown if any supplier does not count), the best status."""
        if self._only is not None:  # one supplier: its answer, no extra call
            return await self._only.client.get_stock(self._only.their_sku(sku), deadline=deadline)
        answers = await asyncio.gather(
            *(
                self._ask(m, m.client.get_stock(m.their_sku(sku), deadline=deadline))
                for m in self._live()
            )
        )
        stocks = [a for a in answers if isinstance(a, Stock)]
        if not stocks:
            raise _first_error(answers)
        best = max(stocks, key=lambda s: _STATUS_RANK[s.status])
        in_stock = [s for s in stocks if s.status != "out_of_stock"]
        counts = [s.available for s in in_stock]
        available = None if any(c is None for c in counts) else sum(c or 0 for c in counts)
        if not in_stock:
            available = 0 if all(s.available is not None for s in stocks) else None
        return best.model_copy(update={"sku": sku, "available": available})

    async def get_price(self, sku: str, *, deadline: float | None = None) -> Price:
        """The best offer among in-stock suppliers (ties by priority); with none in stock,
        the best offer of all, so a quote still shows a price."""
        if self._only is not None:
            return await self._only.client.get_price(self._only.their_sku(sku), deadline=deadline)
        members = self._live()
        answers: list[Price | Stock | SupplierError] = await asyncio.gather(
            *(
                self._ask(m, m.client.get_price(m.their_sku(sku), deadline=deadline))
                for m in members
            ),
            *(
                self._ask(m, m.client.get_stock(m.their_sku(sku), deadline=deadline))
                for m in members
            ),
        )
        prices, stocks = answers[: len(members)], answers[len(members) :]
        offers: list[tuple[bool, int, int, Price]] = []
        for member, price, stock in zip(members, prices, stocks, strict=True):
            if isinstance(price, Price):
                in_stock = isinstance(stock, Stock) and stock.status != "out_of_stock"
                offers.append((not in_stock, price.unit_price.amount, member.position, price))
        if not offers:
            raise _first_error(prices)
        # Members are in priority order, so min() keeps the higher priority on a tie.
        best = min(offers, key=lambda o: (o[0], o[1]))
        return best[3].model_copy(update={"sku": sku})

    async def get_balance(self, *, deadline: float | None = None) -> Balance:
        """The largest balance of the suppliers that answer, in the first one's currency:
        an order goes to one supplier, so what one can spend is the question (per-supplier
        balances: `balances`)."""
        if self._only is not None:
            return await self._only.client.get_balance(deadline=deadline)
        answers = await asyncio.gather(
            *(self._ask(m, m.client.get_balance(deadline=deadline)) for m in self._live())
        )
        balances = [a for a in answers if isinstance(a, Balance)]
        if not balances:
            raise _first_error(answers)
        currency = balances[0].available.currency
        same = [b for b in balances if b.available.currency == currency]
        return max(same, key=lambda b: b.available.amount)

    async def balances(self) -> dict[str, Balance | SupplierError]:
        answers = await asyncio.gather(
            *(m.client.get_balance() for m in self.members), return_exceptions=True
        )
        out: dict[str, Balance | SupplierError] = {}
        for member, answer in zip(self.members, answers, strict=True):
            if isinstance(answer, Balance | SupplierError):
                out[member.name] = answer
            elif isinstance(answer, BaseException):
                raise answer
        return out

    async def validate_topup(
        self, sku: str, player_id: str, *, deadline: float | None = None
    ) -> Player:
        """Asked of the first supplier that has the product."""
        error: SupplierError | None = None
        for member in self.members:
            try:
                return await member.client.validate_topup(
                    member.their_sku(sku), player_id, deadline=deadline
                )
            except SkuNotFound as exc:
                error = exc
        assert error is not None
        raise error

    async def create_order(
        self,
        sku: str,
        quantity: int,
        reference: str,
        max_unit_price: Money | None = None,
        *,
        player_id: str | None = None,
    ) -> Order:
        """To the best-ranked supplier, without failover (placement does failover)."""
        ceiling = max_unit_price.amount if max_unit_price else None
        currency = max_unit_price.currency if max_unit_price else None
        names = await self.ranked(sku, now=datetime.now(UTC), ceiling=ceiling, currency=currency)
        member = self.member(names[0] if names else self.members[0].name)
        return await member.client.create_order(
            member.their_sku(sku), quantity, reference, max_unit_price, player_id=player_id
        )

    async def get_order(self, order_id: str) -> Order:
        for member in self.members:
            try:
                return await member.client.get_order(order_id)
            except OrderNotFound:
                continue
        raise OrderNotFound(404, "order_not_found", f"no supplier has order {order_id}")

    async def find_order_by_reference(self, reference: str) -> Order | None:
        for member in self.members:
            found = await member.client.find_order_by_reference(reference)
            if found is not None:
                return found
        return None

    async def iter_reconciliation(
        self, from_: datetime, to: datetime, *, page_size: int | None = None
    ) -> AsyncIterator[LedgerEntry]:
        for member in self.members:
            async for entry in member.client.iter_reconciliation(from_, to, page_size=page_size):
                yield entry

    async def close(self) -> None:
        await asyncio.gather(*(m.client.close() for m in self.members), return_exceptions=True)


def _first_error(answers: Sequence[object]) -> BaseException:
    for answer in answers:
        if isinstance(answer, BaseException):
            return answer
    return SupplierError("no supplier answered")
