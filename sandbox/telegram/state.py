"""The sandbox's world: bots, users, private chats, messages, update queues and events.

Pure bookkeeping; the HTTP layers (bot_api, control) translate requests into these calls.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.telegram.config import TelegramSandboxConfig
from sandbox.telegram.errors import bad_request
from sandbox.telegram.event_log import EventLog
from sandbox.telegram.flood import FaultInjector, FloodControl
from sandbox.telegram.update_queue import Signal, UpdateQueue, update_ids

if TYPE_CHECKING:
    import aiohttp

JSON = dict[str, Any]
# What Telegram sends when a bot never said otherwise: all but these three.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class StoredMessage:
    data: JSON
    from_bot: bool
    # The sendInvoice parameters, kept for pre_checkout_query and successful_payment.
    invoice: JSON | None = None
    paid_charge_id: str | None = None

    def view(self) -> JSON:
        """The message for the control API: the Bot API's shape plus the sandbox's own fields."""
        view = {**self.data, "from_bot": self.from_bot}
        if self.invoice is not None:
            # So that a chat read again (a page reload) shows a paid invoice as paid.
            view["paid"] = self.paid_charge_id is not None
        return view


@dataclass
class Chat:
    user: JSON
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1

    def as_chat(self) -> JSON:
        chat: JSON = {"id": self.user["id"], "first_name": self.user["first_name"]}
        for key in ("last_name", "username"):
            if key in self.user:
                chat[key] = self.user[key]
        chat["type"] = "private"
        return chat


@dataclass
class WebhookState:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class PendingQuery:
    """A callback or pre-checkout query the bot has not answered yet."""

    chat_id: int
    message_id: int
    answer: asyncio.Future[JSON] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass
class Charge:
    user_id: int
    amount: int
    payload: str
    refunded: bool = False


HISTORY_SIZE = 1000


@dataclass
class BotState:
    id: int
    # None until the bot calls the Bot API: its updates are queued for it meanwhile.
    token: str | None
    user: JSON
    chats: dict[int, Chat] = field(default_factory=dict)
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    update_ids: itertools.count[int] = field(default_factory=update_ids)
    updates_signal: Signal = field(default_factory=Signal)
    allowed_updates: list[str] | None = None
    webhook: WebhookState | None = None
    webhook_task: asyncio.Task[None] | None = None
    # The getUpdates call currently allowed to wait; an older one is told it was terminated.
    poller: object | None = None
    commands: dict[str, list[JSON]] = field(default_factory=dict)
    menu_buttons: dict[int | None, JSON] = field(default_factory=dict)
    callback_queries: dict[str, PendingQuery] = field(default_factory=dict)
    pre_checkout_queries: dict[str, PendingQuery] = field(default_factory=dict)
    charges: dict[str, Charge] = field(default_factory=dict)
    transactions: list[JSON] = field(default_factory=list)
    invoice_links: dict[str, JSON] = field(default_factory=dict)
    # Recent updates, delivered or not, so a test can have one delivered again.
    history: deque[JSON] = field(default_factory=lambda: deque(maxlen=HISTORY_SIZE))

    def push_update(self, kind: str, payload: JSON) -> int:
        """Queue an update unless the bot's allowed_updates excludes its kind (then 0)."""
        allowed = self.webhook.allowed_updates if self.webhook else self.allowed_updates
        wanted = kind in allowed if allowed else kind not in DEFAULT_EXCLUDED_UPDATES
        if not wanted:
            return 0
        update_id = next(self.update_ids)
        # A snapshot: later edits of the message must not change an undelivered update.
        update = {"update_id": update_id, kind: copy.deepcopy(payload)}
        self.updates.append(update)
        self.history.append(update)
        self.updates_signal.fire()
        return update_id

    def redeliver(self, update_id: int) -> int:
        """Deliver an earlier update again under a new id, as Telegram does when a bot's
        confirmation was lost (a crash between handling an update and the next getUpdates)."""
        for update in self.history:
            if update["update_id"] == update_id:
                kind = next(key for key in update if key != "update_id")
                return self.push_update(kind, update[kind])
        raise KeyError(update_id)

    @property
    def connected(self) -> bool:
        """Whether the bot has called the Bot API (with its token) since the sandbox started."""
        return self.token is not None

    def reset(self) -> None:
        self.chats.clear()
        self.updates.clear()
        self.charges.clear()
        self.transactions.clear()
        self.invoice_links.clear()
        # Whoever waits on a pending query gets a plain "no" rather than a cancellation.
        for query in self.callback_queries.values():
            if not query.answer.done():
                query.answer.set_result({"text": None, "show_alert": False})
        for query in self.pre_checkout_queries.values():
            if not query.answer.done():
                query.answer.set_result({"ok": False, "error_message": "sandbox reset"})
        self.callback_queries.clear()
        self.pre_checkout_queries.clear()


