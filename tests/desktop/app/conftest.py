"""The whole counter app on Qt's offscreen platform, inside a qasync loop, against a demo server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop.core.phrasing import Language
from desktop.speech.errors import PlaybackError, SpeechError
from desktop.speech.speaker import SpeechStatus

_T = TypeVar("_T")
WAIT_S = 10.0


@dataclass
class RecordingSpeaker:
    """Stands in for SpeechWorker at the app's seam: records what it is asked to say and ring.

    ``output`` is what its output check finds; ``failure`` makes ``say_and_wait`` fail as not
    heard.
    """

    said: list[str] = field(default_factory=list)
    rung: list[int] = field(default_factory=list)
    rate: int | None = None
    volume: float | None = None
    output: str | None = None
    failure: str | None = None
    on_started: Callable[[str], None] | None = None
    on_finished: Callable[[str], None] | None = None
    on_failed: Callable[[str, SpeechError], None] | None = None
    on_sound: Callable[[str | None], None] | None = None
    status: SpeechStatus = field(
        default_factory=lambda: SpeechStatus(engine_ok=True, driver="recording")
    )

    @property
    def available(self) -> bool:
        return True

    def say(self, text: str, language: Language, priority: int = 0) -> None:
        self.said.append(text)

    def say_and_wait(self, text: str, language: Language, priority: int = 0) -> None:
        self.said.append(text)
        if self.failure is not None:
            raise PlaybackError(self.failure)

    def ring(self, priority: int = 0) -> None:
        self.rung.append(priority)

    def check_output(self) -> str | None:
        return self.output

    def stop(self) -> None:
        pass

    def set_language_voice(self, language: Language, voice_id: str | None) -> None:
        pass

    def probe(self, timeout: float = 15.0) -> SpeechStatus:
        return self.status

    def list_voices(self, timeout: float = 10.0) -> list[Any]:
        return []

    def close(self, timeout: float = 5.0) -> None:
        pass


@pytest.fixture
def qloop(qapp: Any) -> Iterator[Callable[[Coroutine[Any, Any, _T]], _T]]:
    """Runs a coroutine to completion in a qasync loop on the test's QApplication."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    def run(coroutine: Coroutine[Any, Any, _T]) -> _T:
        return loop.run_until_complete(asyncio.wait_for(coroutine, 60))

    try:
        yield run
    finally:
        asyncio.set_event_loop(None)
        loop.close()


async def until(check: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds; fail after a bounded wait naming ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    return tmp_path
