"""Top-up fixtures shared by the bot's unit tests: a top-up product and a scripted
supplier validation."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import Product
from supplier import models as wire
from supplier.errors import SupplierError
from tests.support.orders import NOW

TOPUP = Product(
    sku="pubgm-global-60",
    brand="PUBG Mobile",
    name="PUBG Mobile 60 UC (GLOBAL)",
    region="GLOBAL",
    face_value=99,
    face_currency="USD",
    redemption_instructions="",
    redemption_url=None,
    max_quantity=1,
    active=True,
    supplier_updated_at=None,
    synced_at=NOW,
    kind="topup",
)


@dataclass
class ScriptedValidation:
    """validate_topup that answers with `error` if set, else names a player."""

    error: SupplierError | None = None
    calls: list[tuple[str, str, float | None]] = field(default_factory=list)

    async def validate_topup(
        self, sku: str, player_id: str, *, deadline: float | None = None
    ) -> wire.Player:
        self.calls.append((sku, player_id, deadline))
        if self.error is not None:
            raise self.error
        return wire.Player(player_id=player_id, display_name="SwiftFalcon042", region="US")
