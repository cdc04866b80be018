"""The ``orderbell`` command: the counter tray app, its demo, self-check and provisioning."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import qasync
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from desktop import autostart
from desktop.config import (
    DesktopSettings,
    SettingsStore,
    default_config_dir,
    default_log_dir,
    default_state_dir,
    validate_server_url,
)
from desktop.logsetup import configure_logging, log_loop_exception
from desktop.screen_check import display_problem
from desktop.selfcheck import exit_code, format_results, run_checks
from desktop.token_store import TokenPlace, TokenStorageError

log = logging.getLogger("desktop")
APP_NAME = "OrderBell"
SELF_CHECK_TIMEOUT_S = 45.0


def app_version() -> str:
    """The installed version, or the source tree's."""
    try:
        return version("orderbell")
    except PackageNotFoundError:
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    """The command line, as the README documents it."""
    parser = argparse.ArgumentParser(prog="orderbell", description=__doc__)
    parser.add_argument("--server", help="save this server address (for IT provisioning)")
    parser.add_argument("--token", help="save this device token in the OS keyring")
    parser.add_argument(
        "--printer",
        metavar="URI",
        help="save the kitchen printer (tcp://, usb://, ...; '' for none)",
    )
    parser.add_argument(
        "--print-on", choices=("accept", "arrival", "never"), help="save when tickets print"
    )
    parser.add_argument(
        "--auto-accept", choices=("on", "off"), help="save whether this PC accepts orders itself"
    )
    parser.add_argument(
        "--print-test", action="store_true", help="print a test ticket and exit (1 if it fails)"
    )
    parser.add_argument("--self-check", action="store_true", help="check speech, server, token")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="check this build: Qt, icons, translations, speech, embedded server, event stream",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="the whole loop against an in-process demo server")
    demo.add_argument("--duration", type=float, help="exit after this many seconds")
    demo.add_argument("--interval", type=float, default=20.0, help="seconds between orders")
    demo.add_argument("--printer", metavar="URI", help="print every accepted order there")
    return parser


def provision_printing(
    store: SettingsStore, printer: str | None, print_on: str | None, auto_accept: str | None
) -> None:
    """Save ``--printer``, ``--print-on`` and ``--auto-accept`` without the dialog."""
    settings = store.load()
    if printer is not None:
        settings = replace(settings, printer=printer)
    if print_on is not None:
        settings = replace(settings, print_on=print_on)
    if auto_accept is not None:
        settings = replace(settings, auto_accept=auto_accept == "on")
    store.save(settings)
    print(
        f"printing saved: printer {settings.printer or '(none)'}, tickets on {settings.print_on}, "
        f"auto-accept {'on' if settings.auto_accept else 'off'}"
    )


def run_print_test(store: SettingsStore, cache_dir: Path) -> int:
    """``orderbell --print-test``: one line, exit 0 when the printer took the test ticket."""
    from desktop.printing.device import PrintFailed
    from desktop.printing.kitchen import PrintSettings, print_test_ticket
    from desktop.printing.uri import PrinterUriError

    settings = store.load()
    if not settings.printer:
        print("print test failed: no printer is set (orderbell --printer URI)")
        return 1
    try:
        line = print_test_ticket(
            PrintSettings.from_settings(settings),
            cache_dir,
            datetime.now().astimezone(),
        )
    except (PrinterUriError, PrintFailed) as exc:
        print(f"print test failed: {' '.join(str(exc).split())}")
        return 1
    print(f"OK   {line}")
    return 0


def provision(
    store: SettingsStore,
    server: str | None,
    token: str | None,
    *,
    installed: bool | None = None,
    login: autostart.Autostart | None = None,
) -> None:
    """Save ``--server`` and ``--token`` without the dialog.

    On the installed app's first run it also starts OrderBell at login, as the first-run
    dialog would have offered.
    """
    first_run = not store.path.exists()
    settings = store.load()
    if server is not None:
        settings = replace(settings, server_url=validate_server_url(server))
        if first_run and (autostart.is_installed() if installed is None else installed):
            settings = replace(settings, start_at_login=True)
            try:
                (login or autostart.for_platform()).enable(autostart.launch_command())
                print("start at login: on")
            except OSError as exc:
                print(f"start at login could not be set up: {exc}", file=sys.stderr)
        store.save(settings)
        print(f"server address saved: {settings.server_url}")
    if token is not None:
        if not token.strip():
            raise ValueError("the device token is empty")
        place = store.save_token(token.strip(), settings.server_url or None)
        if place is TokenPlace.FILE:
            print(
                f"device token saved in {store.tokens.path} (readable only by this user: "
                "this PC has no system keyring)"
            )
        else:
            print("device token saved in the OS keyring")


