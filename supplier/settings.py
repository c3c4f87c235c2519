"""Settings of the supplier side, read from the environment and `.env`."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Used for the in-process sandbox when no SUPPLIER_URL is set (the embedded default).
SANDBOX_API_KEY = "sandbox-api-key"  # public development key, not a secret


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

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split() if part]
        return value

    @field_validator("webhook_secrets")
    @classmethod
    def _check_prefix(cls, value: list[SecretStr]) -> list[SecretStr]:
        for secret in value:
            if not secret.get_secret_value().startswith("whsec_"):
                raise ValueError("must start with 'whsec_'")
        return value

    @field_validator("api_key")
    @classmethod
    def _check_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value