@dataclass
class StoredFile:
    content: bytes
    file_name: str
    mime_type: str
    unique_id: str


class Sandbox:
    """Everything the sandbox knows; one per running server."""

    def __init__(self, config: TelegramSandboxConfig) -> None:
        self.config = config
        self.bots: dict[int, BotState] = {}
        self.users: dict[int, JSON] = {}
        self.files: dict[str, StoredFile] = {}
        self.events = EventLog(config.event_history)
        self.flood = FloodControl(config)
        self.faults = FaultInjector()
        self.last_bot_id: int | None = None
        # New at every start: a client that sees it change knows the sandbox restarted
        # (its users, chats and event seqs are gone) rather than merely reconnected.
        self.instance = secrets.token_hex(8)
        for bot_id in config.bot_ids:
            self.bot_by_id(bot_id)
        self.closing = asyncio.Event()
        # Set by the app's cleanup context; webhook delivery posts through it.
        self.http: aiohttp.ClientSession | None = None

    def bot_for_token(self, bot_id: int, token: str) -> BotState | None:
        """The bot a token names, registered on first use; None if the id has another token.

        A bot known only by its id (users wrote to it before it connected) takes the first
        token that names that id, and with it the updates queued for it.
        """
        bot = self.bot_by_id(bot_id)
        if bot.token is None:
            bot.token = token
        elif bot.token != token:
            return None
        self.last_bot_id = bot_id
        return bot

    def bot_by_id(self, bot_id: int) -> BotState:
        """The bot with this id; one not seen yet is added, offline, so updates queue for it."""
        bot = self.bots.get(bot_id)
        if bot is None:
            user = {
                "id": bot_id,
                "is_bot": True,
                "first_name": f"Sandbox Bot {bot_id}",
                "username": f"sandbox_{bot_id}_bot",
            }
            bot = BotState(
                id=bot_id, token=None, user=user, updates=UpdateQueue(self.config.update_ttl)
            )
            self.bots[bot_id] = bot
        return bot

    def find_chat(self, bot: BotState, chat_id: Any) -> Chat:
        """The private chat a Bot API call names; every sandbox user has one with every bot."""
        try:
            user_id = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if user_id not in self.users:
            raise bad_request("chat not found")
        return self.chat_for(bot, user_id)

    def chat_for(self, bot: BotState, user_id: int) -> Chat:
        chat = bot.chats.get(user_id)
        if chat is None:
            chat = bot.chats[user_id] = Chat(user=self.users[user_id])
        return chat

    def add_message(
        self,
        bot: BotState,
        chat: Chat,
        fields: JSON,
        *,
        from_bot: bool,
        invoice: JSON | None = None,
    ) -> StoredMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: JSON = {
            "message_id": message_id,
            "from": bot.user if from_bot else chat.user,
            "chat": chat.as_chat(),
            "date": int(time.time()),
            **fields,
        }
        stored = StoredMessage(data=data, from_bot=from_bot, invoice=invoice)
        chat.messages[message_id] = stored
        self.events.publish("message", chat.user["id"], bot.id, message=stored.view())
        return stored

    def edit_message(self, bot: BotState, chat: Chat, stored: StoredMessage, fields: JSON) -> None:
        stored.data.update(fields)
        for key in [k for k, v in fields.items() if v is None]:
            del stored.data[key]
        stored.data["edit_date"] = int(time.time())
        self.events.publish("edit", chat.user["id"], bot.id, message=stored.view())

    def wake_all(self) -> None:
        for bot in self.bots.values():
            bot.updates_signal.fire()
        self.events.close_all()

    def reset(self) -> None:
        self.users.clear()
        for bot in self.bots.values():
            bot.reset()
        self.faults.clear()
        self.events.clear()
