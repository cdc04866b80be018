"""``GET /admin/presence``: which counters of the caller's shop are connected right now."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.routes.admin import counter_only
from backend.routes.common import services
from backend.store import DeviceToken


@counter_only
async def shop_presence(request: Request, device: DeviceToken) -> Response:
    """The device token's own shop only: how many counters, and which, since when."""
    counters = await services(request).presence.shop(device.shop_id)
    return JSONResponse(
        {
            "shopId": device.shop_id,
            "count": len(counters),
            "counters": [
                {
                    "deviceId": counter.device_id,
                    "name": counter.name,
                    "connections": counter.connections,
                    "connectedSince": counter.connected_since.isoformat(),
                    "lastPong": None
                    if counter.last_pong is None
                    else counter.last_pong.isoformat(),
                    "thisDevice": counter.device_id == device.id,
                }
                for counter in counters
            ],
        }
    )
