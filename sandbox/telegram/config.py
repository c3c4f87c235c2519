"""Settings of the Telegram sandbox: rate limits, payment deadline, webhook retries."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: `rate` sends per second on average, up to `burst` at once."""

    rate: float
    burst: int


@dataclass(slots=True)
class TelegramSandboxConfig:
    """Mutable on purpose: `POST /sandbox/config` changes flood control at runtime."""

    # Telegram asks bots to keep to about one message a second per chat (short bursts are
    # tolerated) and 30 a second overall; the sandbox answers 429 past that, as Telegram does.
    flood_limit: bool = True
    per_chat_limit: RateLimit = field(default_factory=lambda: RateLimit(rate=1.0, burst=5))
    global_limit: RateLimit = field(default_factory=lambda: RateLimit(rate=30.0, burst=30))
    # Telegram cancels a payment when the bot does not answer pre_checkout_query in 10 s.
    payment_answer_timeout: float = 10.0
    # How long `press` waits for answerCallbackQuery before it reports no answer.
    callback_answer_timeout: float = 10.0
    # Webhook delivery retries a failed POST after backoff, doubling up to the maximum.
    webhook_retry_initial: float = 0.5
    webhook_retry_max: float = 30.0
    webhook_timeout: float = 10.0
    # Longest getUpdates wait honoured, whatever `timeout` the bot asks for.
    max_polling_timeout: float = 50.0
    # Bots known from the start, offline until they call the Bot API: with one, the control
    # API (and the web chat) can write to it before it connects, with no `?bot=`.
    bot_ids: tuple[int, ...] = ()
    # Telegram keeps a bot's unfetched updates (also while it is offline) for 24 hours.
    update_ttl: float = 24 * 3600.0
    # Events kept for `GET /sandbox/events?since=`; older ones are dropped first.
    event_history: int = 10_000
