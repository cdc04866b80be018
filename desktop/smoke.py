"""``orderbell --smoke-test``: in a few seconds, prove that this build starts, speaks and connects.

Meant for a freshly built or installed app (CI runs it on the frozen build, offscreen): every
step uses the real component - Qt, the bundled icons, translations and chime, the speech engine
(into a WAV file: a build machine may have no sound card), the backend embedded as in
``orderbell demo`` (so, like desktop.embedded, it imports the backend), the signed payment
callback and the counter's own event stream. One line per step, then
``SMOKE OK`` (exit 0) or ``SMOKE FAILED`` (exit 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import qasync
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator, qVersion
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from desktop.config import default_log_dir
from desktop.i18n import SOURCE_LANGUAGE, install_translator, translation_file
from desktop.logsetup import close_logging, configure_logging
from desktop.resources import chime_path, resource_path
from desktop.ui.icons import TrayState, app_image, tray_image

if TYPE_CHECKING:
    from backend.demo import DemoBackend
    from desktop.speech.worker import SpeechWorker
    from orderbell_protocol import Event

# The speech engine, the backend and the event stream are imported by the steps that use
# them: a module missing from a build then fails its step with a line saying so.

log = logging.getLogger(__name__)

STEP_TIMEOUT_S = 30.0
SPEECH_TIMEOUT_S = 20.0
REPORT_FILE = "smoke-test.txt"
# A string every Chinese build must translate (context "App" in resources/translations).
PROBE_CONTEXT, PROBE_TEXT = "App", "Connected"
# Plausible speech for the order phrase: espeak-ng says it in about 2.5 s.
MIN_SPEECH_S, MAX_SPEECH_S = 0.5, 15.0
# The chime: loud (above -6 dBFS) and short.
MIN_CHIME_S, MAX_CHIME_S = 0.5, 3.0
MIN_CHIME_PEAK = 16_000

Step = Callable[[], Awaitable[str]]


class SmokeFailure(Exception):
    """A step found the build broken; the message says how."""


class SmokeReport:
    """Writes one line per step to every output and remembers which steps failed."""

    def __init__(self, outputs: list[TextIO]) -> None:
        self.outputs = outputs
        self.failed: list[str] = []

    def line(self, text: str) -> None:
        for out in self.outputs:
            print(text, file=out, flush=True)

    async def run(self, name: str, step: Step) -> bool:
        """Run one step within the step timeout; report it and return whether it passed."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(STEP_TIMEOUT_S):
                detail = await step()
        except Exception as exc:
            log.exception("smoke test step %s failed", name)
            reason = " ".join(str(exc).split()) or type(exc).__name__
            if isinstance(exc, TimeoutError):
                reason = f"no result within {STEP_TIMEOUT_S:g} s"
            self.failed.append(name)
            self.line(f"FAIL {name}: {reason}")
            return False
        self.line(f"ok   {name}: {detail} [{time.perf_counter() - started:.2f} s]")
        return True

    def skip(self, name: str, because: str) -> None:
        self.failed.append(name)
        self.line(f"FAIL {name}: skipped, {because} failed")


def run_smoke_test(make_qapp: Callable[[], QApplication]) -> int:
    """Run every step, print ``SMOKE OK`` or ``SMOKE FAILED``; the exit status (0 or 1)."""
    started = time.perf_counter()
    log_dir = default_log_dir() / "smoke-test"
    configure_logging(log_dir, console=False)
    with contextlib.ExitStack() as outputs:
        report = SmokeReport(open_report(log_dir, outputs))
        stage = "qt"
        try:
            qapp = make_qapp()
            report.line(f"ok   qt: {qt_detail()} [{time.perf_counter() - started:.2f} s]")
            stage = "event loop"
            qasync.run(run_steps(qapp, report))
        except Exception as exc:
            log.exception("smoke test: %s failed", stage)
            report.failed.append(stage)
            report.line(f"FAIL {stage}: {type(exc).__name__}: {exc}")
        finally:
            close_logging()
        if report.failed:
            report.line(f"SMOKE FAILED: {', '.join(report.failed)} (log: {log_dir})")
            return 1
        report.line(f"SMOKE OK in {time.perf_counter() - started:.1f} s")
        return 0


def qt_detail() -> str:
    """Which Qt and which platform plugin started (offscreen, xcb, windows, cocoa...)."""
    return f"Qt {qVersion()}, {QGuiApplication.platformName()} platform"


