"""The suppliers the bot runs with: read from the settings (SUPPLIERS_FILE, or the single
SUPPLIER_* settings as `default`), one metered client each, behind one router; and the
webhook verifier of each, by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.errors import ConfigError
from supplier.client import SupplierClient
from supplier.router import SupplierRouter
from supplier.settings import SupplierConfig, SupplierSettings
from supplier.suppliers_file import SuppliersFileError, configured_suppliers
from supplier.webhooks import WebhookVerifier

if TYPE_CHECKING:  # `giftbot export` and `check-config` run without aiogram (slow to import)
    import aiohttp

    from bot.metrics import Metrics


def load_suppliers(settings: SupplierSettings) -> tuple[SupplierConfig, ...]:
    """Every configured supplier; a bad SUPPLIERS_FILE is one ConfigError line."""
    try:
        return configured_suppliers(settings)
    except SuppliersFileError as exc:
        raise ConfigError(f"SUPPLIERS_FILE: {exc}") from None


def describe_suppliers(suppliers: Sequence[SupplierConfig]) -> list[str]:
    """One line a supplier for `check-config`: never a key or a secret."""
    return [
        f"{c.name:<12} priority {c.priority:<3} {c.url or '(in-process sandbox)'}"
        f"  {len(c.webhook_secrets)} webhook secret(s), {len(c.sku_map)} mapped SKU(s)"
        for c in suppliers
    ]


def embedded_sandbox(suppliers: Sequence[SupplierConfig]) -> bool:
    """No SUPPLIER_URL and no file: the sandbox runs in-process as `default`."""
    return len(suppliers) == 1 and suppliers[0].url is None


def build_supplier_router(
    suppliers: Sequence[SupplierConfig],
    metrics: Metrics,
    *,
    traces: Sequence[aiohttp.TraceConfig] = (),
    embedded_url: str | None = None,
) -> SupplierRouter:
    """One metered client per supplier, labelled with its name in the metrics."""
    from app.supplier_metering import MeteredSupplierClient

    members: list[tuple[SupplierConfig, SupplierClient]] = []
    for config in suppliers:
        url = str(config.url).rstrip("/") if config.url is not None else embedded_url
        if url is None:
            raise ConfigError(f"supplier {config.name!r} has no URL")
        client = MeteredSupplierClient(
            url,
            config.api_key.get_secret_value(),
            metrics,
            traces=list(traces),
            supplier=config.name,
        )
        members.append((config, client))
    return SupplierRouter(members)


def webhook_verifiers(
    suppliers: Sequence[SupplierConfig], embedded_secrets: Sequence[str] = ()
) -> dict[str, WebhookVerifier]:
    """name -> verifier, for each supplier with a webhook secret (the embedded sandbox
    signs with a secret made at start-up)."""
    verifiers: dict[str, WebhookVerifier] = {}
    for config in suppliers:
        secrets = [s.get_secret_value() for s in config.webhook_secrets] or list(
            embedded_secrets if config.url is None else ()
        )
        if secrets:
            verifiers[config.name] = WebhookVerifier(secrets)
    return verifiers
