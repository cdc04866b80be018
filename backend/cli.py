"""The ``orderbell-server`` command: serve, migrate, prune, tokens, test kit, simulation, demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from backend.cli_escalation import add_commands as add_escalation_commands
from backend.devkit import create_kit, load_kit, write_kit
from backend.escalation.rules import check_seconds
from backend.report import FORMATS, render
from backend.settings import (
    ConfigError,
    Settings,
    load_settings,
    masked_url,
    read_environment,
)
from backend.simulator import SimulatedOrder, SimulationError, Simulator
from backend.stats import check_range, daily_figures, day_bounds, local_day
from backend.store import (
    Database,
    DeviceToken,
    StoreError,
    create_token,
    default_database_url,
    get_order_by_number,
    list_tokens,
    migrate_async,
    oldest_event_id,
    paid_order_times,
    prune_events,
    revoke_token,
)
from backend.validation import check_day

TEST_KIT_WARNING = (
    "TEST MERCHANT KIT: for development and demos only, never use it with real money."
)


def _settings(args: argparse.Namespace, *, require_merchant: bool) -> Settings:
    env = read_environment(os.environ, args.env_file)
    return load_settings(env, require_merchant=require_merchant)


def _database_url(settings: Settings) -> str:
    return settings.database_url or default_database_url()


def _now() -> datetime:
    return datetime.now(UTC)


def serve_settings(args: argparse.Namespace) -> Settings:
    """The settings ``serve`` runs with: environment, env file, then its own options."""
    env = read_environment(os.environ, args.env_file)
    if args.forwarded_allow_ips is not None:
        env["ORDERBELL_FORWARDED_ALLOW_IPS"] = args.forwarded_allow_ips
    return load_settings(env, require_merchant=True)


def cmd_serve(args: argparse.Namespace) -> int:
    from backend.app import create_app
    from backend.fdlimit import RESERVED_FDS, raise_open_file_limit
    from backend.gc_policy import GcPolicy
    from backend.server import make_server

    settings = serve_settings(args)
    logging.getLogger().setLevel(settings.log_level)
    # Every connection holds a file: let this process open as many as its caps allow.
    raise_open_file_limit(settings.max_connections + RESERVED_FDS)
    app = create_app(settings, gc_policy=GcPolicy())
    make_server(app, settings, args.host, args.port).run()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args, require_merchant=False)
    url = _database_url(settings)
    asyncio.run(migrate_async(url))
    print(f"database is up to date: {masked_url(url)}")
    return 0


async def _with_database(settings: Settings) -> Database:
    url = _database_url(settings)
    await migrate_async(url)
    return Database(url)


def cmd_token(args: argparse.Namespace) -> int:
    settings = _settings(args, require_merchant=False)

    async def run() -> int:
        db = await _with_database(settings)
        try:
            if args.token_command == "create":  # noqa: S105 - a subcommand name
                record, token = await create_token(
                    db, shop_id=args.shop, name=args.name, now=_now()
                )
                print(f"device token #{record.id} for shop {record.shop_id} ({record.name});")
                print("it is shown only this once - enter it in the counter PC's settings:")
                print(token)
                return 0
            if args.token_command == "list":  # noqa: S105 - a subcommand name
                for item in await list_tokens(db, args.shop):
                    print(_token_line(item))
                return 0
            if await revoke_token(db, args.id, _now()):
                print(
                    f"device token #{args.id} revoked; its counter PC is locked out within seconds"
                )
                return 0
            print(f"no active device token #{args.id}", file=sys.stderr)
            return 1
        finally:
            await db.dispose()

    return asyncio.run(run())


def cmd_prune(args: argparse.Namespace) -> int:
    settings = _settings(args, require_merchant=False)
    keep_days: int = settings.event_retention_days if args.keep_days is None else args.keep_days
    if keep_days < 1:
        raise ValueError("--keep-days must be at least 1")
    cutoff = _now() - timedelta(days=keep_days)

    async def run() -> int:
        db = await _with_database(settings)
        try:
            removed = await prune_events(db, before=cutoff)
            oldest = await oldest_event_id(db)
        finally:
            await db.dispose()
        print(f"pruned {removed} events created before {cutoff:%Y-%m-%d %H:%M} UTC")
        print(f"counters can replay from event #{oldest}" if oldest else "the event log is empty")
        return 0

    return asyncio.run(run())


def cmd_reconcile(args: argparse.Namespace) -> int:
    from backend.merchant import merchant_config, merchant_credentials, verifier_keys
    from backend.reconcile import Reconciler, Schedule
    from backend.wechatpay import WeChatPayApi

    settings = _settings(args, require_merchant=True)
    credentials = merchant_credentials(settings)
    if credentials is None:
        raise ConfigError(
            "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE is missing: querying orders at WeChat Pay "
            "needs the merchant's API key (and ORDERBELL_WECHATPAY_MERCHANT_SERIAL)"
        )
    keys = verifier_keys(settings)
    schedule = Schedule(settings.reconcile_after_s, settings.order_expire_s)

    async def run() -> int:
        db = await _with_database(settings)
        try:
            async with httpx.AsyncClient(base_url=settings.wechatpay_api_url) as http:
                api = WeChatPayApi(
                    http, credentials, keys, clock=time.time, mode=settings.wechatpay_mode
                )
                reconciler = Reconciler(
                    db, api, merchant_config(settings), schedule, time.time, zone=settings.zone
                )
                report = await reconciler.catch_up()
        finally:
            await db.dispose()
        print(report.summary())
        return 0 if reconciler.state.last_run_ok else 1

    return asyncio.run(run())


MAX_SHOP_ID = 2**31 - 1


def cmd_report(args: argparse.Namespace) -> int:
    settings = _settings(args, require_merchant=False)
    zone = settings.zone
    now = _now()
    today = local_day(now, zone)
    if args.day is not None and (args.date_from is not None or args.date_to is not None):
        raise ValueError("give either --day or --from/--to, not both")
    if args.date_to is not None and args.date_from is None:
        raise ValueError("--to needs --from")
    if args.shop is not None and not 1 <= args.shop <= MAX_SHOP_ID:
        raise ValueError(f"--shop must be a shop number from 1 to {MAX_SHOP_ID}")
    if args.day is not None:
        first = last = check_day(args.day, "--day")
    elif args.date_from is not None:
        first = check_day(args.date_from, "--from")
        last = check_day(args.date_to, "--to") if args.date_to is not None else today
    else:
        first = last = today
    check_range(first, last)
    start, end = day_bounds(first, last, zone)

    async def run() -> None:
        db = await _with_database(settings)
        try:
            orders = await paid_order_times(db, start=start, end=end, shop_id=args.shop)
        finally:
            await db.dispose()
        shops = [args.shop] if args.shop is not None else []
        sys.stdout.write(render(daily_figures(orders, first, last, zone, now, shops), args.format))

    asyncio.run(run())
    return 0


def cmd_shop(args: argparse.Namespace) -> int:
    from backend.store import set_sub_mchid, shop_merchants

    settings = _settings(args, require_merchant=False)

    async def run() -> int:
        db = await _with_database(settings)
        try:
            if args.shop_command == "set":
                await set_sub_mchid(db, args.shop, args.sub_mchid, _now())
                print(f"shop {args.shop}: WeChat Pay sub-merchant {args.sub_mchid}")
                return 0
            shops = await shop_merchants(db)
            for shop in shops:
                print(f"shop {shop.shop_id}: sub-merchant {shop.sub_mchid or '(not set)'}")
            if not shops:
                print("no shop has a sub-merchant id yet (orderbell-server shop set)")
            return 0
        finally:
            await db.dispose()

    return asyncio.run(run())


def cmd_devkit(args: argparse.Namespace) -> int:
    api_url = None if args.wechat_sim is None else _http_url(args.wechat_sim, "--wechat-sim")
    env_file = write_kit(create_kit(), args.directory, api_url=api_url)
    print(TEST_KIT_WARNING)
    print(f"test merchant kit written to {args.directory}")
    if api_url is not None:
        print(f"simulate WeChat Pay:  orderbell-server wechat-sim --kit {args.directory}")
    print(f"serve with it:  orderbell-server serve --env-file {env_file}")
    return 0


def cmd_wechat_sim(args: argparse.Namespace) -> int:
    import uvicorn

    from backend.wechatsim import simulator_app

    if not 0.0 <= args.lose_callbacks <= 1.0:
        raise ValueError("--lose-callbacks must be a fraction between 0 and 1, e.g. 0.25")
    notify_url = None if args.notify_url is None else _http_url(args.notify_url, "--notify-url")
    kit = load_kit(args.kit)
    app = simulator_app(kit, lose_callbacks=args.lose_callbacks, notify_url=notify_url)
    print(TEST_KIT_WARNING)
    print(f"WeChat Pay API simulator for merchant {kit.mchid} on http://{args.host}:{args.port}")
    print(f"  point the server at it: ORDERBELL_WECHATPAY_API_URL=http://{args.host}:{args.port}")
    print(f"  losing {args.lose_callbacks:.0%} of payment callbacks")
    config = uvicorn.Config(app, host=args.host, port=args.port, lifespan="on", log_config=None)
    uvicorn.Server(config).run()
    return 0


def _http_url(value: str, option: str) -> str:
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{option} must be an http(s) URL such as http://127.0.0.1:8090")
    return value.rstrip("/")


def cmd_simulate(args: argparse.Namespace) -> int:
    kit = load_kit(args.kit)

    async def run() -> int:
        async with httpx.AsyncClient(base_url=args.url, timeout=10) as client:
            simulator = Simulator(kit, client)
            if args.simulate_command == "remind":
                answer = await simulator.remind(args.order_id, user_id=args.user_id)
                print(json.dumps(answer, ensure_ascii=False))
                return 0
            if args.order_number is None:
                order = await simulator.submit(shop_id=args.shop, user_id=args.user_id)
                print(f"created order {order.number} (id {order.id}, {order.amount_fen} fen)")
            else:
                amount = args.amount_fen
                if amount is None:
                    amount = await _order_amount(args, args.order_number)
                order = SimulatedOrder(None, args.order_number, amount)
            paid = await simulator.pay(order)
            print(f"paid order {paid.number}: transaction {paid.transaction_id}")
            return 0

    return asyncio.run(run())


async def _order_amount(args: argparse.Namespace, number: str) -> int:
    """The total WeChat Pay would charge: read from the server's database, as WeChat knows it."""
    settings = _settings(args, require_merchant=False)
    url = _database_url(settings)
    db = Database(url)
    try:
        order = await get_order_by_number(db, number)
    finally:
        await db.dispose()
    if order is None:
        raise SimulationError(
            f"order {number} is not in the database at {masked_url(url)}: "
            "point --env-file (or ORDERBELL_DATABASE_URL) at the server's database, "
            "or give --amount-fen"
        )
    return order.amount_fen


