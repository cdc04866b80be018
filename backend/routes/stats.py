"""``GET /admin/stats``: a shop's acceptance figures by shop-local day, for its own counters."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.routes.admin import counter_only
from backend.routes.common import error, services
from backend.stats import StatsRangeError, check_range, daily_figures, day_bounds, local_day
from backend.store import DeviceToken, paid_order_times
from backend.validation import BadInput, query_day


@counter_only
async def stats(request: Request, device: DeviceToken) -> Response:
    """``GET /admin/stats?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both optional: today)."""
    svc = services(request)
    zone = svc.settings.zone
    now = svc.now()
    query = request.query_params
    try:
        first = query_day(query, "from") or local_day(now, zone)
        last = query_day(query, "to") or first
        check_range(first, last)
    except (BadInput, StatsRangeError) as exc:
        return error(400, "BAD_REQUEST", str(exc))
    start, end = day_bounds(first, last, zone)
    orders = await paid_order_times(svc.db, start=start, end=end, shop_id=device.shop_id)
    days = daily_figures(orders, first, last, zone, now, shops=[device.shop_id])
    return JSONResponse(
        {
            "shopId": device.shop_id,
            "timezone": svc.settings.timezone,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "days": [day.to_json() for day in days],
        }
    )
