"""The user side of the sandbox: create users, send, press buttons, pay, read the chat."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from aiohttp import web

from sandbox.telegram.control_common import (
    ControlError,
    int_field,
    json_body,
    known_bot,
    sandbox_of,
    selected_bot,
    user_of,
)
from sandbox.telegram.entities import parse_text
from sandbox.telegram.keyboards import ACTIONS, CALLBACK_DATA_LIMIT, find_button
from sandbox.telegram.methods_messages import TEXT_LIMIT
from sandbox.telegram.payments import pay
from sandbox.telegram.state import JSON, BotState, Chat, PendingQuery, StoredMessage

routes = web.RouteTableDef()


@routes.post("/sandbox/users")
async def create_user(request: web.Request) -> web.Response:
    body = await json_body(request)
    user_id = int_field(body, "id")
    first_name = body.get("first_name")
    if user_id <= 0:
        raise ControlError(400, "id must be positive")
    if not isinstance(first_name, str) or not first_name.strip():
        raise ControlError(400, "first_name must be a non-empty string")
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    for key in ("last_name", "username", "language_code"):
        value = body.get(key, "en" if key == "language_code" else None)
        if value is not None:
            if not isinstance(value, str):
                raise ControlError(400, f"{key} must be a string")
            user[key] = value
    sandbox = sandbox_of(request)
    sandbox.users[user_id] = user
    for bot in sandbox.bots.values():
        if user_id in bot.chats:
            bot.chats[user_id].user = user
    return web.json_response(user)


@routes.get("/sandbox/users")
async def list_users(request: web.Request) -> web.Response:
    return web.json_response({"users": list(sandbox_of(request).users.values())})


@routes.post("/sandbox/users/{user_id}/send")
async def send(request: web.Request) -> web.Response:
    user = user_of(request)
    body = await json_body(request)
    text = body.get("text")
    if not isinstance(text, str):
        raise ControlError(400, "text must be a string")
    plain, entities = parse_text(text, None, None)
    if not plain or len(plain) > TEXT_LIMIT:
        raise ControlError(400, f"text must be 1-{TEXT_LIMIT} characters")
    sandbox, bot = sandbox_of(request), selected_bot(request)
    chat = sandbox.chat_for(bot, user["id"])
    fields: JSON = {"text": plain}
    if entities:
        fields["entities"] = entities
    message = sandbox.add_message(bot, chat, fields, from_bot=False)
    update_id = bot.push_update("message", message.data)
    return web.json_response({"message_id": message.data["message_id"], "update_id": update_id})


def _message(bot: BotState, user_id: int, body: JSON) -> tuple[Chat, StoredMessage]:
    message_id = int_field(body, "message_id")
    chat = bot.chats.get(user_id)
    stored = chat.messages.get(message_id) if chat else None
    if chat is None or stored is None:
        raise ControlError(404, f"message {message_id} not found in the chat")
    return chat, stored


@routes.post("/sandbox/users/{user_id}/press")
async def press(request: web.Request) -> web.Response:
    user = user_of(request)
    body = await json_body(request)
    sandbox, bot = sandbox_of(request), selected_bot(request)
    chat, stored = _message(bot, user["id"], body)
    data, text = body.get("data"), body.get("text")
    if not isinstance(data, str | None) or not isinstance(text, str | None) or data == text:
        raise ControlError(400, "give the button's data or its text")
    if body.get("forged") is True:
        # What a modified client can send: any callback_data on a message of the bot's.
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise ControlError(400, f"forged data must be 1-{CALLBACK_DATA_LIMIT} bytes")
        button: JSON | None = {"callback_data": data}
    else:
        button = find_button(stored.data.get("reply_markup"), data=data, text=text)
    if button is None:
        raise ControlError(400, f"no such button on message {stored.data['message_id']}")
    if "callback_data" not in button:
        kind = next((a for a in ACTIONS if a in button), "unknown")
        hint = " (pay an invoice with /pay)" if kind == "pay" else ""
        raise ControlError(400, f"a {kind} button does not send a callback query{hint}")
    query_id = str(secrets.randbits(63))
    query = PendingQuery(chat_id=user["id"], message_id=stored.data["message_id"])
    bot.callback_queries[query_id] = query
    # Stable per chat, as Telegram's chat_instance is.
    instance = hashlib.sha256(f"{bot.id}:{user['id']}".encode()).hexdigest()[:16]
    update_id = bot.push_update(
        "callback_query",
        {
            "id": query_id,
            "from": chat.user,
            "message": stored.data,
            "chat_instance": str(int(instance, 16) >> 1),
            "data": button["callback_data"],
        },
    )
    try:
        async with asyncio.timeout(sandbox.config.callback_answer_timeout):
            answer: JSON | None = await asyncio.shield(query.answer)
    except TimeoutError:
        answer = None
    return web.json_response({"update_id": update_id, "answer": answer["text"] if answer else None})


@routes.post("/sandbox/updates/{update_id}/redeliver")
async def redeliver(request: web.Request) -> web.Response:
    """Deliver an update again (a lost getUpdates confirmation): `{"update_id"}` of the copy."""
    bot = selected_bot(request)
    try:
        update_id = bot.redeliver(int(request.match_info["update_id"]))
    except (KeyError, ValueError):
        raise ControlError(404, "no such update in the recent history") from None
    return web.json_response({"update_id": update_id})


@routes.post("/sandbox/users/{user_id}/pay")
async def pay_invoice(request: web.Request) -> web.Response:
    user = user_of(request)
    body = await json_body(request)
    sandbox, bot = sandbox_of(request), selected_bot(request)
    result = await pay(sandbox, bot, user["id"], int_field(body, "message_id"))
    return web.json_response(result)


@routes.get("/sandbox/users/{user_id}/chat")
async def chat_transcript(request: web.Request) -> web.Response:
    user = user_of(request)
    sandbox = sandbox_of(request)
    # Taken first: `since=last_seq` on the event stream then misses nothing after this read.
    last_seq = sandbox.events.seq
    bot = known_bot(request)
    chat = bot.chats.get(user["id"]) if bot else None
    messages = [stored.view() for stored in chat.messages.values()] if chat else []
    return web.json_response(
        {"messages": messages, "last_seq": last_seq, "instance": sandbox.instance}
    )