def cmd_with_database(args: argparse.Namespace) -> int:
    """Commands that work on the server's database: escalation rules, presence."""
    settings = _settings(args, require_merchant=False)

    async def run() -> int:
        db = await _with_database(settings)
        try:
            code: int = await args.run_with_settings(args, settings, db)
            return code
        finally:
            await db.dispose()

    return asyncio.run(run())


def cmd_demo(args: argparse.Namespace) -> int:
    from backend.demo import run_demo

    if args.escalate_after is not None:
        check_seconds("--escalate-after", args.escalate_after)
    return asyncio.run(
        run_demo(args.host, args.port, args.interval, args.duration, args.escalate_after)
    )


def _token_line(item: DeviceToken) -> str:
    state = f"revoked {item.revoked_at:%Y-%m-%d %H:%M}" if item.revoked_at else "active"
    seen = f"{item.last_seen_at:%Y-%m-%d %H:%M}" if item.last_seen_at else "never"
    return f"#{item.id}\tshop {item.shop_id}\t{item.name}\t{state}\tlast seen {seen}"


def build_parser() -> argparse.ArgumentParser:
    """The command line, documented in the README."""
    parser = argparse.ArgumentParser(prog="orderbell-server", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def with_env(sub: argparse.ArgumentParser, *, inner: bool = False) -> argparse.ArgumentParser:
        # A sub-command's own sub-commands take it too (``token create ... --env-file F``);
        # there it must not reset a value given before them to None.
        sub.add_argument(
            "--env-file",
            type=Path,
            default=argparse.SUPPRESS if inner else None,
            help="read ORDERBELL_* settings from this file",
        )
        return sub

    serve = with_env(commands.add_parser("serve", help="run the server (migrates first)"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="proxies trusted to name the client in X-Forwarded-For, comma-separated "
        "(default ORDERBELL_FORWARDED_ALLOW_IPS: 127.0.0.1,::1)",
    )
    serve.set_defaults(run=cmd_serve)

    with_env(
        commands.add_parser("migrate", help="bring the database schema up to date")
    ).set_defaults(run=cmd_migrate)

    token = with_env(commands.add_parser("token", help="device tokens of counter PCs"))
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = with_env(
        token_commands.add_parser("create", help="create a token; printed once, last line"),
        inner=True,
    )
    create.add_argument("--shop", type=int, required=True)
    create.add_argument("--name", required=True)
    listing = with_env(token_commands.add_parser("list", help="list tokens"), inner=True)
    listing.add_argument("--shop", type=int)
    revoke = with_env(
        token_commands.add_parser("revoke", help="revoke a token by its number"), inner=True
    )
    revoke.add_argument("id", type=int)
    token.set_defaults(run=cmd_token)

    add_escalation_commands(commands, with_env)
    for name in ("escalation", "presence"):
        commands.choices[name].set_defaults(run=cmd_with_database)

    prune = with_env(
        commands.add_parser("prune", help="delete old events from the log (orders stay)")
    )
    prune.add_argument(
        "--keep-days",
        type=int,
        help="keep this many days of events (default ORDERBELL_EVENT_RETENTION_DAYS, 7)",
    )
    prune.set_defaults(run=cmd_prune)

    reconcile = with_env(
        commands.add_parser(
            "reconcile", help="query unpaid orders at WeChat Pay once, book what is found (cron)"
        )
    )
    reconcile.add_argument(
        "--once",
        action="store_true",
        required=True,
        help="one catch-up over every order due, then exit (serve reconciles continuously)",
    )
    reconcile.set_defaults(run=cmd_reconcile)

    report = with_env(
        commands.add_parser("report", help="orders and times to accept by day, in the shops' zone")
    )
    report.add_argument("--shop", type=int, help="only this shop (default: every shop)")
    report.add_argument("--day", metavar="YYYY-MM-DD", help="one day (default: today)")
    report.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day")
    report.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (today)")
    report.add_argument("--format", choices=FORMATS, default="table")
    report.set_defaults(run=cmd_report)
    shop = commands.add_parser("shop", help="shops' WeChat Pay sub-merchant ids (partner mode)")
    shop_commands = shop.add_subparsers(dest="shop_command", required=True)
    shop_set = with_env(
        shop_commands.add_parser(
            "set", help="record which sub-merchant (sub_mchid) a shop's payments go to"
        )
    )
    shop_set.add_argument("--shop", type=int, required=True)
    shop_set.add_argument("--sub-mchid", required=True, help="the sub-merchant id, digits")
    with_env(shop_commands.add_parser("list", help="list the shops' sub-merchant ids"))
    shop.set_defaults(run=cmd_shop)

    devkit = commands.add_parser("devkit", help="write a TEST merchant kit (never for real money)")
    devkit.add_argument("directory", type=Path)
    devkit.add_argument(
        "--wechat-sim",
        metavar="URL",
        help="point the server's order queries at a wechat-sim listening there",
    )
    devkit.set_defaults(run=cmd_devkit)

    sim = commands.add_parser(
        "wechat-sim", help="simulate WeChat Pay's API for a TEST kit (query, close, pay)"
    )
    sim.add_argument("--kit", type=Path, required=True, help="a directory written by devkit")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8090)
    sim.add_argument(
        "--lose-callbacks",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="share of payment callbacks never sent, 0 to 1 (default 0)",
    )
    sim.add_argument(
        "--notify-url",
        help="where payment callbacks go unless a pay request names one, "
        "e.g. http://127.0.0.1:8080/notify/paySuccess",
    )
    sim.set_defaults(run=cmd_wechat_sim)

    simulate = commands.add_parser("simulate", help="act as a customer and WeChat Pay")
    sim_commands = simulate.add_subparsers(dest="simulate_command", required=True)
    pay = sim_commands.add_parser("pay", help="pay an order with a signed callback")
    remind = sim_commands.add_parser("remind", help="hurry an order as its customer")
    for sub in (pay, remind):
        sub.add_argument("--kit", type=Path, required=True)
        sub.add_argument("--url", required=True, help="server base URL, e.g. http://127.0.0.1:8080")
        sub.add_argument("--user-id", type=int, default=1)
    pay.add_argument("--order-number", help="pay this existing order instead of creating one")
    pay.add_argument(
        "--amount-fen",
        type=int,
        help="the existing order's total in fen (default: read from the server's database)",
    )
    pay.add_argument("--env-file", type=Path, help="the server's settings (its database)")
    pay.add_argument("--shop", type=int, default=1, help="shop of the created order")
    remind.add_argument("--order-id", type=int, required=True)
    simulate.set_defaults(run=cmd_simulate)

    demo = commands.add_parser("demo", help="a throw-away server that simulates orders")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--interval", type=float, default=20.0, help="seconds between orders")
    demo.add_argument("--duration", type=float, help="stop after this many seconds")
    demo.add_argument(
        "--escalate-after",
        type=int,
        metavar="SECONDS",
        help="show what the owner's phone gets when an order stays unanswered this long",
    )
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``orderbell-server``."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except (SimulationError, StoreError, ValueError, FileExistsError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
