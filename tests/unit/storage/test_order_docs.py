"""docs/orders.md draws the state machine the code enforces."""

from __future__ import annotations

from pathlib import Path

from storage.order_states import OrderStatus, mermaid

DOC = Path(__file__).resolve().parents[3] / "docs" / "orders.md"


def test_the_diagram_in_the_docs_is_the_transition_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid()}\n```" in text, "regenerate with storage.order_states.mermaid()"


def test_every_status_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    for status in OrderStatus:
        assert f"`{status.value}`" in text