async def run_steps(qapp: QApplication, report: SmokeReport) -> None:
    """The steps after Qt started; a step that later ones need skips them when it fails."""
    await report.run("icons", check_icons)
    await report.run("translations", lambda: check_translations(qapp))
    await report.run("speech", check_speech)
    await report.run("chime", check_chime)
    async with contextlib.AsyncExitStack() as stack:
        counter = CounterSteps(stack)
        steps = [
            ("backend", counter.start_backend),
            ("websocket", counter.connect),
            ("order", counter.pay_one_order),
        ]
        for index, (name, step) in enumerate(steps):
            if not await report.run(name, step):
                for later, _ in steps[index + 1 :]:
                    report.skip(later, name)
                return


async def check_icons() -> str:
    """The drawn tray and app icons are not blank, and the bundled app icon file loads."""
    for state in TrayState:
        if _blank(tray_image(state, 32, 3)):
            raise SmokeFailure(f"the {state.value} tray icon is blank")
    if _blank(app_image(256)):
        raise SmokeFailure("the application icon is blank")
    path = resource_path("icons", "orderbell.png")
    image = QImage(str(path))
    if image.isNull() or _blank(image):
        raise SmokeFailure(f"cannot load the bundled icon {path}")
    return f"{len(TrayState)} tray states drawn, {path} loads"


def _blank(image: QImage) -> bool:
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    return image.isNull() or centre.alpha() == 0


async def check_translations(qapp: QApplication) -> str:
    """Our Chinese .qm loads and translates a known string; Qt's own Chinese loads too."""
    ours = install_translator(qapp, "zh")
    try:
        if ours is None:
            raise SmokeFailure(f"{translation_file('zh')} is missing or damaged")
        chinese = QCoreApplication.translate(PROBE_CONTEXT, PROBE_TEXT)
        if chinese == PROBE_TEXT or not chinese:
            raise SmokeFailure(f"{translation_file('zh')} does not translate {PROBE_TEXT!r}")
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if not QTranslator().load("qtbase_zh_CN", qt_dir):
            raise SmokeFailure(f"Qt's own qtbase_zh_CN.qm is not in {qt_dir}")
    finally:
        install_translator(qapp, SOURCE_LANGUAGE)
    return f"{PROBE_TEXT!r} -> {chinese!r}, qtbase_zh_CN loads"


async def check_speech(worker: SpeechWorker | None = None) -> str:
    """The Mandarin voice speaks Mandarin (its phonemes for the new-order phrase switch to no
    other language) and writes that phrase to a WAV that holds plausible speech.

    Nothing is played: a build machine may have no sound card.
    """
    from desktop.core.phrasing import Language
    from desktop.speech.phonemes import sample_phrase
    from desktop.speech.worker import SpeechWorker

    speaker = worker if worker is not None else SpeechWorker()
    try:
        status = await asyncio.to_thread(speaker.probe, SPEECH_TIMEOUT_S)
        voice = status.voice_verdict(Language.ZH)
        with tempfile.TemporaryDirectory(prefix="orderbell-smoke-") as tmp:
            path = Path(tmp) / "smoke.wav"
            await asyncio.to_thread(
                speaker.synthesize_to_file,
                sample_phrase(Language.ZH),
                Language.ZH,
                path,
                SPEECH_TIMEOUT_S,
            )
            return f"{voice}, {describe_speech(path)}"
    finally:
        await asyncio.to_thread(speaker.close)


async def check_chime() -> str:
    """The bundled chime loads: a WAV file of loud sound, one to three seconds long."""
    from desktop.speech.audio import NotWavError, measure_wav

    path = chime_path()
    try:
        level = measure_wav(path)
    except (OSError, NotWavError) as exc:
        raise SmokeFailure(f"cannot load the chime {path}: {exc}") from exc
    if not (MIN_CHIME_S <= level.seconds <= MAX_CHIME_S and level.peak >= MIN_CHIME_PEAK):
        raise SmokeFailure(
            f"the chime {path} is {level.seconds:.1f} s long, peak {level.peak}: not a chime"
        )
    return f"{path} loads: {level.seconds:.1f} s, peak {level.peak}"


