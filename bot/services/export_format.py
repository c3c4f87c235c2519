"""The reconciliation as JSON and as CSV: the same rows, the same values.

CSV is one table: a `section` column (order, supplier_entry, discrepancy, held_codes) and the union
of every section's columns; a cell a section does not have is empty.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.services.reconciliation import Reconciliation, Row, stamp

SECTIONS = ("orders", "supplier_entries", "discrepancies", "held_codes")
SECTION_NAMES = {
    "orders": "order",
    "supplier_entries": "supplier_entry",
    "discrepancies": "discrepancy",
    "held_codes": "held_codes",
}


def to_json(rec: Reconciliation) -> str:
    document: dict[str, Any] = {
        "period": {"from": stamp(rec.start), "to": stamp(rec.end)},
        "generated_at": stamp(rec.generated_at),
        "sources": rec.sources,
        "counts": {section: len(getattr(rec, section)) for section in SECTIONS},
    }
    for section in SECTIONS:
        document[section] = getattr(rec, section)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def columns(rec: Reconciliation) -> list[str]:
    names = ["section"]
    for section in SECTIONS:
        for row in getattr(rec, section):
            names += [name for name in row if name not in names]
    return names


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(rec: Reconciliation) -> str:
    out = io.StringIO()
    header = columns(rec)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for section in SECTIONS:
        for row in getattr(rec, section):
            record: Row = {"section": SECTION_NAMES[section], **row}
            writer.writerow([cell(record.get(name)) for name in header])
    return out.getvalue()