def make_qapp() -> QApplication:
    """The Qt application of a tray app: quitting is explicit, not on the last window."""
    existing = QApplication.instance()
    qapp = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    qapp.setApplicationName(APP_NAME)
    qapp.setOrganizationName(APP_NAME)
    qapp.setApplicationVersion(app_version())
    qapp.setQuitOnLastWindowClosed(False)
    qInstallMessageHandler(_qt_to_log)
    return qapp


def _qt_to_log(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own messages go to the log file, not to a console a windowed build lacks."""
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }.get(kind, logging.ERROR)
    logging.getLogger("qt").log(level, "%s", message)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``orderbell``."""
    args = build_parser().parse_args(argv)
    if args.version:
        print(f"OrderBell {app_version()}")
        return 0
    if (args.command == "demo" or args.smoke_test) and (problem := display_problem()):
        return no_display(problem)
    if args.command == "demo":
        if args.printer is not None:
            try:
                args.printer = DesktopSettings(printer=args.printer).printer
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
        return run_demo_command(args.duration, args.interval, args.printer)
    if args.smoke_test:
        from desktop.smoke import run_smoke_test

        return run_smoke_test(make_qapp)
    configure_logging(default_log_dir())
    store = SettingsStore(default_config_dir())
    if args.server is not None or args.token is not None:
        try:
            provision(store, args.server, args.token)
        except (ValueError, TokenStorageError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if (args.printer, args.print_on, args.auto_accept) != (None, None, None):
        try:
            provision_printing(store, args.printer, args.print_on, args.auto_accept)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.print_test:
        return run_print_test(store, default_state_dir() / "escpos")
    if problem := display_problem():
        return no_display(problem)
    if args.self_check:
        return run_self_check(store)
    return run_app(store)


def no_display(problem: str) -> int:
    """Say in one line that there is no display, instead of letting Qt abort: exit code 2."""
    if sys.stderr is not None:
        print(f"orderbell: {problem}", file=sys.stderr)
    else:  # a windowed build has no console: the log file is where the line can go
        log.error("%s", problem)
    return 2


def run_demo_command(duration: float | None, interval: float, printer: str | None = None) -> int:
    """``orderbell demo``: narrate to the terminal, log to a file."""
    import tempfile
    from pathlib import Path

    from desktop.embedded import run_demo

    log_dir = Path(tempfile.mkdtemp(prefix="orderbell-demo-logs-"))
    configure_logging(log_dir, console=False)
    qapp = make_qapp()

    def narrate(line: str) -> None:
        # A windowed build has no console: the narration then goes to the log only.
        log.info("demo: %s", line)
        if sys.stdout is not None:
            print(f"* {line}", flush=True)

    narrate(f"logs: {log_dir}")

    async def demo() -> int:
        asyncio.get_running_loop().set_exception_handler(log_loop_exception)
        return await run_demo(
            qapp, duration=duration, interval=interval, narrate=narrate, printer=printer or ""
        )

    return int(qasync.run(demo()))


def run_self_check(store: SettingsStore) -> int:
    """``orderbell --self-check``: one line per check, non-zero if a vital one failed."""
    from PySide6.QtCore import QLocale

    from desktop.checks import startup_checks
    from desktop.core.phrasing import Language
    from desktop.i18n import pick_language
    from desktop.speech.worker import SpeechWorker

    make_qapp()
    settings = store.load()
    token = store.load_token(settings.server_url or None)
    language = Language(pick_language(settings.language, QLocale.system().name()))

    async def check() -> int:
        with SpeechWorker() as speaker:
            speaker.set_language_voice(language, settings.voice or None)
            checks = startup_checks(
                speaker, settings.server_url, token, language=language, play=True
            )
            # Both phrases are synthesised and played in turn: longer than a network check.
            results = await run_checks(checks, timeout_s=SELF_CHECK_TIMEOUT_S)
        print(format_results(results))
        return exit_code(results)

    return int(qasync.run(check()))


def run_app(store: SettingsStore) -> int:
    """The tray app, one instance per user."""
    from desktop.app import DesktopApp
    from desktop.resources import chime_path
    from desktop.single_instance import SingleInstance
    from desktop.speech.worker import SpeechWorker

    qapp = make_qapp()
    lock = SingleInstance()
    if not lock.try_lock(APP_NAME):
        return 0

    async def run() -> int:
        asyncio.get_running_loop().set_exception_handler(log_loop_exception)
        speaker = SpeechWorker(chime=chime_path())
        app = DesktopApp(qapp, store, speaker, default_state_dir())
        lock.activated.connect(app.show_orders)
        qapp.aboutToQuit.connect(app.quit.set)
        app.start()
        log.info("OrderBell %s started", app_version())
        await app.quit.wait()
        await app.shutdown()
        return 0

    try:
        return int(qasync.run(run()))
    finally:
        lock.release()


if __name__ == "__main__":
    raise SystemExit(main())
