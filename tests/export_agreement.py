"""The one check both the integration and the end-to-end tests make of an export: its CSV
and JSON documents carry the same rows with the same values."""

from __future__ import annotations

import csv
import io
from typing import Any

SECTIONS = {
    "order": "orders",
    "supplier_entry": "supplier_entries",
    "discrepancy": "discrepancies",
    "held_codes": "held_codes",
}


def as_cell(value: object) -> str:
    """How a JSON value reads in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_csv_agrees_with_json(csv_document: str, document: dict[str, Any]) -> None:
    table = list(csv.DictReader(io.StringIO(csv_document)))
    assert {row["section"] for row in table} <= set(SECTIONS)
    for section, key in SECTIONS.items():
        csv_rows = [row for row in table if row["section"] == section]
        assert len(csv_rows) == len(document[key]), section
        for csv_row, json_row in zip(csv_rows, document[key], strict=True):
            assert set(json_row) <= set(csv_row), section
            assert {k: v for k, v in csv_row.items() if k != "section"} == {
                column: as_cell(json_row.get(column)) for column in csv_row if column != "section"
            }
