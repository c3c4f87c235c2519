"""`GET /sandbox/events`: the live Server-Sent Events stream of what happens in the chats."""

from __future__ import annotations

import json

from aiohttp import web

from bot.sandbox.control_common import ControlError, sandbox_of

PING_INTERVAL = 15.0
routes = web.RouteTableDef()


def _int_query(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ControlError(400, f"{name} must be an integer") from None


@routes.get("/sandbox/events")
async def event_stream(request: web.Request) -> web.StreamResponse:
    sandbox = sandbox_of(request)
    log = sandbox.events
    user_id = _int_query(request, "user_id")
    bot_id = _int_query(request, "bot")
    # A browser's EventSource resends the last id it saw when it reconnects by itself.
    since = _int_query(request, "since")
    if since is None and request.headers.get("Last-Event-ID", "").isdigit():
        since = int(request.headers["Last-Event-ID"])
    seq = log.seq if since is None else since
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    # Sent at once so that a client knows it is subscribed before it acts.
    await response.write(b": connected\n\n")
    try:
        while not sandbox.closing.is_set():
            # A client that went away is noticed here, not only at the next ping.
            if request.transport is None or request.transport.is_closing():
                break
            # Taken together before any await: whatever is published while writing
            # has a higher seq and fires `wake`, so the next round picks it up.
            wake, top, batch = log.signal.current(), log.seq, log.after(seq, user_id, bot_id)
            for event in batch:
                line = json.dumps(event, ensure_ascii=False)
                await response.write(f"id: {event['seq']}\ndata: {line}\n\n".encode())
            seq = max(seq, top)
            if not await log.signal.wait(PING_INTERVAL, wake):
                await response.write(b": ping\n\n")
    except ConnectionResetError:
        pass
    return response
