"""`giftbot export` as a finance person runs it: the real command against the sandbox."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from sandbox.supplier.server import RunningSandbox
from storage.settings import StorageSettings
from tests.support.shop import API_KEY, Control, Shop

GIFTBOT = str(Path(sys.executable).with_name("giftbot"))


async def giftbot(cwd: Path, *args: str, **env: str) -> tuple[int, str, str]:
    # asyncio's subprocess: the sandbox serves from this event loop meanwhile.
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    process = await asyncio.create_subprocess_exec(
        GIFTBOT,
        *args,
        cwd=cwd,
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_export_writes_json_to_stdout_and_csv_to_a_file(
    shop: Shop,
    sandbox: RunningSandbox,
    control: Control,
    storage_settings: StorageSettings,
    tmp_path: Path,
) -> None:
    order = await shop.settle((await shop.paid_order("test-instant")).id)
    await control.post(
        "/sandbox/adjustment", {"amount": {"amount": 500, "currency": "USD"}, "note": "bonus"}
    )
    codes_key = storage_settings.codes_key
    assert codes_key is not None
    env = {
        "DATABASE_URL": storage_settings.database_url,
        "CODES_KEY": codes_key.get_secret_value(),
        "SUPPLIER_URL": sandbox.url,
        "SUPPLIER_API_KEY": API_KEY,
    }
    today = datetime.now(UTC).date().isoformat()
    period = ["--from", today, "--to", today]
    code, out, err = await giftbot(tmp_path, "export", *period, "--format", "json", **env)
    assert code == 0, err
    document = json.loads(out)
    assert [row["order_id"] for row in document["orders"]] == [order.id]
    assert document["sources"]["telegram_star_transactions"] is False
    assert [d["kind"] for d in document["discrepancies"]] == ["supplier_adjustment"]
    adjustment = document["discrepancies"][0]
    assert (adjustment["actual_minor"], adjustment["actual"]) == (500, "5.00")
    assert adjustment["actual_currency"] == "USD" and adjustment["note"] == "bonus"

    target = tmp_path / "out.csv"
    code, out, err = await giftbot(tmp_path, "export", *period, "--output", str(target), **env)
    assert code == 0 and out == "" and "1 orders, 1 discrepancies" in err
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["order_id"] for r in rows if r["section"] == "order"] == [order.id]


async def test_export_refuses_a_bad_period_or_no_supplier(tmp_path: Path) -> None:
    code, out, err = await giftbot(tmp_path, "export", "--from", "2026-13-01", "--to", "2026-12-01")
    assert code == 2 and out == "" and "'2026-13-01' is not a date like 2026-11-01" in err
    code, _, err = await giftbot(tmp_path, "export", "--from", "2026-12-02", "--to", "2026-12-01")
    assert code == 2 and "the period ends before it starts" in err
    code, _, err = await giftbot(tmp_path, "export", "--from", "2026-12-01", "--to", "2026-12-01")
    assert code == 2 and "SUPPLIER_URL" in err and "Traceback" not in err
    assert not (tmp_path / "data").exists()
