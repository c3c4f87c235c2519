"""Messaging methods: send, edit and delete messages, documents, callback answers."""

from __future__ import annotations

import mimetypes
import secrets

from sandbox.telegram.entities import check_text, parse_text, validate_entities
from sandbox.telegram.errors import bad_request
from sandbox.telegram.keyboards import inline_markup
from sandbox.telegram.registry import Call, Upload, api_method
from sandbox.telegram.state import JSON, Chat, StoredFile, StoredMessage

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_TEXT_LIMIT = 200
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


@api_method("getMe")
async def get_me(call: Call) -> JSON:
    return {
        **call.bot.user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def message_text(call: Call, field: str = "text", entities_field: str = "entities") -> JSON:
    """`text`+`entities` (or caption fields) parsed and checked against Telegram's limits."""
    params = call.params
    raw = params.text(field) or ""
    text, entities = parse_text(
        raw, params.text("parse_mode"), validate_entities(params.json(entities_field))
    )
    if field == "text":
        check_text(
            text, limit=TEXT_LIMIT, empty="message text is empty", too_long="message is too long"
        )
    elif len(text) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    fields: JSON = {field: text} if text else {}
    if entities:
        fields[entities_field] = entities
    return fields


def target_chat(call: Call) -> Chat:
    if call.params.raw("chat_id") in (None, ""):
        raise bad_request("chat_id is empty")
    return call.sandbox.find_chat(call.bot, call.params.raw("chat_id"))


def sent(call: Call, chat: Chat, fields: JSON, invoice: JSON | None = None) -> JSON:
    """The new bot message, once its keyboard is valid and flood control lets it through."""
    if "reply_markup" not in fields:
        markup = inline_markup(call.params.json("reply_markup"))
        if markup is not None:
            fields["reply_markup"] = markup
    replied = _replied_message(call, chat)
    if replied is not None:
        fields["reply_to_message"] = replied
    call.sandbox.flood.check(call.bot.id, chat.user["id"])
    stored = call.sandbox.add_message(call.bot, chat, fields, from_bot=True, invoice=invoice)
    return stored.data


def _replied_message(call: Call, chat: Chat) -> JSON | None:
    reply = call.params.json("reply_parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        lenient = bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = call.params.integer("reply_to_message_id")
        lenient = call.params.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    target = chat.messages.get(int(message_id))
    if target is None:
        if lenient:
            return None
        raise bad_request("message to be replied not found")
    # Telegram does not nest replies more than one level deep.
    return {key: value for key, value in target.data.items() if key != "reply_to_message"}


@api_method("sendMessage")
async def send_message(call: Call) -> JSON:
    chat = target_chat(call)
    return sent(call, chat, message_text(call))


def _message_to_edit(call: Call) -> tuple[Chat, StoredMessage]:
    if call.params.raw("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = target_chat(call)
    message_id = call.params.integer("message_id")
    stored = chat.messages.get(message_id or 0)
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _apply_edit(call: Call, chat: Chat, stored: StoredMessage, fields: JSON) -> JSON:
    if all(stored.data.get(key) == value for key, value in fields.items()):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    call.sandbox.edit_message(call.bot, chat, stored, fields)
    return stored.data


@api_method("editMessageText")
async def edit_message_text(call: Call) -> JSON:
    chat, stored = _message_to_edit(call)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    fields: JSON = {"entities": None, **message_text(call)}
    # An edit without reply_markup removes the inline keyboard, as in Telegram.
    fields["reply_markup"] = inline_markup(call.params.json("reply_markup"))
    return _apply_edit(call, chat, stored, fields)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> JSON:
    chat, stored = _message_to_edit(call)
    fields = {"reply_markup": inline_markup(call.params.json("reply_markup"))}
    return _apply_edit(call, chat, stored, fields)


@api_method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = target_chat(call)
    message_id = call.params.required_integer("message_id")
    if chat.messages.pop(message_id, None) is None:
        raise bad_request("message to delete not found")
    call.sandbox.events.publish("delete", chat.user["id"], call.bot.id, message_id=message_id)
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    params = call.params
    query = call.bot.callback_queries.pop(params.required_text("callback_query_id"), None)
    if query is None:
        raise bad_request(QUERY_TOO_OLD)
    text = params.text("text")
    if text is not None and len(text) > CALLBACK_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    answer: JSON = {"text": text or None, "show_alert": params.flag("show_alert")}
    if not query.answer.done():
        query.answer.set_result(answer)
    call.sandbox.events.publish(
        "callback_answer",
        query.chat_id,
        call.bot.id,
        message_id=query.message_id,
        **answer,
    )
    return True


@api_method("sendDocument")
async def send_document(call: Call) -> JSON:
    chat = target_chat(call)
    document = _document(call, call.params.file("document"))
    fields: JSON = {"document": document}
    fields.update(message_text(call, "caption", "caption_entities"))
    return sent(call, chat, fields)


def _document(call: Call, source: Upload | str | None) -> JSON:
    files = call.sandbox.files
    if source is None:
        raise bad_request("there is no document in the request")
    if isinstance(source, str):
        if source.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = files.get(source)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        file_id = source
    else:
        if not source.content:
            raise bad_request("file must be non-empty")
        guessed, _ = mimetypes.guess_type(source.filename)
        file_id = "BQAC" + secrets.token_urlsafe(32)
        stored = StoredFile(
            content=source.content,
            file_name=source.filename,
            mime_type=guessed or source.content_type or "application/octet-stream",
            unique_id="AgAD" + secrets.token_urlsafe(8),
        )
        files[file_id] = stored
    return {
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_id": file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.content),
    }
