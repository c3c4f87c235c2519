"""The floor for bench/sandbox_events.py: the least a server must do to carry its traffic.

    python -m bench.sandbox_floor --port 8090

The same HTTP calls as the Telegram sandbox (send, chat, the event stream, getUpdates,
sendMessage), with nothing the Bot API asks for beyond moving the bytes: no validation, no
entities, no flood control, no history. Each user's stream gets its events pushed to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import defaultdict
from typing import Any

from aiohttp import web

JSON = dict[str, Any]


class Floor:
    def __init__(self) -> None:
        self.seq = 0
        self.update_id = 0
        self.updates: list[JSON] = []
        self.polled = asyncio.Event()
        self.chats: dict[int, list[JSON]] = defaultdict(list)
        # Kept whole: a run is bounded, and `since` replays from it.
        self.events: dict[int, list[JSON]] = defaultdict(list)
        self.streams: dict[int, set[asyncio.Queue[JSON]]] = defaultdict(set)

    def message(self, chat_id: int, text: str, from_bot: bool) -> JSON:
        chat = self.chats[chat_id]
        message = {"message_id": len(chat) + 1, "chat": {"id": chat_id}, "text": text}
        chat.append({**message, "from_bot": from_bot})
        self.seq += 1
        event = {"seq": self.seq, "type": "message", "chat_id": chat_id, "message": chat[-1]}
        self.events[chat_id].append(event)
        for queue in self.streams[chat_id]:
            queue.put_nowait(event)
        return message


async def create_user(request: web.Request) -> web.Response:
    return web.json_response(await request.json())


async def list_users(request: web.Request) -> web.Response:
    return web.json_response({"users": []})


async def send(request: web.Request) -> web.Response:
    floor: Floor = request.app["floor"]
    chat_id = int(request.match_info["user_id"])
    message = floor.message(chat_id, (await request.json())["text"], from_bot=False)
    floor.update_id += 1
    floor.updates.append({"update_id": floor.update_id, "message": message})
    floor.polled.set()
    return web.json_response({"message_id": message["message_id"], "update_id": floor.update_id})


async def chat(request: web.Request) -> web.Response:
    floor: Floor = request.app["floor"]
    messages = floor.chats[int(request.match_info["user_id"])]
    return web.json_response({"messages": messages, "last_seq": floor.seq})


async def events(request: web.Request) -> web.StreamResponse:
    floor: Floor = request.app["floor"]
    chat_id = int(request.query["user_id"])
    queue: asyncio.Queue[JSON] = asyncio.Queue()
    since = int(request.query.get("since") or floor.seq)
    for event in floor.events[chat_id]:
        if event["seq"] > since:
            queue.put_nowait(event)
    floor.streams[chat_id].add(queue)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    try:
        await response.prepare(request)
        await response.write(b": connected\n\n")
        while True:
            event = await queue.get()
            line = json.dumps(event)
            await response.write(f"id: {event['seq']}\ndata: {line}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        floor.streams[chat_id].discard(queue)
    return response


async def bot_api(request: web.Request) -> web.Response:
    floor: Floor = request.app["floor"]
    params = await request.json() if request.can_read_body else {}
    method = request.match_info["method"]
    if method == "getUpdates":
        offset = int(params.get("offset") or 0)
        floor.updates = [u for u in floor.updates if u["update_id"] >= offset]
        if not floor.updates:
            floor.polled.clear()
            try:
                async with asyncio.timeout(float(params.get("timeout") or 0)):
                    await floor.polled.wait()
            except TimeoutError:
                pass
        return web.json_response({"ok": True, "result": floor.updates[:100]})
    if method == "sendMessage":
        message = floor.message(int(params["chat_id"]), params["text"], from_bot=True)
        return web.json_response({"ok": True, "result": message})
    return web.json_response({"ok": True, "result": True})


def create_app() -> web.Application:
    app = web.Application()
    app["floor"] = Floor()
    app.router.add_post("/sandbox/users", create_user)
    app.router.add_get("/sandbox/users", list_users)
    app.router.add_post("/sandbox/users/{user_id}/send", send)
    app.router.add_get("/sandbox/users/{user_id}/chat", chat)
    app.router.add_get("/sandbox/events", events)
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(
        create_app(),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
        shutdown_timeout=1,
    )


if __name__ == "__main__":
    main()
