"""Property-based run of the sandbox against its own OpenAPI document (schemathesis).

schemathesis speaks blocking `requests`, so the sandbox runs on an event loop of its own
in a thread; the test itself is synchronous.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.server import start_sandbox
from sandbox.supplier.topups import PLAYER_SCENARIOS
from tests.support.supplier_client import API_KEY

MAX_EXAMPLES = 100
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    config = SandboxConfig(
        api_key=SecretStr(API_KEY),
        webhook_url=None,
        slow_delay_seconds=0.0,
        pending_delay_seconds=0.0,
        refund_later_seconds=0.0,
        state_file=None,
        seed=11,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sandbox-loop", daemon=True)
    thread.start()
    running = asyncio.run_coroutine_threadsafe(start_sandbox(config), loop).result(timeout=10)
    try:
        yield running.url
    finally:
        asyncio.run_coroutine_threadsafe(running.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_sandbox_honours_its_openapi_document(sandbox_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{sandbox_url}/openapi.json")
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert {op.path for op in operations} >= {
        "/v1/orders", "/v1/reconciliation", "/v1/balance", "/v1/topups/validate"
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {API_KEY}"}
    catalog = requests.get(f"{sandbox_url}/v1/catalog?limit=100", headers=headers, timeout=10)
    # test-500-committed answers 502 by design (its order is found by reference afterwards).
    skus = st.sampled_from(
        [item["sku"] for item in catalog.json()["items"] if item["sku"] != "test-500-committed"]
    )
    topups = requests.get(
        f"{sandbox_url}/v1/catalog?kind=topup&limit=100", headers=headers, timeout=10
    )
    packs = st.sampled_from([item["sku"] for item in topups.json()["items"]])
    # Valid ids of each game's format, the scenario ids, and anything at all.
    players = st.one_of(
        st.sampled_from(["5123456789", "123456789", "612345678", *PLAYER_SCENARIOS]),
        st.text(min_size=1, max_size=64),
    )
    by_label = {op.label: op for op in operations}
    # Random SKUs are almost all 404s; real ones reach the success paths and the scenarios.
    known = [
        skus.flatmap(
            lambda sku: by_label["GET /v1/stock/{sku}"].as_strategy(path_parameters={"sku": sku})
        ),
        skus.flatmap(
            lambda sku: by_label["GET /v1/prices/{sku}"].as_strategy(path_parameters={"sku": sku})
        ),
        st.fixed_dictionaries(
            {"sku": skus, "quantity": st.integers(1, 3), "reference": st.uuids().map(str)}
        ).flatmap(lambda body: by_label["POST /v1/orders"].as_strategy(body=body)),
        st.fixed_dictionaries({"sku": packs, "player_id": players}).flatmap(
            lambda body: by_label["POST /v1/topups/validate"].as_strategy(body=body)
        ),
        st.fixed_dictionaries(
            {
                "sku": packs,
                "quantity": st.just(1),
                "reference": st.uuids().map(str),
                "player_id": players,
            }
        ).flatmap(lambda body: by_label["POST /v1/orders"].as_strategy(body=body)),
    ]
    # One strategy over every operation, so the example budget is shared, not per route.
    cases = st.one_of([*known, *(op.as_strategy() for op in operations)])

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(base_url=sandbox_url, headers=headers, checks=CHECKS, timeout=10)

    check()
