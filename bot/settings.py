"""Settings of the bot, read from the environment and `.env` (names fixed by DESIGN.md)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.services.held_thresholds import parse_held_alert

TOKEN_PATTERN = r"^\d{1,20}:[A-Za-z0-9_-]{30,}$"
SUPPORTED_CURRENCIES = ("XTR", "USD")
WEBHOOK_SECRET_PATTERN = r"[A-Za-z0-9_-]{1,256}"  # what Telegram accepts as secret_token


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    bot_token: SecretStr = Field(alias="BOT_TOKEN", description="token from @BotFather")
    telegram_api_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://api.telegram.org"),
        alias="TELEGRAM_API_URL",
        description="Bot API server (the Telegram sandbox in development)",
    )
    telegram_test_env: bool = Field(
        default=False, alias="TELEGRAM_TEST_ENV", description="use Telegram's test environment"
    )
    webhook_url: AnyHttpUrl | None = Field(
        default=None, alias="BOT_WEBHOOK_URL", description="public URL for updates; unset = polling"
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        alias="BOT_WEBHOOK_SECRET",
        description="X-Telegram-Bot-Api-Secret-Token value (1-256 of A-Z a-z 0-9 _ -)",
    )
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="ADMIN_IDS", description="comma-separated Telegram user ids"
    )
    http_host: str = Field(default="127.0.0.1", alias="HTTP_HOST", description="HTTP bind address")
    http_port: int = Field(
        default=8080, ge=0, le=65535, alias="HTTP_PORT", description="/health, /metrics, webhooks"
    )
    payment_currency: str = Field(
        default="XTR", alias="PAYMENT_CURRENCY", description="XTR (Telegram Stars) or USD"
    )
    payment_provider_token: SecretStr | None = Field(
        default=None, alias="PAYMENT_PROVIDER_TOKEN", description="needed for non-XTR currencies"
    )
    star_usd_rate: Decimal = Field(
        default=Decimal("0.013"), gt=0, alias="STAR_USD_RATE", description="USD value of one Star"
    )
    markup_percent: Decimal = Field(
        default=Decimal("10"), ge=0, le=500, alias="MARKUP_PERCENT", description="over wholesale"
    )
    low_balance_alert: Decimal = Field(
        default=Decimal("100"),
        ge=0,
        alias="LOW_BALANCE_ALERT",
        description="alert admins below this supplier balance (account currency)",
    )
    held_stock_alert: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict,
        alias="HELD_STOCK_ALERT",
        description="alert admins below this many held codes: N, SKU=N,... (empty: off)",
    )
    default_language: Literal["en", "ru"] = Field(
        default="en", alias="DEFAULT_LANGUAGE", description="for users whose language we lack"
    )
    catalog_sync_minutes: int = Field(
        default=30, ge=1, le=1440, alias="CATALOG_SYNC_MINUTES", description="catalog refresh"
    )
    throttle_per_second: Decimal = Field(
        default=Decimal("3"), gt=0, alias="THROTTLE_PER_SECOND", description="updates per user"
    )
    purchases_per_minute: int = Field(
        default=5, ge=1, alias="PURCHASES_PER_MINUTE", description="invoices per user per minute"
    )
    # Past these in its state an order goes to needs_attention: the customer is told it is
    # being handled, and every admin is alerted.
    ordering_sla_minutes: int = Field(
        default=15, ge=1, alias="ORDERING_SLA_MINUTES", description="placing a supplier order"
    )
    pending_sla_minutes: int = Field(
        default=60, ge=1, alias="PENDING_SLA_MINUTES", description="waiting for the supplier"
    )
    refund_sla_minutes: int = Field(
        default=30, ge=1, alias="REFUND_SLA_MINUTES", description="a Stars refund to go through"
    )
    refund_due_sla_hours: int = Field(
        default=48, ge=1, alias="REFUND_DUE_SLA_HOURS", description="an admin's card refund"
    )

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(TOKEN_PATTERN, value.get_secret_value()):
            raise ValueError("must look like 123456789:AA... (as @BotFather gives it)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
            except ValueError:
                raise ValueError("must be comma-separated numeric user ids") from None
        return value

    @field_validator("held_stock_alert", mode="before")
    @classmethod
    def _held_thresholds(cls, value: object) -> object:
        return parse_held_alert(value) if isinstance(value, str) else value

    @field_validator("payment_currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        value = value.upper()
        # Prices are converted from the supplier's USD; other currencies need FX rates
        # we do not have yet.
        if value not in SUPPORTED_CURRENCIES:
            raise ValueError("must be XTR (Telegram Stars) or USD")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(WEBHOOK_SECRET_PATTERN, value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @model_validator(mode="after")
    def _secret_for_webhook(self) -> BotSettings:
        # Without it anyone who learns the URL could post forged updates (payments too).
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError("BOT_WEBHOOK_SECRET: required when BOT_WEBHOOK_URL is set")
        return self

    @model_validator(mode="after")
    def _provider_token_for_fiat(self) -> BotSettings:
        if self.payment_currency != "XTR" and self.payment_provider_token is None:
            raise ValueError("PAYMENT_PROVIDER_TOKEN: required when PAYMENT_CURRENCY is not XTR")
        return self
