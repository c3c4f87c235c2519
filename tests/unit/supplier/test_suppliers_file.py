"""SUPPLIERS_FILE: a TOML file of [[supplier]] tables into typed settings, or one clear line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supplier.settings import SupplierSettings
from supplier.suppliers_file import (
    SuppliersFileError,
    configured_suppliers,
    load_suppliers_file,
)

KEY = "sk_live_do_not_print"
SECRET_A = "whsec_QUFBQUFBQUFBQUFBQUFBQQ=="
SECRET_B = "whsec_QkJCQkJCQkJCQkJCQkJCQg=="
SECRET_B2 = "whsec_Q0NDQ0NDQ0NDQ0NDQ0NDQw=="

TWO_SUPPLIERS = f"""
[[supplier]]
name = "primary"
url = "https://api.one.example/"
api_key = "{KEY}"
webhook_secret = "{SECRET_A}"
priority = 0

[[supplier]]
name = "backup"
url = "http://127.0.0.1:8082"
api_key = "other-key"
webhook_secret = ["{SECRET_B}", "{SECRET_B2}"]
priority = 10
sku_map = {{ "STEAM-US-20" = "steam-us-20", "PSN50" = "psn-us-50" }}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suppliers.toml"
    path.write_text(text)
    return path


def settings(**env: str) -> SupplierSettings:
    values: dict[str, Any] = dict(env)
    return SupplierSettings(_env_file=None, **values)


def test_two_suppliers_are_read_in_file_order(tmp_path: Path) -> None:
    primary, backup = load_suppliers_file(write(tmp_path, TWO_SUPPLIERS))
    assert (primary.name, primary.priority, str(primary.url)) == (
        "primary",
        0,
        "https://api.one.example/",
    )
    assert primary.api_key.get_secret_value() == KEY
    assert [s.get_secret_value() for s in primary.webhook_secrets] == [SECRET_A]
    assert primary.sku_map == {} and primary.our_sku("steam-us-20") == "steam-us-20"
    assert backup.name == "backup" and backup.priority == 10
    assert [s.get_secret_value() for s in backup.webhook_secrets] == [SECRET_B, SECRET_B2]
    assert backup.our_sku("STEAM-US-20") == "steam-us-20"
    assert backup.our_sku("xbox-us-15") == "xbox-us-15"  # unmapped: the same SKU
    assert KEY not in repr(primary)


def test_a_space_separated_secret_is_a_rotation(tmp_path: Path) -> None:
    text = TWO_SUPPLIERS.replace(f'"{SECRET_A}"', f'"{SECRET_A} {SECRET_B2}"')
    text = text.replace(f', "{SECRET_B2}"', "")
    primary, _ = load_suppliers_file(write(tmp_path, text))
    assert [s.get_secret_value() for s in primary.webhook_secrets] == [SECRET_A, SECRET_B2]


def test_without_a_file_the_single_settings_are_the_default_supplier() -> None:
    (only,) = configured_suppliers(
        settings(
            SUPPLIER_URL="https://api.one.example",
            SUPPLIER_API_KEY=KEY,
            SUPPLIER_WEBHOOK_SECRET=SECRET_A,
        )
    )
    assert only.name == "default" and str(only.url) == "https://api.one.example/"
    assert only.api_key.get_secret_value() == KEY
    assert [s.get_secret_value() for s in only.webhook_secrets] == [SECRET_A]
    (embedded,) = configured_suppliers(settings())
    assert embedded.name == "default" and embedded.url is None  # the in-process sandbox


def test_the_file_is_named_by_suppliers_file(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_SUPPLIERS)
    names = [s.name for s in configured_suppliers(settings(SUPPLIERS_FILE=str(path)))]
    assert names == ["primary", "backup"]
    with pytest.raises(SuppliersFileError, match="not both"):
        configured_suppliers(
            settings(SUPPLIERS_FILE=str(path), SUPPLIER_URL="https://api.one.example")
        )


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(SuppliersFileError) as raised:
        load_suppliers_file(missing)
    assert str(raised.value) == f"{missing}: cannot read: No such file or directory"


_TABLE = f'name = "a"\nurl = "https://a.example"\napi_key = "{KEY}"\n'
_TABLE += f'webhook_secret = "{SECRET_A}"\npriority = 1\n'


def _one(table: str = _TABLE, **changes: str | None) -> str:
    lines = dict(line.split(" = ", 1) for line in table.strip().splitlines())
    for key, value in changes.items():
        if value is None:
            lines.pop(key, None)
        else:
            lines[key] = value
    return "[[supplier]]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[supplier]\nname = 1", "not valid TOML: "),
        ("", "no [[supplier]] tables"),
        ('supplier = "a"', "no [[supplier]] tables"),
        ("supplier = [1]", "[[supplier]] #1: must be a table"),
        ('other = "x"\n' + _one(), "unknown top-level key 'other'"),
        (_one() + 'other = "x"', "#1 ('a'): other: Extra inputs are not permitted"),
        ("[[suppliers]]\nname = 'a'", "unknown top-level key 'suppliers'"),
        (_one(api_key=None), "[[supplier]] #1 ('a'): api_key: Field required"),
        (_one(api_key='"  "'), "#1 ('a'): api_key: Value error, must not be empty"),
        (_one(url='"ftp//a"'), "#1 ('a'): url: "),
        (_one(webhook_secret=f'"{KEY}"'), "webhook_secret: Value error, must start with 'whsec_'"),
        (_one(webhook_secret='""'), "webhook_secret: List should have at least 1 item"),
        (_one(priority="-1"), "priority: Input should be greater than or equal to 0"),
        (_one(priority='"1"'), "priority: Input should be a valid integer"),
        (_one(priorty="1"), "priorty: Extra inputs are not permitted"),
        (_one(name='"Has Space"'), "name: String should match pattern"),
        (_one(sku_map='{ "X" = "y", "Z" = "y" }'), "maps two supplier SKUs to the same SKU"),
        (_one(sku_map='{ "X" = 5 }'), "sku_map.X: Input should be a valid string"),
        (_one() + _one(), "two suppliers are named 'a'"),
        (
            _one() + _one(name='"b"', api_key='"k2"'),
            "suppliers 'a' and 'b' share a webhook secret",
        ),
    ],
)
def test_a_bad_file_is_one_clear_line_without_its_values(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SuppliersFileError) as raised:
        load_suppliers_file(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message
    assert KEY not in message and SECRET_A not in message
