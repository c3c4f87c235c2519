"""Pre-purchased codes end to end: `giftbot stock import` beside the running bot (which holds
the database lock; the import does not need it), a customer buys and gets the imported
code, the supplier never sees an order for it, and the same code imported again is refused."""

from __future__ import annotations

import secrets
import subprocess

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import GIFTBOT, Stack, bot_environment
from tests.support.shopper import Shopper, Supplier, text_of

SKU = "xbox-us-15"  # no other end-to-end test buys it: its held codes are this test's own
BRAND = "Xbox"


def import_codes(stack: Stack, csv_text: str) -> subprocess.CompletedProcess[str]:
    path = stack.workdir / f"held-{secrets.token_hex(4)}.csv"
    path.write_text(csv_text, encoding="utf-8")
    return subprocess.run(
        [GIFTBOT, "stock", "import", str(path), "--sku", SKU, "--cost", "12.00"],
        cwd=stack.workdir,
        env=bot_environment(stack),
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_an_imported_code_is_sold_once_and_no_supplier_order_is_placed(
    stack: Stack, telegram: SandboxClient, supplier: Supplier
) -> None:
    code = f"HELD-{secrets.token_hex(6).upper()}"
    # The supplier has none: only the held code can make this sale.
    await supplier.set_stock(SKU, 0)

    first = import_codes(stack, f"code,expires_at\n{code},2099-12-31\n")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"imported 1 code(s) of {SKU} at 12.00 USD each; 1 held now"

    again = import_codes(stack, f"code\n{code.lower()}\n")
    assert again.returncode == 1
    assert "refused 1 duplicate(s): row 2 (already held or sold)" in again.stdout

    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout(SKU, BRAND)
    assert (await shopper.pay(checkout)).status == "paid"
    delivery = await shopper.delivery(checkout)
    assert code in text_of(delivery)

    # The supplier, asked over HTTP, has no order under our reference.
    assert await supplier.order_for(checkout.order_id) is None

    # Sold: imported again it is still refused, and the shop is out of it.
    after_sale = import_codes(stack, f"code\n{code}\n")
    assert after_sale.returncode == 1
    assert "row 2 (already held or sold); 0 held now" in after_sale.stdout
    for result in (first, again, after_sale):
        assert code not in result.stdout + result.stderr
    assert code not in stack.log("bot"), "a code is never logged"
