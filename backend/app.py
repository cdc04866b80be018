"""create_app(settings): the Starlette app, its routes, and the resources its lifespan owns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from backend.accesslog import AccessLog
from backend.auth import CustomerAuth
from backend.devices import FLUSH_EVERY_S, DeviceDirectory
from backend.doorbell import Doorbell, connect_options
from backend.escalation_engine import EscalationEngine
from backend.escalation_sender import EscalationSender
from backend.gc_policy import GcPolicy, keep_collections_short
from backend.hub import Dispatcher, Hub, sendable
from backend.merchant import build_opener, merchant_config, merchant_credentials, verifier_keys
from backend.metrics import Metrics
from backend.presence import PresenceBoard
from backend.recent import RecentEvents
from backend.reconcile import Reconciler, Schedule
from backend.routes import admin, health, notify, presence, stream, user
from backend.routes import metrics as metrics_route
from backend.routes import stats as stats_route
from backend.routes.common import Services, error
from backend.routes.failures import OneLineFailures
from backend.settings import Settings
from backend.store import (
    Database,
    default_database_url,
    events_since,
    last_event_id,
    oldest_event_id,
    probe_writes,
    prune_events,
    revoked_token_ids,
)
from backend.store import migrate_async as run_migrations
from backend.store.errors import report_failure
from backend.wechatpay import WeChatPayApi
from backend.write_probe import WriteProbe
from orderbell_protocol import Event

log = logging.getLogger(__name__)

DISPATCH_PAGE = 1000
# The dispatcher also reads the log this often, in case a hand-over or a notification was lost.
SAFETY_POLL_S = 5.0
# /healthz writes at most once a second, and calls writes stalled after two seconds without a
# commit (a payment is recorded in milliseconds; SQLite gives up on a held lock after five).
WRITE_PROBE_EVERY_S = 1.0
WRITE_PROBE_TIMEOUT_S = 2.0
# How often an SQLite file's WAL is checkpointed off the commit path (see Database.checkpoint).
CHECKPOINT_EVERY_S = 1.0
PRUNE_EVERY_S = 3600.0
# Published events kept in memory for replays (a few MiB): minutes of a busy chain's traffic.
RECENT_EVENTS = 5000
# Shutdown must not hang on a database that stopped answering; unsaved sightings are only
# last_seen_at stamps.
FINAL_FLUSH_TIMEOUT_S = 5.0


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    migrate: bool = True,
    gc_policy: GcPolicy | None = None,
    safety_poll_s: float = SAFETY_POLL_S,
    write_probe_timeout_s: float = WRITE_PROBE_TIMEOUT_S,
) -> Starlette:
    """The OrderBell server app; configuration problems raise ConfigError before it starts.

    ``gc_policy`` takes over the process's garbage collector while the app runs (see
    ``backend.gc_policy``): for the server process, not for tests or the desktop's demo.
    ``safety_poll_s`` is how often the dispatcher reads the log without being told to;
    ``write_probe_timeout_s`` how long ``/healthz`` waits for its write to commit.
    """
    keys = verifier_keys(settings)
    opener = build_opener(settings, clock, keys)
    credentials = merchant_credentials(settings)
    hub = Hub(settings.ws_queue_limit)
    url = settings.database_url or default_database_url()
    metrics = Metrics()
    metrics.watch_connections(lambda: hub.connection_count)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if migrate:
            await run_migrations(url)
        db = Database(url)
        # Revocations are watched from before the tokens are read, so none falls in between.
        revocations_since = datetime.fromtimestamp(clock(), UTC)
        devices = DeviceDirectory(db)
        log.info("loaded %s live device token(s)", await devices.load())

        async def read_after(after_id: int) -> list[Event]:
            return await events_since(db, after_id, DISPATCH_PAGE)

        await _prune(db, settings.event_retention_days, clock, None)
        last_id = await last_event_id(db)
        recent = await _recent_events(db, last_id)
        # Who this process is to the other instances: presence rows and outbox claims.
        instance_id = uuid.uuid4().hex
        counters = PresenceBoard(db, hub, instance_id, clock)
        sender = EscalationSender(
            db, instance_id, settings.zone, clock, observer=metrics.escalation_attempt
        )
        engine = EscalationEngine(db, counters, settings.zone, clock, sender.ring)
        dispatcher = Dispatcher(
            hub,
            read_after,
            last_id,
            poll_s=safety_poll_s,
            page_size=DISPATCH_PAGE,
            recent=recent,
            observe=engine.observe,
        )
        # From here on every committed event reaches the counters without any route's help.
        db.publish_to(_counted(metrics, dispatcher), in_flight=dispatcher)
        db.time_transactions(metrics.transaction)
        reconciler = None
        api_client = None
        if credentials is None:
            log.info(
                "reconciliation off: ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE is not set, so a paid "
                "order whose notification is lost is not found, and unpaid orders stay pending"
            )
        else:
            api_client = httpx.AsyncClient(base_url=settings.wechatpay_api_url)
            api = WeChatPayApi(
                api_client, credentials, keys, clock=clock, mode=settings.wechatpay_mode
            )
            schedule = Schedule(settings.reconcile_after_s, settings.order_expire_s)
            reconciler = Reconciler(
                db,
                api,
                merchant_config(settings),
                schedule,
                clock,
                zone=settings.zone,
                observer=metrics.reconciliation_pass,
            )
            log.info(
                "reconciliation on: unpaid orders are queried at %s from %g s after submission "
                "and closed and cancelled after %g s",
                settings.wechatpay_api_url,
                schedule.after_s,
                schedule.expire_s,
            )

        async def probe() -> int:
            return await probe_writes(db, datetime.fromtimestamp(clock(), UTC))

        write_probe = WriteProbe(
            probe, clock, every_s=WRITE_PROBE_EVERY_S, timeout_s=write_probe_timeout_s
        )
        app.state.services = Services(
            settings=settings,
            db=db,
            devices=devices,
            hub=hub,
            dispatcher=dispatcher,
            opener=opener,
            customers=CustomerAuth(settings.user_jwt_secret),
            clock=clock,
            metrics=metrics,
            presence=counters,
            reconciler=reconciler,
            write_probe=write_probe,
        )
        app.state.escalation = engine
        app.state.escalation_sender = sender
        tasks = [
            asyncio.create_task(dispatcher.run(), name="orderbell-dispatcher"),
            asyncio.create_task(
                _prune_forever(db, settings.event_retention_days, clock, recent),
                name="orderbell-prune",
            ),
            asyncio.create_task(
                _drop_revoked_forever(
                    db, hub, devices, settings.revocation_check_s, clock, revocations_since
                ),
                name="orderbell-revocations",
            ),
            asyncio.create_task(
                devices.flush_forever(FLUSH_EVERY_S, clock), name="orderbell-last-seen"
            ),
            asyncio.create_task(counters.run(), name="orderbell-presence"),
            asyncio.create_task(engine.run(), name="orderbell-escalation"),
            asyncio.create_task(sender.run(), name="orderbell-escalation-sender"),
        ]
        if db.is_sqlite:
            tasks.append(
                asyncio.create_task(
                    _checkpoint_forever(db, CHECKPOINT_EVERY_S), name="orderbell-checkpoint"
                )
            )
        if db.is_postgres:
            # Other instances commit events too: the database rings this one's dispatcher.
            doorbell = Doorbell(connect_options(db.engine), dispatcher)
            tasks.append(asyncio.create_task(doorbell.run(), name="orderbell-doorbell"))
        if reconciler is not None:
            tasks.append(asyncio.create_task(reconciler.run_forever(), name="orderbell-reconcile"))
        if gc_policy is not None:
            tasks.append(
                asyncio.create_task(keep_collections_short(gc_policy), name="orderbell-gc")
            )
        try:
            yield
        finally:
            hub.close_all()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await write_probe.close()
            await _final_flush(devices, clock)
            if api_client is not None:
                await api_client.aclose()
            await _leave(counters)
            await db.dispose()

    routes = [
        Route("/user/order/submit", user.submit, methods=["POST"]),
        Route("/user/order/reminder/{id:int}", user.reminder, methods=["GET", "POST"]),
        Route("/user/order/{id:int}", user.order, methods=["GET"]),
        Route("/notify/paySuccess", notify.pay_success, methods=["POST"]),
        Route("/notify/refundSuccess", notify.refund_success, methods=["POST"]),
        Route("/admin/orders", admin.orders, methods=["GET"]),
        Route("/admin/orders/{id:int}", admin.order_detail, methods=["GET"]),
        Route("/admin/orders/{id:int}/accept", admin.accept, methods=["PUT"]),
        Route("/admin/orders/{id:int}/reject", admin.reject, methods=["PUT"]),
        Route("/admin/stats", stats_route.stats, methods=["GET"]),
        Route("/admin/orders/{id:int}/reminder-reply", admin.reminder_reply, methods=["PUT"]),
        Route("/admin/presence", presence.shop_presence, methods=["GET"]),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/metrics", metrics_route.metrics, methods=["GET"]),
        WebSocketRoute("/ws/{sid}", stream.stream),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(AccessLog), Middleware(OneLineFailures)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.hub = hub
    app.state.metrics = metrics
    return app


def _counted(metrics: Metrics, dispatcher: Dispatcher) -> Callable[[Event], None]:
    """The commit listener: count the event (once, by the instance that committed it), publish."""

    def committed(event: Event) -> None:
        metrics.event_committed(event.type)
        dispatcher.committed(event)

    return committed


async def _recent_events(db: Database, last_id: int) -> RecentEvents:
    """The log's latest events, so counters reconnecting after a restart replay from memory."""
    # Below the oldest kept event the log was pruned: those cursors get the 'partial' answer.
    boundary = max(0, last_id - RECENT_EVENTS, await oldest_event_id(db) - 1)
    recent = RecentEvents(RECENT_EVENTS, boundary)
    for event in await events_since(db, boundary, RECENT_EVENTS):
        if sendable(event):
            recent.add(event)
    return recent


