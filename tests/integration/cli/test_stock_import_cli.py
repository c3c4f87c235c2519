"""The real `giftbot stock import`: a summary line on success, one error line and nothing
imported for a bad file, duplicates refused by row (exit 1), never a code in the output."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from storage.repositories import HeldCodeRepository, ProductRepository
from storage.settings import StorageSettings
from storage.store import open_storage
from tests.support.cli import run
from tests.support.orders import NOW, product

SKU = "steam-us-20"


@pytest.fixture
async def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/shop.db",
        "CODES_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    storage = await open_storage(StorageSettings(**values, _env_file=None))  # type: ignore[arg-type]
    async with storage.db.transaction() as conn:
        await ProductRepository(conn).upsert_product(product(SKU), NOW)
    await storage.close()
    return values


async def held(env: dict[str, str]) -> int:
    storage = await open_storage(StorageSettings(**env, _env_file=None))  # type: ignore[arg-type]
    try:
        async with storage.db.read() as conn:
            return await HeldCodeRepository(conn, storage.cipher).count_sellable(SKU, NOW)
    finally:
        await storage.close()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "codes.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_import_then_the_same_file_again(tmp_path: Path, env: dict[str, str]) -> None:
    file = write(tmp_path, "code,pin\nSECRET-AAAA,1234\nSECRET-BBBB,\n")
    first = run(tmp_path, "stock", "import", file, "--sku", SKU, "--cost", "9.50", **env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        "imported 2 code(s) of steam-us-20 at 9.50 USD each; 2 held now"
    )
    again = run(tmp_path, "stock", "import", file, "--sku", SKU, **env)
    assert again.returncode == 1
    assert again.stdout.strip() == (
        "imported 0 code(s) of steam-us-20; refused 2 duplicate(s): "
        "row 2 (already held or sold), row 3 (already held or sold); 2 held now"
    )
    for result in (first, again):
        assert "SECRET" not in result.stdout + result.stderr
    assert await held(env) == 2


@pytest.mark.parametrize(
    ("text", "args", "error"),
    [
        ("code\nSECRET-A\n", ("--sku", "nope"), "nothing imported: unknown SKU 'nope'"),
        ("pin\n1\n", ("--sku", SKU), "nothing imported: missing column `code`"),
        (
            "code,expires_at\nSECRET-A,2999-01-01\nSECRET-B,2001-01-01\n",
            ("--sku", SKU),
            "nothing imported: row 3: expired",
        ),
        ("code\nSECRET-A\n", ("--sku", SKU, "--cost", "9.999"), "--cost '9.999'"),
    ],
)
async def test_a_bad_import_is_one_line_exit_2_and_changes_nothing(
    tmp_path: Path, env: dict[str, str], text: str, args: tuple[str, ...], error: str
) -> None:
    result = run(tmp_path, "stock", "import", write(tmp_path, text), *args, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and error in lines[0], result.stderr
    assert "SECRET" not in result.stderr + result.stdout
    assert await held(env) == 0


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run(tmp_path, "stock", "import", str(tmp_path / "nope.csv"), "--sku", SKU)
    assert result.returncode == 2
    assert result.stderr.startswith("giftbot stock import: cannot read")
