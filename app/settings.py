"""Loading settings: every failure becomes one ConfigError line naming the setting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsError

from app.errors import ConfigError
from bot.settings import BotSettings
from storage.settings import StorageSettings
from supplier.settings import SupplierSettings

S = TypeVar("S", bound=BaseSettings)


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Everything `giftbot run` reads: one settings class per package."""

    bot: BotSettings
    supplier: SupplierSettings
    storage: StorageSettings


def load_app_settings(
    *, bot: dict[str, Any] | None = None, supplier: dict[str, Any] | None = None
) -> AppSettings:
    return AppSettings(
        bot=load_settings(BotSettings, **(bot or {})),
        supplier=load_settings(SupplierSettings, **(supplier or {})),
        storage=load_settings(StorageSettings),
    )


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Read `cls` from the environment and `.env`; `overrides` (by alias) win over both."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(cls, exc)) from None
    except SettingsError as exc:
        # pydantic-settings could not even decode the raw value (e.g. bad JSON).
        raise ConfigError(str(exc)) from None


def _describe(cls: type[BaseSettings], exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = str(error["loc"][0]) if error["loc"] else ""
    field = next(
        (f for n, f in cls.model_fields.items() if loc in (n, f.alias)),
        None,
    )
    if field is None:  # a cross-field check: its message names the settings itself
        return str(error["msg"]).removeprefix("Value error, ")
    name = field.alias or loc.upper()
    if error["type"] == "missing":
        return f"{name}: required but not set"
    message = str(error["msg"]).removeprefix("Value error, ")
    secret = field.annotation is SecretStr or "SecretStr" in str(field.annotation)
    shown = "" if secret or "input" not in error else f" (got {error['input']!r})"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{name}: {message}{shown}{more}"


def describe_settings(settings: BaseSettings) -> list[tuple[str, str, str]]:
    """(name, value, meaning) for each setting, with secrets masked."""
    rows: list[tuple[str, str, str]] = []
    for field_name, field in type(settings).model_fields.items():
        value = getattr(settings, field_name)
        rows.append((field.alias or field_name.upper(), _show(value), field.description or ""))
    return rows


def _show(value: object) -> str:
    if isinstance(value, SecretStr):
        return "********" if value.get_secret_value() else "(empty)"
    if isinstance(value, list | tuple):
        return " ".join(_show(item) for item in value) or "(none)"
    if isinstance(value, frozenset | set):
        return ",".join(str(item) for item in sorted(value)) or "(none)"
    if value is None:
        return "(not set)"
    return str(value)
