"""Supplier metrics without teaching supplier/ about them: an aiohttp TraceConfig on the
session the client borrows (latency and errors of every request, retries included), and a
client subclass that records the balance whenever it is read."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import aiohttp
from yarl import URL

from bot.metrics import Metrics
from supplier.client import SupplierClient
from supplier.models import Balance
from supplier.settings import DEFAULT_SUPPLIER

# "/v1/stock/steam-us-20" -> "/v1/stock": SKUs and order ids would explode the label set.
_ENDPOINT = re.compile(r"^(/v\d+/[a-z_-]+)")
MINOR_UNIT_DIGITS = 2  # the supplier's account currencies (USD, EUR) have cents


def endpoint_of(url: URL) -> str:
    match = _ENDPOINT.match(url.path)
    return match[1] if match else "other"


def supplier_trace(metrics: Metrics, supplier: str = DEFAULT_SUPPLIER) -> aiohttp.TraceConfig:
    """Latency and errors of every request, labelled with the supplier's name."""
    trace = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        ctx.started = time.monotonic()

    async def on_end(
        session: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        endpoint = endpoint_of(params.url)
        _observe(metrics, ctx, supplier, params.method, endpoint)
        if params.response.status >= 400:
            metrics.supplier_errors.labels(supplier, endpoint, str(params.response.status)).inc()

    async def on_exception(
        session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        endpoint = endpoint_of(params.url)
        _observe(metrics, ctx, supplier, params.method, endpoint)
        code = "timeout" if isinstance(params.exception, TimeoutError) else "connection"
        metrics.supplier_errors.labels(supplier, endpoint, code).inc()

    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_exception)
    return trace


def _observe(
    metrics: Metrics, ctx: SimpleNamespace, supplier: str, method: str, endpoint: str
) -> None:
    started = getattr(ctx, "started", None)
    if started is not None:
        metrics.supplier_request_seconds.labels(supplier, method, endpoint).observe(
            time.monotonic() - started
        )


class MeteredSupplierClient(SupplierClient):
    """The supplier client, on a traced session of its own, recording every balance read."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        metrics: Metrics,
        *,
        traces: Sequence[aiohttp.TraceConfig] = (),
        supplier: str = DEFAULT_SUPPLIER,
        **kwargs: Any,
    ) -> None:
        """`traces`: more observers of the same requests (the operations alerts count
        supplier errors)."""
        self._metered_session = aiohttp.ClientSession(
            trace_configs=[supplier_trace(metrics, supplier), *traces]
        )
        super().__init__(base_url, api_key, session=self._metered_session, **kwargs)
        self._metrics = metrics
        self._supplier = supplier

    async def get_balance(self, *, deadline: float | None = None) -> Balance:
        balance = await super().get_balance(deadline=deadline)
        available = balance.available
        self._metrics.supplier_balance.labels(self._supplier, available.currency).set(
            available.amount / 10**MINOR_UNIT_DIGITS
        )
        self._metrics.supplier_balance_read.labels(self._supplier).set_to_current_time()
        return balance

    async def close(self) -> None:
        await super().close()
        await self._metered_session.close()
