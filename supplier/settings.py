"""Settings of the supplier side, read from the environment and `.env`.

One supplier is `SUPPLIER_URL` / `SUPPLIER_API_KEY` / `SUPPLIER_WEBHOOK_SECRET`; several
are a TOML file named by `SUPPLIERS_FILE` (supplier/suppliers_file.py reads it). Either way the
result is a tuple of `SupplierConfig`, the single-supplier settings being one named
`default`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Used for the in-process sandbox when no SUPPLIER_URL is set (the embedded default).
SANDBOX_API_KEY = "sandbox-api-key"  # public development key, not a secret
DEFAULT_SUPPLIER: Final = "default"


def split_secrets(value: object) -> object:
    """`whsec_a whsec_b` (space-separated, as during a rotation) as a list."""
    if isinstance(value, str):
        return [part for part in value.split() if part]
    return value


def check_secrets(value: list[SecretStr]) -> list[SecretStr]:
    for secret in value:
        if not secret.get_secret_value().startswith("whsec_"):
            raise ValueError("must start with 'whsec_'")
    return value


def check_key(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().strip():
        raise ValueError("must not be empty")
    return value


class SupplierConfig(BaseModel):
    """One supplier of the network, however it was configured."""

    model_config = ConfigDict(frozen=True)

    # The name is a URL path segment (/supplier/webhook/<name>) and a metrics label.
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: AnyHttpUrl | None = Field(description="None: the in-process sandbox (default only)")
    api_key: SecretStr
    webhook_secrets: list[SecretStr]
    priority: int = Field(ge=0, description="Breaks price ties: the lower number is preferred")
    sku_map: dict[str, str] = Field(
        default_factory=dict, description="The supplier's SKU -> ours; unmapped SKUs are ours"
    )

    def our_sku(self, supplier_sku: str) -> str:
        return self.sku_map.get(supplier_sku, supplier_sku)


class SupplierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    url: AnyHttpUrl | None = Field(
        default=None,
        alias="SUPPLIER_URL",
        description="Supplier API base URL; unset starts the sandbox supplier in-process",
    )
    api_key: SecretStr = Field(
        default=SecretStr(SANDBOX_API_KEY),
        alias="SUPPLIER_API_KEY",
        description="Bearer key for the supplier API",
    )
    # NoDecode: the environment holds a space-separated list, not JSON.
    webhook_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        alias="SUPPLIER_WEBHOOK_SECRET",
        description="whsec_ secret(s) for supplier webhooks; space-separated during rotation",
    )
    suppliers_file: Path | None = Field(
        default=None,
        alias="SUPPLIERS_FILE",
        description="TOML file of [[supplier]] tables; read by supplier.suppliers_file",
    )

    _split_secrets = field_validator("webhook_secrets", mode="before")(split_secrets)
    _check_prefix = field_validator("webhook_secrets")(check_secrets)
    _check_key = field_validator("api_key")(check_key)

    def default_supplier(self) -> SupplierConfig:
        """The single-supplier settings as the supplier named `default`."""
        return SupplierConfig(
            name=DEFAULT_SUPPLIER,
            url=self.url,
            api_key=self.api_key,
            webhook_secrets=self.webhook_secrets,
            priority=0,
        )
