"""Knobs of the sandbox supplier, from flags or `SANDBOX_*` environment variables."""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from supplier.settings import SANDBOX_API_KEY


def generate_webhook_secret() -> SecretStr:
    return SecretStr("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode())


class SandboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_", env_file=".env", extra="ignore")

    api_key: SecretStr = Field(default=SecretStr(SANDBOX_API_KEY), description="Bearer key")
    webhook_url: str | None = Field(default=None, description="Where events are POSTed")
    webhook_secret: SecretStr = Field(
        default_factory=generate_webhook_secret, description="whsec_ signing secret"
    )
    latency_min_ms: int = Field(default=0, ge=0, description="Added latency, lower bound")
    latency_max_ms: int = Field(default=0, ge=0, description="Added latency, upper bound")
    pending_probability: float = Field(
        default=0.0, ge=0, le=1, description="Share of catalog orders that go through pending"
    )
    failure_probability: float = Field(
        default=0.0, ge=0, le=1, description="Share of catalog orders that fail after pending"
    )
    rate_limit_per_minute: int = Field(default=0, ge=0, description="Per API key; 0 = off")
    webhook_time_scale: float = Field(
        default=1.0, gt=0, description="Divides the webhook retry schedule"
    )
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    pending_delay_seconds: float = Field(default=3.0, ge=0)
    refund_later_seconds: float = Field(default=5.0, ge=0)
    slow_delay_seconds: float = Field(default=15.0, ge=0, description="test-slow hold time")
    retry_after_seconds: float = Field(default=1.0, gt=0, description="test-429 Retry-After")
    starting_balance: int = Field(default=100_000, ge=0, description="USD cents")
    # Two sandboxes with different factors are two suppliers with different prices.
    price_factor: float = Field(
        default=1.0, gt=0, le=10, description="Multiplies every wholesale unit price"
    )
    state_file: Path | None = Field(default=None, description="JSON file that survives restarts")
    seed: int | None = Field(default=None, description="Fixes FX drift, codes and chance")

    @field_validator("webhook_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if not value:  # an empty SANDBOX_WEBHOOK_URL means "no webhooks"
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if not raw.startswith("whsec_"):
            raise ValueError("must start with 'whsec_'")
        try:
            key = base64.b64decode(raw.removeprefix("whsec_") + "==")
        except binascii.Error:
            key = b""
        if not key:
            raise ValueError("must be whsec_ followed by a base64 key")
        return value

    @model_validator(mode="after")
    def _check_latency(self) -> SandboxConfig:
        if self.latency_max_ms < self.latency_min_ms:
            raise ValueError("latency_max_ms must be >= latency_min_ms")
        return self
