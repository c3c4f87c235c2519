"""Counters of what a bot process does, installed from outside its code.

`install()` patches `sqlite3.connect` so every connection reports its statements through
`set_trace_callback`, and `aiohttp.ClientSession` so every session carries a TraceConfig
that counts requests by destination (Bot API methods, supplier calls). A loopback HTTP
endpoint on BENCH_COUNTERS_PORT serves the running totals as JSON, so the benchmark can
take a snapshot before and after its load window and count only what the load caused.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from typing import Any

import aiohttp

PORT_ENV = "BENCH_COUNTERS_PORT"

# Plain dicts and ints: updated from the event loop thread and aiosqlite's worker thread,
# read by the endpoint's thread; a torn read costs one count at most, never a crash.
sql: Counter[str] = Counter()
sql_shapes: Counter[str] = Counter()  # each statement with its literals as `?`: where SQL goes
bot_api: Counter[str] = Counter()
supplier: Counter[str] = Counter()
other_http: Counter[str] = Counter()


def snapshot() -> dict[str, Any]:
    return {
        "sql": dict(sql),
        "sql_shapes": dict(sql_shapes),
        "bot_api": dict(bot_api),
        "supplier": dict(supplier),
        "other_http": dict(other_http),
    }


def _on_statement(statement: str) -> None:
    head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    if head.startswith("--"):  # a trigger's body, reported as a comment
        sql["trigger"] += 1
        return
    sql["statements"] += 1
    sql_shapes[_shape(statement)] += 1
    if head == "BEGIN":
        sql["begin"] += 1
        if "IMMEDIATE" in statement.upper() or "EXCLUSIVE" in statement.upper():
            sql["begin_write"] += 1
    elif head in {"COMMIT", "END"}:
        sql["commit"] += 1
    elif head == "ROLLBACK":
        sql["rollback"] += 1


_LITERALS = re.compile(r"'(?:[^']|'')*'|\bX'[0-9A-Fa-f]*'|\b\d+(?:\.\d+)?\b")


def _shape(statement: str) -> str:
    """The statement with its values (bound parameters show expanded here) as `?`."""
    return " ".join(_LITERALS.sub("?", statement).split())[:160]


def _patch_sqlite() -> None:
    connect: Callable[..., sqlite3.Connection] = sqlite3.connect

    def traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(_on_statement)
        return conn

    sqlite3.connect = traced_connect  # type: ignore[assignment]


def _classify(url: str) -> None:
    telegram = os.environ.get("TELEGRAM_API_URL", "").rstrip("/")
    supplier_url = os.environ.get("SUPPLIER_URL", "").rstrip("/")
    if telegram and url.startswith(telegram + "/bot"):
        bot_api[url.rsplit("/", 1)[-1].split("?", 1)[0]] += 1
    elif supplier_url and url.startswith(supplier_url + "/"):
        # "/v1/orders/ORD123" → "v1/orders": a path family, not one key per order.
        path = url[len(supplier_url) + 1 :].split("?", 1)[0]
        supplier["/".join(path.split("/")[:2])] += 1
    else:
        other_http[url.split("?", 1)[0]] += 1


async def _on_request_start(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceRequestStartParams,
) -> None:
    _classify(str(params.url))


def _patch_aiohttp() -> None:
    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(_on_request_start)
    init = aiohttp.ClientSession.__init__

    def traced_init(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        kwargs["trace_configs"] = [*(kwargs.get("trace_configs") or []), trace]
        init(self, *args, **kwargs)

    aiohttp.ClientSession.__init__ = traced_init  # type: ignore[method-assign]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(snapshot()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the bot's log stays the bot's


def _serve(port: int) -> None:
    server = HTTPServer(("127.0.0.1", port), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="bench-counters", daemon=True)
    thread.start()


def install() -> None:
    """Patch before the bot imports anything that connects; serve if a port is given."""
    _patch_sqlite()
    _patch_aiohttp()
    port = os.environ.get(PORT_ENV)
    if port:
        _serve(int(port))
