"""Top-ups on the sandbox's books: who a player id is, and what a completed top-up credits.

Player ids are not stored anywhere: a valid id (the brand's format) always names the same
made-up player, derived from the id, so validation and the order agree without state.
A few scenario ids stand for the failures a reseller must handle.
"""

from __future__ import annotations

import re
import zlib
from typing import Final

from sandbox.supplier.catalog import CatalogItem
from sandbox.supplier.errors import SandboxError
from supplier.models import Money, Player, TopupCredit

INVALID_PLAYER: Final = "sandbox-invalid"
REGION_MISMATCH_PLAYER: Final = "sandbox-region-mismatch"
SLOW_PLAYER: Final = "sandbox-slow"
FAIL_LATER_PLAYER: Final = "sandbox-fail-later"
PLAYER_SCENARIOS: Final[tuple[str, ...]] = (
    INVALID_PLAYER,
    REGION_MISMATCH_PLAYER,
    SLOW_PLAYER,
    FAIL_LATER_PLAYER,
)

# Where a GLOBAL pack's players live; a region-bound pack's players live in its region.
PLAYER_REGIONS: Final = ("US", "EU", "GB", "TR", "BR", "IN")
_FIRST: Final = ("Swift", "Silent", "Crimson", "Lucky", "Frost", "Iron", "Neon", "Shadow")
_SECOND: Final = ("Falcon", "Wolf", "Ranger", "Viper", "Knight", "Comet", "Tiger", "Ghost")


def topup_item(item: CatalogItem) -> CatalogItem:
    """`item`, which must be a top-up product."""
    if item.kind != "topup":
        raise SandboxError("invalid_request", f"{item.sku} is not a top-up product")
    return item


def look_up_player(item: CatalogItem, player_id: str) -> Player:
    """The account `player_id` names for the top-up `item`, or the error a supplier gives."""
    if player_id == INVALID_PLAYER:
        raise SandboxError("invalid_player_id", "no player with this id")
    pattern = item.brand.player_id_pattern or ""
    if player_id not in PLAYER_SCENARIOS and not re.fullmatch(pattern, player_id):
        raise SandboxError("invalid_player_id", f"not a {item.brand.name} player id")
    digest = zlib.crc32(player_id.encode())
    region = item.region if item.region != "GLOBAL" else PLAYER_REGIONS[digest % 6]
    if player_id == REGION_MISMATCH_PLAYER:
        raise SandboxError(
            "region_mismatch", f"this player's account cannot receive {item.sku} in its region"
        )
    name = f"{_FIRST[digest % 8]}{_SECOND[digest // 8 % 8]}{digest % 1000:03d}"
    return Player(player_id=player_id, display_name=name, region=region)


def credit(item: CatalogItem, player_id: str, quantity: int) -> TopupCredit:
    """The confirmation a completed top-up order carries instead of codes."""
    player = look_up_player(item, player_id)
    return TopupCredit(
        player_id=player.player_id,
        display_name=player.display_name,
        amount=Money(amount=item.face_amount * quantity, currency=item.currency),
    )
