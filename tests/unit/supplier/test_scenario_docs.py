"""Every sandbox scenario SKU is listed in the OpenAPI document and described in the docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sandbox.supplier.catalog import SCENARIO_SKUS
from sandbox.supplier.openapi import openapi_document
from sandbox.supplier.topups import PLAYER_SCENARIOS

DOCS = Path(__file__).resolve().parents[3] / "docs" / "supplier-api.md"


def test_the_openapi_document_lists_every_scenario() -> None:
    post = json.loads(openapi_document())["paths"]["/v1/orders"]["post"]
    assert post["x-scenario-skus"] == list(SCENARIO_SKUS)
    assert all(sku in post["description"] for sku in SCENARIO_SKUS)


def test_the_docs_describe_every_scenario_once() -> None:
    rows = re.findall(r"^\| `(test-[a-z0-9-]+)` \|", DOCS.read_text(), flags=re.MULTILINE)
    assert sorted(rows) == sorted(SCENARIO_SKUS)


def test_every_scenario_player_id_is_listed_and_described_once() -> None:
    validate = json.loads(openapi_document())["paths"]["/v1/topups/validate"]["post"]
    assert validate["x-scenario-player-ids"] == list(PLAYER_SCENARIOS)
    rows = re.findall(r"^\| `(sandbox-[a-z-]+)` \|", DOCS.read_text(), flags=re.MULTILINE)
    assert sorted(rows) == sorted(PLAYER_SCENARIOS)