async def _drop_revoked_forever(
    db: Database,
    hub: Hub,
    devices: DeviceDirectory,
    every_s: float,
    clock: Callable[[], float],
    since: datetime,
) -> None:
    """Refuse tokens revoked since the last look and close their live streams.

    Any process may revoke; each instance finds the revocation here within ``every_s``.
    """
    while True:
        await asyncio.sleep(every_s)
        # Overlap the windows a little: a revocation committed as we looked is not missed.
        looked_at = datetime.fromtimestamp(clock(), UTC) - timedelta(seconds=every_s)
        try:
            revoked = await revoked_token_ids(db, since)
        except Exception as exc:
            report_failure(log, "checking for revoked device tokens failed; trying again", exc)
            continue
        since = max(since, looked_at)
        # Forgotten first: a counter that is closed and reconnects at once is refused.
        devices.forget(revoked)
        if revoked and (dropped := hub.drop_devices(revoked)):
            log.info("closed %s stream(s) of revoked device tokens (4401)", dropped)


async def _final_flush(devices: DeviceDirectory, clock: Callable[[], float]) -> None:
    """Record the last sightings before the database goes; a failure is logged, not raised."""
    try:
        async with asyncio.timeout(FINAL_FLUSH_TIMEOUT_S):
            await devices.flush(datetime.fromtimestamp(clock(), UTC))
    except Exception as exc:
        report_failure(log, "recording when device tokens were last seen failed at shutdown", exc)


