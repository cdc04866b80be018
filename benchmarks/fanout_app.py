"""OrderBell's real app plus a raw ``POST /publish`` trigger, for the fan-out comparison (B3, B4).

Counters connect to the real ``/ws/{sid}`` route (device-token auth, the real Hub, per-connection
mailboxes and writers) served by ``backend.server.make_server`` with OrderBell's transport
settings. Only the trigger differs from production: the body, a wire-protocol frame, is handed
straight to ``Hub.publish`` instead of being read back from the event log by the Dispatcher.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
from dataclasses import replace
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.app import create_app
from backend.gc_policy import GcPolicy
from backend.hub import Hub
from backend.server import make_server
from backend.settings import load_settings, read_environment
from orderbell_protocol import decode_event


def main() -> None:
    """``python -m benchmarks.fanout_app --env-file KIT_ENV --port N`` (database from the env)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env-file", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(read_environment(os.environ, args.env_file))
    app = create_app(settings, gc_policy=GcPolicy())  # as `orderbell-server serve` does
    hub: Hub = app.state.hub
    ids = itertools.count(1)

    async def publish(request: Request) -> Response:
        # Concurrent POSTs may be handled out of order; the Dispatcher always publishes in id
        # order, so number events as they arrive, as the event log would.
        event = decode_event(await request.body())
        hub.publish(replace(event, id=next(ids)))
        return Response(status_code=204)

    app.router.routes.append(Route("/publish", publish, methods=["POST"]))
    make_server(app, settings, "127.0.0.1", args.port).run()


if __name__ == "__main__":
    main()
