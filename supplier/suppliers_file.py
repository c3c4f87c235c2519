"""`SUPPLIERS_FILE`: several suppliers as `[[supplier]]` tables of a TOML file.

    [[supplier]]
    name = "primary"
    url = "https://api.supplier-one.example/"
    api_key = "..."
    webhook_secret = "whsec_..."      # or a list, during a rotation
    priority = 0
    sku_map = { "STEAM-US-20" = "steam-us-20" }   # optional: their SKU = ours

Every mistake is one line naming the file, the table and the field, never a value (the
values are keys and secrets). Nothing here routes orders; it only reads the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictInt,
    ValidationError,
    field_validator,
)

from supplier.settings import (
    SupplierConfig,
    SupplierSettings,
    check_key,
    check_secrets,
    split_secrets,
)

SkuText = Annotated[str, Field(min_length=1, max_length=64)]


class SuppliersFileError(ValueError):
    """A SUPPLIERS_FILE that cannot be used; the message is one line for the operator."""


class _Table(BaseModel):
    """One [[supplier]] table as written: strict, so a misspelt key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: AnyHttpUrl
    api_key: SecretStr
    webhook_secret: list[SecretStr] = Field(min_length=1)
    priority: StrictInt = Field(ge=0)
    sku_map: dict[SkuText, SkuText] = Field(default_factory=dict)

    _split = field_validator("webhook_secret", mode="before")(split_secrets)
    _prefix = field_validator("webhook_secret")(check_secrets)
    _key = field_validator("api_key")(check_key)

    @field_validator("sku_map")
    @classmethod
    def _one_to_one(cls, value: dict[str, str]) -> dict[str, str]:
        # Two of their SKUs as one of ours would make "which card is this" a guess.
        if len(set(value.values())) != len(value):
            raise ValueError("maps two supplier SKUs to the same SKU of ours")
        return value


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "table"
    return f"{where}: {first['msg']}"


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SuppliersFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SuppliersFileError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SuppliersFileError(f"{path}: not valid TOML: not UTF-8") from None


def _table(path: Path, index: int, raw: object) -> SupplierConfig:
    label = f"[[supplier]] #{index}"
    if isinstance(raw, Mapping) and isinstance(raw.get("name"), str):
        label += f" ({raw['name']!r})"
    if not isinstance(raw, Mapping):
        raise SuppliersFileError(f"{path}: {label}: must be a table")
    try:
        table = _Table.model_validate(raw)
    except ValidationError as exc:
        raise SuppliersFileError(f"{path}: {label}: {_problem(exc)}") from None
    return SupplierConfig(
        name=table.name,
        url=table.url,
        api_key=table.api_key,
        webhook_secrets=table.webhook_secret,
        priority=table.priority,
        sku_map=table.sku_map,
    )


def _check_network(path: Path, suppliers: list[SupplierConfig]) -> None:
    names: set[str] = set()
    secrets: dict[str, str] = {}  # secret -> the supplier that has it
    for supplier in suppliers:
        if supplier.name in names:
            raise SuppliersFileError(f"{path}: two suppliers are named {supplier.name!r}")
        names.add(supplier.name)
        for secret in supplier.webhook_secrets:
            # A shared secret would let one supplier sign webhooks as the other.
            other = secrets.setdefault(secret.get_secret_value(), supplier.name)
            if other != supplier.name:
                raise SuppliersFileError(
                    f"{path}: suppliers {other!r} and {supplier.name!r} share a webhook secret"
                )


def load_suppliers_file(path: Path) -> tuple[SupplierConfig, ...]:
    """The suppliers of `path`, in file order (the last tie-break after priority)."""
    document = _read(path)
    unknown = set(document) - {"supplier"}
    if unknown:
        raise SuppliersFileError(f"{path}: unknown top-level key {sorted(unknown)[0]!r}")
    tables = document.get("supplier")
    if not isinstance(tables, list) or not tables:
        raise SuppliersFileError(f"{path}: no [[supplier]] tables")
    suppliers = [_table(path, n, raw) for n, raw in enumerate(tables, start=1)]
    _check_network(path, suppliers)
    return tuple(suppliers)


def configured_suppliers(settings: SupplierSettings) -> tuple[SupplierConfig, ...]:
    """Every supplier: SUPPLIERS_FILE's, or the single SUPPLIER_* settings as `default`."""
    if settings.suppliers_file is None:
        return (settings.default_supplier(),)
    if settings.url is not None:
        raise SuppliersFileError(
            "set SUPPLIERS_FILE or SUPPLIER_URL, not both (the file lists every supplier)"
        )
    return load_suppliers_file(settings.suppliers_file)
