"""The naive peer: a dict of sockets and a send loop, as tutorials and Sky Take-out's server do.

``POST /publish`` sends the body to every client in turn and answers once all sends are done,
like Sky Take-out's ``sendToAllClient``. Served with OrderBell's own uvicorn transport settings
(``backend.server.server_config``: its WebSocket protocol, uvloop, no permessage-deflate), so only
the broadcast design differs.
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from backend.server import server_config
from backend.settings import load_settings, read_environment


def create_app() -> Starlette:
    """The naive broadcast server."""
    clients: dict[str, WebSocket] = {}

    async def endpoint(websocket: WebSocket) -> None:
        sid = websocket.path_params["sid"]
        await websocket.accept()
        clients[sid] = websocket
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            clients.pop(sid, None)

    async def publish(request: Request) -> Response:
        message = (await request.body()).decode()
        for websocket in list(clients.values()):
            await websocket.send_text(message)
        return Response(status_code=204)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/publish", publish, methods=["POST"]),
            Route("/healthz", healthz),
            WebSocketRoute("/ws/{sid}", endpoint),
        ]
    )


def main() -> None:
    """``python -m benchmarks.peers.naive_starlette --port N``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Its connection caps from the environment, as the benchmark sets them for OrderBell too.
    settings = load_settings(read_environment(os.environ), require_merchant=False)
    config = server_config(create_app(), settings, "127.0.0.1", args.port)
    config.access_log = False
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
