"""The concrete self-checks: speech in each language, server, token and tray."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from PySide6.QtWidgets import QSystemTrayIcon

from desktop.core.phrasing import Language
from desktop.net import ApiError, CounterApi
from desktop.selfcheck import Check
from desktop.speech.audio import measure_wav
from desktop.speech.errors import SpeechError
from desktop.speech.phonemes import sample_phrase
from desktop.speech.speaker import SpeechStatus
from desktop.speech.worker import SpeechWorker

# Shorter than this, the engine did not say the phrase (espeak-ng takes about 2.5 s for it).
MIN_SPEECH_S = 0.5


class SpeechProbe:
    """The speech worker's probe, run once however many checks ask for it."""

    def __init__(self, speaker: SpeechWorker) -> None:
        self._speaker = speaker
        self._task: asyncio.Future[SpeechStatus] | None = None

    async def status(self) -> SpeechStatus:
        """The probe's findings (engine, voices and their phonemes, playback)."""
        if self._task is None:
            self._task = asyncio.ensure_future(asyncio.to_thread(self._speaker.probe))
        # Shielded: one check timing out must not cancel the probe the others wait for.
        return await asyncio.shield(self._task)


async def check_speech(
    speaker: SpeechWorker, language: Language, probe: SpeechProbe, *, play: bool = False
) -> str:
    """The voice chosen for ``language`` speaks it (by its phonemes), synthesises audible speech
    and, with ``play``, is heard: the phrase is played and the player's result checked.

    The detail names the voice id, so a wrong automatic choice is visible at a glance.
    """
    status = await probe.status()
    voice = status.voice_verdict(language)
    with tempfile.TemporaryDirectory(prefix="orderbell-check-") as tmp:
        path = Path(tmp) / "check.wav"
        text = sample_phrase(language)
        await asyncio.to_thread(speaker.synthesize_to_file, text, language, path)
        level = measure_wav(path)
    if level.seconds < MIN_SPEECH_S or not level.audible:
        raise RuntimeError(
            f"{voice}, but it produced only {level.seconds:.1f} s of audio (peak {level.peak})"
        )
    detail = f"{voice}, synthesised {level.seconds:.1f} s"
    if not play:
        if not status.playback_ok:
            raise RuntimeError(f"{detail}, but it cannot be played: {status.problem}")
        return detail
    try:
        await asyncio.to_thread(speaker.say_and_wait, text, language)
    except SpeechError as exc:
        raise RuntimeError(f"{detail}, but it was not heard: {exc}") from None
    return f"{detail}, played through {speaker.player.name}"


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
    speaker: SpeechWorker,
    server_url: str,
    token: str | None,
    *,
    language: Language,
    play: bool = False,
) -> list[Check]:
    """The checks of ``orderbell --self-check`` (``play``: the phrases are played aloud) and of
    start-up (silent); the tray is not vital.

    Speech is checked in both languages, one line each; only the one in use is vital.
    """
    probe = SpeechProbe(speaker)
    checks: list[Check] = [
        (
            f"speech {spoken.value}",
            spoken is language,
            _speech_check(speaker, spoken, probe, play=play),
        )
        for spoken in (language, *(other for other in Language if other is not language))
    ]
    checks.append(("server", True, lambda: check_server(server_url)))
    checks.append(("token", True, lambda: check_token(server_url, token)))
    checks.append(("tray", False, check_tray))
    return checks


def _speech_check(
    speaker: SpeechWorker, language: Language, probe: SpeechProbe, *, play: bool
) -> Callable[[], Awaitable[str]]:
    return lambda: check_speech(speaker, language, probe, play=play)