async def _leave(counters: PresenceBoard) -> None:
    """This instance's counters stop counting now; a failure leaves them to expire."""
    try:
        async with asyncio.timeout(FINAL_FLUSH_TIMEOUT_S):
            await counters.stop()
    except Exception:
        log.exception("removing this instance's counters from the presence table failed")


async def _checkpoint_forever(db: Database, every_s: float) -> None:
    """Checkpoint an SQLite file's WAL on a timer, so no payment's commit has to."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await db.checkpoint()
        except Exception as exc:
            report_failure(log, "checkpointing the database failed; trying again", exc)


async def _prune_forever(
    db: Database, keep_days: int, clock: Callable[[], float], recent: RecentEvents
) -> None:
    """Apply the event-log retention every hour (start-up applies it once before this)."""
    while True:
        await asyncio.sleep(PRUNE_EVERY_S)
        await _prune(db, keep_days, clock, recent)


async def _prune(
    db: Database, keep_days: int, clock: Callable[[], float], recent: RecentEvents | None
) -> None:
    """Prune the log, and forget in memory what the log no longer has (replays match the log)."""
    cutoff = datetime.fromtimestamp(clock(), UTC) - timedelta(days=keep_days)
    try:
        removed = await prune_events(db, before=cutoff)
        if removed and recent is not None:
            recent.forget_before(await oldest_event_id(db))
    except Exception as exc:
        report_failure(log, "pruning the event log failed; trying again in an hour", exc)
    else:
        if removed:
            log.info("pruned %s events older than %s days", removed, keep_days)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "error"
    return error(status, "NOT_FOUND" if status == 404 else "HTTP_ERROR", str(detail))
