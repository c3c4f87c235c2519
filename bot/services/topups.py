"""Game top-ups before the quote: the player id a customer typed, checked here for shape
and then with the supplier, who names the account it would credit.

Nothing here writes: a validated player is carried by the chat's FSM until the customer
confirms the name, and only then does checkout quote (the order stores the player id).
The supplier checks the id again when the order is placed, so this is advice that keeps
a customer from paying for a top-up that cannot reach them, not a guarantee.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from storage.models import Product
from supplier.errors import (
    InvalidPlayerId,
    InvalidRequest,
    RegionMismatch,
    SkuNotFound,
    SupplierError,
    SupplierTimeout,
)
from supplier.port import SupplierPort

log = logging.getLogger(__name__)

MAX_PLAYER_ID = 64  # the supplier's limit on a player id
# Game account ids are digits, or letters, digits and a few separators (and the sandbox's
# scenario ids): anything else (spaces inside, emoji, markup) is a typo, refused before
# the supplier is asked.
PLAYER_ID_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
# A customer waits in chat for this answer; a slower one is "try again", not a hang.
VALIDATE_DEADLINE_SECONDS = 5.0


class TopupProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    CHARSET = "charset"
    INVALID_PLAYER = "invalid_player"  # the supplier knows no such player
    REGION_MISMATCH = "region_mismatch"  # the player's region cannot receive this pack
    SLOW = "slow"  # the supplier did not answer in time
    UNAVAILABLE = "unavailable"  # the supplier could not be asked
    NOT_A_TOPUP = "not_a_topup"  # the product is not (or no longer) a top-up


class TopupRefused(Exception):
    def __init__(self, problem: TopupProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ValidatedPlayer:
    sku: str
    player_id: str
    display_name: str
    region: str


def clean_player_id(text: str) -> str:
    """The player id in a customer's message, or TopupRefused (EMPTY, TOO_LONG, CHARSET)."""
    player_id = text.strip()
    if not player_id:
        raise TopupRefused(TopupProblem.EMPTY)
    if len(player_id) > MAX_PLAYER_ID:
        raise TopupRefused(TopupProblem.TOO_LONG)
    if not PLAYER_ID_PATTERN.fullmatch(player_id):
        raise TopupRefused(TopupProblem.CHARSET)
    return player_id


def mask_player_id(player_id: str) -> str:
    """The last four characters, the rest hidden: enough to match a customer's complaint
    to an order, not enough to name their game account in an exported file."""
    shown = player_id[-4:] if len(player_id) > 4 else ""
    return "•" * (len(player_id) - len(shown)) + shown


class TopupService:
    def __init__(self, supplier: SupplierPort) -> None:
        self._supplier = supplier

    async def validate(self, product: Product, text: str) -> ValidatedPlayer:
        """The account `text` names for the top-up `product`, as the supplier sees it."""
        if not product.is_topup:
            raise TopupRefused(TopupProblem.NOT_A_TOPUP)
        player_id = clean_player_id(text)
        try:
            player = await self._supplier.validate_topup(
                product.sku, player_id, deadline=VALIDATE_DEADLINE_SECONDS
            )
        except InvalidPlayerId:
            raise TopupRefused(TopupProblem.INVALID_PLAYER) from None
        except RegionMismatch:
            raise TopupRefused(TopupProblem.REGION_MISMATCH) from None
        except (SkuNotFound, InvalidRequest):
            # The supplier no longer sells it as a top-up; the next sync will say so.
            log.warning("supplier refused top-up validation for %s", product.sku)
            raise TopupRefused(TopupProblem.NOT_A_TOPUP) from None
        except SupplierTimeout:
            log.info("top-up validation for %s timed out", product.sku)
            raise TopupRefused(TopupProblem.SLOW) from None
        except SupplierError as exc:
            log.warning("top-up validation for %s failed: %s", product.sku, type(exc).__name__)
            raise TopupRefused(TopupProblem.UNAVAILABLE) from None
        return ValidatedPlayer(
            sku=product.sku,
            player_id=player_id,
            display_name=player.display_name,
            region=player.region,
        )
