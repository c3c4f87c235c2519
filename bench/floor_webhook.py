"""The floor for webhooks: a bare aiohttp handler that reads the body and answers 200.

    python -m bench.floor_webhook --port 8099

No verification, no storage: what any aiohttp listener costs on this machine.
Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse

from aiohttp import web


async def webhook(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"received": True, "duplicate": False})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app.router.add_post("/supplier/webhook", webhook)
    app.router.add_get("/health", health)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
