"""The player id a customer types: its shape checked here, then the supplier's answer
mapped to one reason the customer is told. A refused id never reaches the supplier."""

from __future__ import annotations

import dataclasses

import pytest

from bot.services.topups import (
    MAX_PLAYER_ID,
    TopupProblem,
    TopupRefused,
    TopupService,
    clean_player_id,
    mask_player_id,
)
from supplier.errors import (
    InvalidPlayerId,
    InvalidRequest,
    RegionMismatch,
    SkuNotFound,
    SupplierConnectionError,
    SupplierError,
    SupplierTimeout,
)
from tests.support.fake_supplier import FakeSupplier
from tests.support.topups import TOPUP


def service(supplier: FakeSupplier) -> TopupService:
    return TopupService(supplier)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", TopupProblem.EMPTY),
        ("   \n", TopupProblem.EMPTY),
        ("5" * (MAX_PLAYER_ID + 1), TopupProblem.TOO_LONG),
        ("51234 56789", TopupProblem.CHARSET),
        ("<b>5123456789</b>", TopupProblem.CHARSET),
        ("player🎮", TopupProblem.CHARSET),
        ("-5123456789", TopupProblem.CHARSET),
        ("5123456789.", TopupProblem.CHARSET),
    ],
)
def test_a_malformed_id_is_refused_with_its_reason(text: str, problem: TopupProblem) -> None:
    with pytest.raises(TopupRefused) as refused:
        clean_player_id(text)
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("text", "player_id"),
    [
        (" 5123456789\n", "5123456789"),
        ("sandbox-region-mismatch", "sandbox-region-mismatch"),
        ("Player_1.eu", "Player_1.eu"),
        ("7", "7"),
        ("5" * MAX_PLAYER_ID, "5" * MAX_PLAYER_ID),
    ],
)
def test_a_well_formed_id_is_kept_trimmed(text: str, player_id: str) -> None:
    assert clean_player_id(text) == player_id


async def test_a_malformed_id_never_reaches_the_supplier() -> None:
    supplier = FakeSupplier()
    with pytest.raises(TopupRefused) as refused:
        await service(supplier).validate(TOPUP, "512 345")
    assert refused.value.problem is TopupProblem.CHARSET
    assert supplier.calls == []


async def test_a_gift_card_is_not_validated_as_a_top_up() -> None:
    supplier = FakeSupplier()
    card = dataclasses.replace(TOPUP, kind="code")
    with pytest.raises(TopupRefused) as refused:
        await service(supplier).validate(card, "5123456789")
    assert refused.value.problem is TopupProblem.NOT_A_TOPUP
    assert supplier.calls == []


async def test_a_valid_id_names_the_player_within_a_deadline() -> None:
    supplier = FakeSupplier()
    player = await service(supplier).validate(TOPUP, " 5123456789 ")
    assert (player.sku, player.player_id, player.display_name, player.region) == (
        TOPUP.sku,
        "5123456789",
        "SwiftFalcon042",
        "US",
    )
    [(method, (sku, player_id), deadline)] = supplier.calls
    assert method == "validate_topup"
    assert (sku, player_id) == (TOPUP.sku, "5123456789")
    assert deadline is not None and deadline < 10  # the customer is waiting in chat


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (InvalidPlayerId(422, "invalid_player_id", "no such player"), TopupProblem.INVALID_PLAYER),
        (RegionMismatch(422, "region_mismatch", "wrong region"), TopupProblem.REGION_MISMATCH),
        (SupplierTimeout("deadline passed"), TopupProblem.SLOW),
        (SupplierConnectionError("refused"), TopupProblem.UNAVAILABLE),
        (InvalidRequest(400, "invalid_request", "not a top-up"), TopupProblem.NOT_A_TOPUP),
        (SkuNotFound(404, "sku_not_found", "gone"), TopupProblem.NOT_A_TOPUP),
    ],
)
async def test_supplier_answers_become_one_reason_each(
    error: SupplierError, problem: TopupProblem
) -> None:
    with pytest.raises(TopupRefused) as refused:
        await service(FakeSupplier(failing={"validate_topup": error})).validate(TOPUP, "5123456789")
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("player_id", "masked"),
    [
        ("5123456789", "••••••6789"),
        ("1234", "••••"),
        ("ab", "••"),
        ("sandbox-slow", "••••••••slow"),
    ],
)
def test_the_export_mask_hides_all_but_the_last_four(player_id: str, masked: str) -> None:
    assert mask_player_id(player_id) == masked
    assert len(mask_player_id(player_id)) == len(player_id)
