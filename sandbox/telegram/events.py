"""`GET /sandbox/events`: the live Server-Sent Events stream of what happens in the chats."""

from __future__ import annotations

from aiohttp import web

from sandbox.telegram.control_common import ControlError, sandbox_of

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
    # Subscribed before the first await: nothing published from here on is missed.
    subscription = log.subscribe(user_id, bot_id, since)
    try:
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
        while not sandbox.closing.is_set() and not subscription.closed:
            batch = await subscription.next_batch(PING_INTERVAL)
            # A client that went away is noticed here, not only at the next failed write.
            if request.transport is None or request.transport.is_closing():
                break
            if batch is None:
                await response.write(b": ping\n\n")
            elif batch:
                await response.write(b"".join(event.frame() for event in batch))
    except ConnectionResetError:
        pass
    finally:
        log.unsubscribe(subscription)
    return response
