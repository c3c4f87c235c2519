"""The bot's own settings: command lists per scope and language, and the menu button."""

from __future__ import annotations

import json
import re

from sandbox.telegram.errors import bad_request
from sandbox.telegram.registry import Call, api_method
from sandbox.telegram.state import JSON

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def _scope_key(call: Call) -> str:
    scope = call.params.json("scope") or {"type": "default"}
    return json.dumps([scope, call.params.text("language_code") or ""], sort_keys=True)


@api_method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.params.json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    cleaned: list[JSON] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    call.bot.commands[_scope_key(call)] = cleaned
    return True


@api_method("getMyCommands")
async def get_my_commands(call: Call) -> list[JSON]:
    return call.bot.commands.get(_scope_key(call), [])


@api_method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(_scope_key(call), None)
    return True


@api_method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    chat_id = call.params.integer("chat_id")
    if chat_id is not None:
        call.sandbox.find_chat(call.bot, chat_id)
    button = call.params.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in {"commands", "web_app", "default"}:
        raise bad_request("can't parse menu button JSON object")
    call.bot.menu_buttons[chat_id] = button
    return True
