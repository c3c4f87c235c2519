"""Settings of the storage package, read from the environment and `.env`."""

from __future__ import annotations

import base64
import binascii

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

AES_KEY_BYTES = 32


class StorageSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="sqlite:///data/giftbot.db",
        alias="DATABASE_URL",
        description="sqlite:///relative/or//absolute/path.db",
    )
    codes_key: SecretStr | None = Field(
        default=None,
        alias="CODES_KEY",
        description="base64 of 32 random bytes: AES-256-GCM key for codes at rest",
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith("sqlite:///") or len(value) == len("sqlite:///"):
            raise ValueError("must be sqlite:///PATH (e.g. sqlite:///data/giftbot.db)")
        return value

    @field_validator("codes_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("codes_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_key(value.get_secret_value())
        return value


def decode_key(text: str) -> bytes:
    """Decode a base64 (standard or URL-safe) 256-bit key; ValueError names what is wrong."""
    try:
        key = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError):
        raise ValueError("must be base64 of 32 random bytes") from None
    if len(key) != AES_KEY_BYTES:
        raise ValueError(f"must decode to {AES_KEY_BYTES} bytes, got {len(key)}")
    return key
