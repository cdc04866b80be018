"""The speech worker's requests and the thread that carries them out with one engine at a time."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from desktop.core.phrasing import Language
from desktop.speech.engine import EngineFactory, TtsEngine
from desktop.speech.errors import PlaybackError, SpeechEngineError, SpeechError
from desktop.speech.voices import VoiceChoice


class JobKind(Enum):
    """What a request is; it decides which callbacks fire and what ``stop()`` drops."""

    SAY = "say"  # an utterance played aloud
    RING = "ring"  # the chime played aloud
    CHECK = "check"  # silence played, to see whether the output works
    ENGINE = "engine"  # engine work for a caller: a file, the voice list, the probe

    @property
    def audible(self) -> bool:
        """An alert sound: dropped by ``stop()``."""
        return self in (JobKind.SAY, JobKind.RING)

    @property
    def plays(self) -> bool:
        """Ends in the player, so its outcome tells whether the output works."""
        return self is not JobKind.ENGINE

    @property
    def needs_engine(self) -> bool:
        """Needs the TTS engine (the chime and the output check do not)."""
        return self in (JobKind.SAY, JobKind.ENGINE)


Action = Callable[[TtsEngine | None], object]


@dataclass(frozen=True, slots=True)
class Settings:
    """Voice settings as they were when a job started."""

    rate: int | None
    volume: float | None
    voices: Mapping[Language, str]


class Job:
    """One request for the engine thread, and its outcome."""

    def __init__(
        self,
        kind: JobKind,
        text: str,
        language: Language | None,
        action: Action,
        timeout: float,
    ) -> None:
        self.kind = kind
        self.text = text
        self.language = language
        self.action = action
        self.timeout = timeout
        # Written by the engine thread; read by the supervisor only after `ran` is set.
        self.ran = threading.Event()
        self.engine_result: object = None
        self.engine_error: Exception | None = None
        # Written by the supervisor; read by a caller waiting on `settled`.
        self.settled = threading.Event()
        self.result: object = None
        self.error: SpeechError | None = None

    def settle(self, result: object = None, error: SpeechError | None = None) -> None:
        self.result = result
        self.error = error
        self.settled.set()

    def outcome(self) -> object:
        """Block until settled; the result, or the failure raised."""
        self.settled.wait()
        if self.error is not None:
            raise self.error
        return self.result


@dataclass(order=True, slots=True)
class Queued:
    """A job in the priority queue: lower rank first, then first come first served."""

    rank: int
    seq: int
    job: Job | None = field(compare=False)


def with_engine(engine: TtsEngine | None) -> TtsEngine:
    """The engine an engine job was given (the thread builds one for every such job)."""
    if engine is None:
        raise SpeechEngineError("no speech engine was started for this request")
    return engine


class EngineThread:
    """A daemon thread owning one engine at a time; retired (and abandoned if hung) on failure.

    A playback failure is the sound output's fault, not the engine's: the thread stays.
    """

    def __init__(
        self,
        factory: EngineFactory,
        settings: Callable[[], Settings],
        choose: Callable[[TtsEngine, Language], VoiceChoice],
        number: int,
    ) -> None:
        self._factory = factory
        self._settings = settings
        self._choose = choose
        self._inbox: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.retired = False
        self.thread = threading.Thread(
            target=self._run, name=f"orderbell-speech-engine-{number}", daemon=True
        )
        self.thread.start()

    def submit(self, job: Job) -> None:
        self._inbox.put(job)

    def retire(self) -> None:
        """Exit after the current job; a hung thread exits whenever its engine returns."""
        self.retired = True
        self._inbox.put(None)

    def _run(self) -> None:
        engine: TtsEngine | None = None
        while not self.retired:
            job = self._inbox.get()
            if job is None:
                return
            used = None
            try:
                if job.kind.needs_engine:
                    if engine is None:
                        engine = self._factory()
                    used = engine
                    if job.language is not None:
                        self._configure(engine, job.language)
                job.engine_result = job.action(used)
            except PlaybackError as exc:
                job.engine_error = exc
            except Exception as exc:
                # After a failure pyttsx3 engines stay broken: give up this thread and engine.
                job.engine_error = exc
                self.retired = True
            finally:
                if used is not None and not used.reusable:
                    engine = None
                job.ran.set()

    def _configure(self, engine: TtsEngine, language: Language) -> None:
        settings = self._settings()
        voice_id = settings.voices.get(language)
        if voice_id is None:
            voice_id = self._choose(engine, language).voice_id
        engine.configure(voice_id=voice_id, rate=settings.rate, volume=settings.volume)
