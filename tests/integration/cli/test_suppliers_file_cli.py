"""`giftbot check-config` with SUPPLIERS_FILE: the suppliers listed, secrets never shown,
a bad file refused in one line with nothing changed."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.support.cli import TOKEN, run

SECRET_A = "whsec_" + base64.b64encode(b"alpha-secret-for-the-cli-test").decode()
SECRET_B = "whsec_" + base64.b64encode(b"beta-secret-for-the-cli-test!").decode()
KEY = base64.b64encode(b"k" * 32).decode()
TWO = f"""
[[supplier]]
name = "alpha"
url = "http://127.0.0.1:8081"
api_key = "sk-alpha-very-secret"
webhook_secret = "{SECRET_A}"
priority = 0

[[supplier]]
name = "beta"
url = "http://127.0.0.1:8082"
api_key = "sk-beta-very-secret"
webhook_secret = "{SECRET_B}"
priority = 10
sku_map = {{ "STEAM-US-20" = "steam-us-20" }}
"""


def test_two_suppliers_are_listed_without_their_secrets(tmp_path: Path) -> None:
    (tmp_path / "suppliers.toml").write_text(TWO)
    result = run(
        tmp_path,
        "check-config",
        BOT_TOKEN=TOKEN,
        CODES_KEY=KEY,
        SUPPLIERS_FILE="suppliers.toml",
    )
    assert result.returncode == 0, result.stderr
    listed = [line.split()[0] for line in result.stdout.split("[suppliers]")[1].splitlines()[1:3]]
    assert listed == ["alpha", "beta"]
    assert "1 mapped SKU(s)" in result.stdout
    for secret in ("sk-alpha-very-secret", "sk-beta-very-secret", SECRET_A, SECRET_B):
        assert secret not in result.stdout + result.stderr


def test_a_bad_file_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "suppliers.toml").write_text(TWO.replace("priority = 10", "priorty = 10"))
    result = run(
        tmp_path, "check-config", BOT_TOKEN=TOKEN, CODES_KEY=KEY, SUPPLIERS_FILE="suppliers.toml"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SUPPLIERS_FILE" in lines[0] and "('beta')" in lines[0] and "priority" in lines[0]
    assert "sk-beta-very-secret" not in result.stderr
    assert not (tmp_path / "data").exists(), "a refused check must change nothing"


def test_file_and_single_url_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "suppliers.toml").write_text(TWO)
    result = run(
        tmp_path,
        "check-config",
        BOT_TOKEN=TOKEN,
        CODES_KEY=KEY,
        SUPPLIERS_FILE="suppliers.toml",
        SUPPLIER_URL="http://127.0.0.1:9000",
    )
    assert result.returncode == 2
    assert "not both" in result.stderr
