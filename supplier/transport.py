"""HTTP exchanges with the supplier: auth, timeouts, retries and error mapping.

Bodies are never logged: order responses carry gift-card codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from supplier.errors import (
    SupplierConnectionError,
    SupplierError,
    SupplierResponseError,
    SupplierTimeout,
    error_from_response,
)
from supplier.retry import RetryPolicy, Verdict, should_retry

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
Params = Mapping[str, str | None]
# Finds what an earlier attempt of a creating POST made (None: nothing yet).
Lookup = Callable[[], Awaitable["Response | None"]]

_USER_AGENT = "giftbot-supplier-client/1"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def parse(self, model: type[ModelT]) -> ModelT:
        try:
            return model.model_validate_json(self.body)
        except ValidationError as exc:
            # The body may hold codes: name the model and the count of problems, not the data.
            raise SupplierResponseError(
                f"{self.status} response is not a valid {model.__name__} "
                f"({exc.error_count()} problems)"
            ) from None


class Transport:
    """One aiohttp session (owned or borrowed) plus the retry policy."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None,
        timeout: float,
        retry: RetryPolicy,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": _USER_AGENT,
        }
        self._session = session
        self._owns_session = session is None
        self._timeout = timeout

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        payload: Any = None,
        deadline: float | None = None,
        lookup: Lookup | None = None,
    ) -> Response:
        """Send, retrying as `should_retry` and the policy say: the client's only retry loop.

        `deadline` caps the total time, waits between attempts included. Without `lookup`
        the request must be safe to repeat (GETs, and POSTs that change nothing). With it,
        the request is a POST that creates something: after a failure that leaves unknown
        whether the supplier acted, `lookup` is asked first, and what it finds is returned
        instead of sending again.
        """
        loop = asyncio.get_running_loop()
        ends_at = None if deadline is None else loop.time() + deadline
        attempt = 0
        while True:
            attempt_timeout = self._timeout
            if ends_at is not None:
                attempt_timeout = min(attempt_timeout, ends_at - loop.time())
                if attempt_timeout <= 0:
                    raise SupplierTimeout(f"{method} {path}: deadline of {deadline}s passed")
            try:
                return await self.send(
                    method, path, params=params, payload=payload, attempt_timeout=attempt_timeout
                )
            except SupplierError as exc:
                verdict = should_retry(exc, idempotent=lookup is None)
                if verdict is Verdict.FINAL:
                    raise
                if verdict is Verdict.LOOKUP and lookup is not None:
                    # Even after the last attempt: the order may exist though the answer was lost.
                    found = await _look_up(lookup)
                    if found is not None:
                        return found
                if attempt >= self.retry.max_retries:
                    raise
                delay = self.retry.delay(attempt, exc)
                if ends_at is not None and loop.time() + delay >= ends_at:
                    raise  # another try could not finish before the caller's deadline
                await self._backoff(method, path, attempt, exc, delay)
            attempt += 1

    async def _backoff(
        self, method: str, path: str, attempt: int, error: SupplierError, delay: float
    ) -> None:
        logger.warning(
            "Supplier %s %s failed (%s); retry %d of %d in %.2fs",
            method,
            path,
            error,
            attempt + 1,
            self.retry.max_retries,
            delay,
        )
        await self.retry.sleep(delay)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        payload: Any = None,
        attempt_timeout: float | None = None,
    ) -> Response:
        """One HTTP exchange, with every failure turned into a `SupplierError`."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        seconds = attempt_timeout or self._timeout
        query = {key: value for key, value in (params or {}).items() if value is not None}
        try:
            async with self._session.request(
                method,
                self.base_url + path,
                params=query,
                json=payload,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=seconds),
                allow_redirects=False,
            ) as response:
                body = await response.read()
                if response.status >= 300:
                    raise error_from_response(
                        response.status,
                        _json_or_none(body),
                        request_id=response.headers.get("X-Request-Id"),
                        retry_after=response.headers.get("Retry-After"),
                    )
                return Response(response.status, body, response.headers)
        except TimeoutError:
            raise SupplierTimeout(f"{method} {path}: no answer within {seconds}s") from None
        except aiohttp.ClientConnectorError as exc:
            raise SupplierConnectionError(f"{method} {path}: {exc}", request_sent=False) from exc
        except aiohttp.ClientError as exc:
            raise SupplierConnectionError(f"{method} {path}: {exc}") from exc


async def _look_up(lookup: Lookup) -> Response | None:
    """One lookup without retries of its own: the request's loop already bounds attempts."""
    try:
        return await lookup()
    except SupplierError as exc:
        if should_retry(exc) is Verdict.FINAL:
            raise
        return None  # as unreachable as the request itself: the loop tries both again


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