def describe_speech(path: Path) -> str:
    """Check a synthesised file holds speech: its length, and its loudness when it is a WAV.

    macOS writes AIFF whatever the name says; such a file is only checked for its size.
    """
    from desktop.speech.audio import MEASURED_WIDTHS, measure_wav

    data = path.read_bytes()
    if not data.startswith(b"RIFF"):
        if len(data) < 8_000:
            raise SmokeFailure(f"the speech engine wrote only {len(data)} bytes")
        return f"{len(data) // 1024} KiB of audio"
    level = measure_wav(path)
    if not MIN_SPEECH_S < level.seconds < MAX_SPEECH_S:
        raise SmokeFailure(f"the speech engine wrote {level.seconds:.1f} s of audio")
    if level.sample_width not in MEASURED_WIDTHS:
        return f"{level.seconds:.1f} s of audio"
    if not level.audible:
        raise SmokeFailure(f"the speech engine wrote {level.seconds:.1f} s of near silence")
    return f"{level.seconds:.1f} s of speech, peak {level.peak}"


class CounterSteps:
    """The embedded backend and the counter's real event stream to it, step by step.

    What the steps start is closed by ``stack``.
    """

    def __init__(self, stack: contextlib.AsyncExitStack) -> None:
        self._stack = stack
        self._backend: DemoBackend | None = None
        self._events: asyncio.Queue[Event] = asyncio.Queue()

    @property
    def backend(self) -> DemoBackend:
        if self._backend is None:
            raise SmokeFailure("the backend is not running")
        return self._backend

    async def start_backend(self) -> str:
        """A throw-away server on a free port: migrations, a device token, a test merchant kit."""
        from backend.demo import demo_backend
        from backend.store.database import MIGRATIONS_DIR

        self._backend = await self._stack.enter_async_context(demo_backend())
        return f"serving on {self._backend.base_url}, migrated from {MIGRATIONS_DIR}"

    async def connect(self) -> str:
        """The counter's event stream connects with the device token."""
        from desktop.core.cursor import CursorStore
        from desktop.net import EventStream, LinkState, stream_url

        loop = asyncio.get_running_loop()
        connected: asyncio.Future[None] = loop.create_future()
        directory = Path(self._stack.enter_context(tempfile.TemporaryDirectory()))

        def on_state(state: LinkState) -> None:
            if connected.done():
                return
            if state is LinkState.CONNECTED:
                connected.set_result(None)
            elif state in (LinkState.TOKEN_REJECTED, LinkState.MISCONFIGURED):
                connected.set_exception(SmokeFailure(stream.last_error or state.value))

        stream = EventStream(
            stream_url(self.backend.base_url),
            self.backend.token,
            CursorStore(directory / "cursor"),
            self._events.put_nowait,
            on_state,
        )
        task = loop.create_task(stream.run(), name="orderbell-smoke-stream")

        async def close() -> None:
            stream.stop()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 5)

        self._stack.push_async_callback(close)
        await connected
        return "event stream connected with the device token"

    async def pay_one_order(self) -> str:
        """Pay one order through the signed WeChat Pay callback; its event arrives."""
        import httpx

        from backend.demo import DEMO_SHOP
        from backend.simulator import Simulator
        from orderbell_protocol import EventType

        async with httpx.AsyncClient(base_url=self.backend.base_url, timeout=10) as client:
            simulator = Simulator(self.backend.kit, client)
            order = await simulator.pay(await simulator.submit(shop_id=DEMO_SHOP))
        paid = time.perf_counter()
        while True:
            event = await self._events.get()
            if event.type is EventType.NEW_ORDER and event.order_number == order.number:
                waited = time.perf_counter() - paid
                return (
                    f"order {order.number} paid by signed callback, "
                    f"event #{event.id} received {waited * 1000:.0f} ms later"
                )


def open_report(log_dir: Path, closing: contextlib.ExitStack) -> list[TextIO]:
    """Where the step lines go: stdout when there is one.

    A windowed build has none (``sys.stdout`` is None): the lines then go to
    ``<log dir>/smoke-test.txt`` and, on Windows, also to the console it was started from.
    """
    if sys.stdout is not None:
        return [sys.stdout]
    log_dir.mkdir(parents=True, exist_ok=True)
    outputs: list[TextIO] = [
        closing.enter_context((log_dir / REPORT_FILE).open("w", encoding="utf-8"))
    ]
    console = _parent_console()
    if console is not None:
        outputs.append(closing.enter_context(console))
    return outputs


def _parent_console() -> TextIO | None:
    if sys.platform != "win32":
        return None
    import ctypes

    attach_parent_process = -1
    if not ctypes.windll.kernel32.AttachConsole(attach_parent_process):
        return None
    try:
        return open("CONOUT$", "w", encoding="utf-8", errors="replace")
    except OSError:
        return None
