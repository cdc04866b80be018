"""The concrete self-checks: speech synthesises, the server answers, the token is accepted, tray."""

from __future__ import annotations

import asyncio
import tempfile
import wave
from pathlib import Path

import httpx
from PySide6.QtWidgets import QSystemTrayIcon

from desktop.core import phrasing
from desktop.core.phrasing import Language
from desktop.net import ApiError, CounterApi
from desktop.selfcheck import Check
from desktop.speech.worker import SpeechWorker


async def check_speech(speaker: SpeechWorker) -> str:
    """Synthesise a phrase to a temporary WAV and report its length."""
    status = await asyncio.to_thread(speaker.probe)
    if not status.engine_ok:
        raise RuntimeError(status.problem or "no speech engine works")
    with tempfile.TemporaryDirectory(prefix="orderbell-check-") as tmp:
        path = Path(tmp) / "check.wav"
        text = phrasing.new_order("1234", Language.ZH)
        await asyncio.to_thread(speaker.synthesize_to_file, text, Language.ZH, path)
        with wave.open(str(path), "rb") as wav:
            seconds = wav.getnframes() / wav.getframerate()
    if seconds < 0.3:
        raise RuntimeError(f"the speech engine produced only {seconds:.1f} s of audio")
    detail = f"{status.driver or 'engine'} synthesised {seconds:.1f} s"
    if status.problem:
        detail += f" ({status.problem})"
    if not status.playback_ok:
        raise RuntimeError(f"{detail}, but it cannot be played: {status.problem}")
    return detail


async def check_server(server_url: str) -> str:
    """The server's /healthz answers 200."""
    if not server_url:
        raise RuntimeError("no server address set (Settings)")
    async with httpx.AsyncClient(timeout=10) as client:
        try:
            answer = await client.get(server_url.rstrip("/") + "/healthz")
        except httpx.HTTPError as exc:
            raise RuntimeError(f"{server_url} unreachable: {type(exc).__name__}") from None
    if answer.status_code != 200:
        raise RuntimeError(f"{server_url} answered {answer.status_code}")
    return f"{server_url} is up"


async def check_token(server_url: str, token: str | None) -> str:
    """The server accepts this PC's device token."""
    if not token:
        raise RuntimeError("no device token set (Settings)")
    try:
        async with CounterApi(server_url, token) as api:
            await api.check_token()
    except ApiError as exc:
        raise RuntimeError(str(exc)) from None
    return "accepted"


async def check_tray() -> str:
    """A system tray host exists (icon and notifications)."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        raise RuntimeError("no system tray on this desktop: alert cards still appear")
    messages = "with" if QSystemTrayIcon.supportsMessages() else "without"
    return f"available, {messages} notifications"


def startup_checks(
    speaker: SpeechWorker, server_url: str, token: str | None, *, speak: bool = True
) -> list[Check]:
    """The checks of ``orderbell --self-check`` and of start-up; the tray is not vital."""
    checks: list[Check] = []
    if speak:
        checks.append(("speech", True, lambda: check_speech(speaker)))
    checks.append(("server", True, lambda: check_server(server_url)))
    checks.append(("token", True, lambda: check_token(server_url, token)))
    checks.append(("tray", False, check_tray))
    return checks
