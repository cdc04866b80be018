"""The speech worker: a priority queue of utterances, said one at a time by a replaceable engine."""

from __future__ import annotations

import itertools
import logging
import queue
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from desktop.core.phrasing import Language
from desktop.speech.engine import EngineFactory, TtsEngine, build_engine
from desktop.speech.errors import SpeechClosed, SpeechEngineError, SpeechError, SpeechTimeout
from desktop.speech.phonemes import sample_phrase
from desktop.speech.speaker import SpeechStatus
from desktop.speech.voices import VoiceChoice, VoiceInfo, check_voice, choose_voice

logger = logging.getLogger(__name__)

TextCallback = Callable[[str], None]
FailureCallback = Callable[[str, SpeechError], None]

# Ahead of every real priority, so close() does not wait for the whole queue to be said.
_CLOSE_RANK = -sys.maxsize


def default_timeout(text: str) -> float:
    """How long one utterance may take before the engine counts as hung."""
    return max(10.0, len(text) * 0.5)


@dataclass(frozen=True, slots=True)
class _Settings:
    rate: int | None
    volume: float | None
    voices: Mapping[Language, str]


class _Job:
    """One request for the engine thread, and its outcome."""

    def __init__(
        self,
        text: str,
        language: Language | None,
        action: Callable[[TtsEngine], object],
        timeout: float,
        *,
        spoken: bool,
    ) -> None:
        self.text = text
        self.language = language
        self.action = action
        self.timeout = timeout
        self.spoken = spoken
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
class _Queued:
    rank: int
    seq: int
    job: _Job | None = field(compare=False)


class _EngineThread:
    """A daemon thread owning one engine at a time; retired (and abandoned if hung) on failure."""

    def __init__(
        self,
        factory: EngineFactory,
        settings: Callable[[], _Settings],
        choose: Callable[[TtsEngine, Language], VoiceChoice],
        number: int,
    ) -> None:
        self._factory = factory
        self._settings = settings
        self._choose = choose
        self._inbox: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.retired = False
        self.thread = threading.Thread(
            target=self._run, name=f"orderbell-speech-engine-{number}", daemon=True
        )
        self.thread.start()

    def submit(self, job: _Job) -> None:
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
            try:
                if engine is None:
                    engine = self._factory()
                if job.language is not None:
                    self._configure(engine, job.language)
                job.engine_result = job.action(engine)
                if not engine.reusable:
                    engine = None
            except Exception as exc:
                # After a failure pyttsx3 engines stay broken: give up this thread and engine.
                job.engine_error = exc
                self.retired = True
            finally:
                job.ran.set()

    def _configure(self, engine: TtsEngine, language: Language) -> None:
        settings = self._settings()
        voice_id = settings.voices.get(language)
        if voice_id is None:
            voice_id = self._choose(engine, language).voice_id
        engine.configure(voice_id=voice_id, rate=settings.rate, volume=settings.volume)


class SpeechWorker:
    """Says utterances one at a time on its own threads; never blocks the caller of :meth:`say`.

    Higher priority first, first come first served within a priority. Each utterance has a
    timeout (``utterance_timeout(text)``, by default the longer of 10 s and 0.5 s per
    character); an engine that hangs or raises is abandoned with its thread, and the next
    utterance gets a fresh thread and a fresh engine. Only a hung engine that later wakes up
    could overlap the next utterance; nothing else ever does.

    Callbacks run on the worker's supervisor thread, never on the caller's: a Qt UI must
    marshal them to the GUI thread (e.g. by emitting a signal). ``on_started(text)`` just
    before an utterance, ``on_finished(text)`` after it, ``on_failed(text, error)`` when it
    timed out or the engine failed. An exception in a callback is logged and ignored.

    Call :meth:`probe` once at start-up: until then :attr:`status` is an unchecked guess.
    """

    def __init__(
        self,
        engine_factory: EngineFactory = build_engine,
        *,
        utterance_timeout: Callable[[str], float] = default_timeout,
        rate: int | None = None,
        volume: float | None = None,
        on_started: TextCallback | None = None,
        on_finished: TextCallback | None = None,
        on_failed: FailureCallback | None = None,
    ) -> None:
        self._engine_factory = engine_factory
        self._utterance_timeout = utterance_timeout
        self.on_started = on_started
        self.on_finished = on_finished
        self.on_failed = on_failed
        self._lock = threading.Lock()
        self._rate: int | None = None
        self._volume: float | None = None
        self._voices: dict[Language, str] = {}
        self.rate = rate
        self.volume = volume
        self._queue: queue.PriorityQueue[_Queued] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._closed = False
        self._probed = SpeechStatus(engine_ok=True, checked=False)
        self._failure: str | None = None
        # The automatic voice per driver and language, chosen once by its phonemes.
        self._choices: dict[tuple[str, Language], VoiceChoice] = {}
        # Touched by the supervisor thread only.
        self._engine_thread: _EngineThread | None = None
        self._engine_threads = 0
        self._supervisor = threading.Thread(
            target=self._supervise, name="orderbell-speech", daemon=True
        )
        self._supervisor.start()

    @property
    def rate(self) -> int | None:
        """Speaking rate in words per minute; None: the engine's default."""
        return self._rate

    @rate.setter
    def rate(self, value: int | None) -> None:
        if value is not None and value <= 0:
            raise ValueError(f"speech rate must be positive, got {value}")
        with self._lock:
            self._rate = value

    @property
    def volume(self) -> float | None:
        """Volume from 0.0 to 1.0; None: the engine's default."""
        return self._volume

    @volume.setter
    def volume(self, value: float | None) -> None:
        if value is not None and not 0.0 <= value <= 1.0:
            raise ValueError(f"speech volume must be between 0.0 and 1.0, got {value}")
        with self._lock:
            self._volume = value

    def set_language_voice(self, language: Language, voice_id: str | None) -> None:
        """Speak ``language`` with this voice id; None goes back to the automatic choice."""
        with self._lock:
            if voice_id is None:
                self._voices.pop(language, None)
            else:
                self._voices[language] = voice_id

    @property
    def status(self) -> SpeechStatus:
        """The last probe's findings, overridden by the last utterance's failure if any."""
        if self._failure is not None:
            return replace(self._probed, engine_ok=False, problem=self._failure)
        return self._probed

    @property
    def available(self) -> bool:
        """False when speech is known not to be heard (probe or last utterance failed)."""
        return self.status.available

    @property
    def queued(self) -> int:
        """Requests waiting, not counting the one the engine is working on."""
        return self._queue.qsize()

    def say(self, text: str, language: Language, priority: int = 0) -> None:
        """Queue one utterance and return at once."""
        if not text.strip():
            return
        job = _Job(
            text,
            language,
            lambda engine: engine.speak(text),
            self._utterance_timeout(text),
            spoken=True,
        )
        self._enqueue(job, priority)

    def stop(self) -> None:
        """Drop every utterance not yet started; the one being said finishes (it cannot be cut
        safely from another thread). Blocking requests (files, probes) stay queued."""
        kept: list[_Queued] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item.job is None or not item.job.spoken:
                kept.append(item)
        for item in kept:
            self._queue.put(item)

    def synthesize_to_file(
        self, text: str, language: Language, path: Path, timeout: float = 30.0
    ) -> None:
        """Write ``text`` spoken in ``language`` to a WAV file; blocks until written.

        ``timeout`` bounds the engine's work, not the wait behind utterances already queued.
        Raises SpeechTimeout, SpeechEngineError or SpeechClosed.
        """
        job = _Job(
            text, language, lambda engine: engine.save_to_file(text, path), timeout, spoken=False
        )
        self._enqueue(job, 0)
        job.outcome()

    def list_voices(self, timeout: float = 10.0) -> list[VoiceInfo]:
        """The installed voices (for the settings dialog); blocks. Raises SpeechError."""
        job = _Job("(list voices)", None, lambda engine: engine.voices(), timeout, spoken=False)
        self._enqueue(job, 0)
        return cast(list[VoiceInfo], job.outcome())

    def probe(self, timeout: float = 15.0) -> SpeechStatus:
        """Check that an engine starts, has voices and writes audio; blocks. Never raises."""
        job = _Job("(probe)", None, self._probe_engine, timeout, spoken=False)
        self._enqueue(job, 0)
        try:
            status = cast(SpeechStatus, job.outcome())
        except SpeechError as exc:
            return SpeechStatus(engine_ok=False, problem=str(exc))
        self._probed = status
        self._failure = None
        return status

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker: drop what is queued and end its threads (waits up to ``timeout``)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_Queued(_CLOSE_RANK, next(self._seq), None))
        self._supervisor.join(timeout)

    def __enter__(self) -> SpeechWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _enqueue(self, job: _Job, priority: int) -> None:
        with self._lock:
            if not self._closed:
                self._queue.put(_Queued(-priority, next(self._seq), job))
                return
        logger.info("speech worker closed, dropping %r", job.text)
        job.settle(error=SpeechClosed("the speech worker has been closed"))

    def _settings(self) -> _Settings:
        with self._lock:
            return _Settings(rate=self._rate, volume=self._volume, voices=dict(self._voices))

    def _supervise(self) -> None:
        while True:
            job = self._queue.get().job
            if job is None:
                break
            try:
                self._run(job)
            except Exception as exc:  # a bug here must not silence every later alert
                logger.exception("speech worker failed on %r", job.text)
                job.settle(error=SpeechEngineError(f"speech worker error: {exc}"))
        while True:
            try:
                job = self._queue.get_nowait().job
            except queue.Empty:
                break
            if job is not None:
                job.settle(error=SpeechClosed("the speech worker has been closed"))
        if self._engine_thread is not None:
            self._engine_thread.retire()

    def _run(self, job: _Job) -> None:
        engine_thread = self._engine_thread
        if engine_thread is None:
            self._engine_threads += 1
            engine_thread = _EngineThread(
                self._engine_factory, self._settings, self._automatic_voice, self._engine_threads
            )
            self._engine_thread = engine_thread
        if job.spoken:
            self._notify(self.on_started, job.text)
        engine_thread.submit(job)
        if not job.ran.wait(job.timeout):
            engine_thread.retire()
            self._engine_thread = None
            self._fail(job, SpeechTimeout(f"speech engine did not finish in {job.timeout:g} s"))
            return
        if job.engine_error is not None:
            self._engine_thread = None
            self._fail(job, _as_speech_error(job.engine_error))
            return
        if job.spoken:
            logger.info("said %r", job.text)
        self._failure = None
        job.settle(result=job.engine_result)
        if job.spoken:
            self._notify(self.on_finished, job.text)

    def _fail(self, job: _Job, error: SpeechError) -> None:
        logger.warning("speech failed on %r, starting a fresh engine: %s", job.text, error)
        self._failure = str(error)
        job.settle(error=error)
        if job.spoken and self.on_failed is not None:
            try:
                self.on_failed(job.text, error)
            except Exception:
                logger.exception("speech on_failed callback raised")

    @staticmethod
    def _notify(callback: TextCallback | None, text: str) -> None:
        if callback is None:
            return
        try:
            callback(text)
        except Exception:
            logger.exception("speech callback raised")

    def _automatic_voice(self, engine: TtsEngine, language: Language) -> VoiceChoice:
        """The voice for ``language`` when none is set: chosen once per driver by its phonemes."""
        key = (engine.driver_name, language)
        with self._lock:
            choice = self._choices.get(key)
        if choice is None:
            choice = choose_voice(engine.voices(), language, _phoneme_reader(engine, language))
            logger.info(
                "voice for %s: %s (%s)",
                language.value,
                choice.voice_id,
                _verdict(choice),
            )
            with self._lock:
                self._choices[key] = choice
        return choice

    def _probe_engine(self, engine: TtsEngine) -> SpeechStatus:
        overrides = self._settings().voices
        choices: dict[Language, VoiceChoice] = {}
        for language in Language:
            override = overrides.get(language)
            if override is None:
                choices[language] = self._automatic_voice(engine, language)
            else:
                choices[language] = check_voice(
                    override, language, _phoneme_reader(engine, language)
                )
        with tempfile.TemporaryDirectory(prefix="orderbell-probe-") as directory:
            engine.save_to_file("OrderBell", Path(directory) / "probe.wav")
        problems = [_voice_problem(choice) for choice in choices.values() if choice.problem]
        playback = engine.playback_problem()
        if playback is not None:
            problems.insert(0, playback)
        return SpeechStatus(
            engine_ok=True,
            playback_ok=playback is None,
            driver=engine.driver_name,
            voices={language: choice.voice_id for language, choice in choices.items()},
            choices=choices,
            problem="; ".join(problems),
        )


def _phoneme_reader(engine: TtsEngine, language: Language) -> Callable[[str], str | None]:
    sample = sample_phrase(language)
    return lambda voice_id: engine.phonemes(sample, voice_id)


def _verdict(choice: VoiceChoice) -> str:
    if choice.problem:
        return choice.problem
    return "phonemes checked" if choice.checked else "phonemes not available"


def _voice_problem(choice: VoiceChoice) -> str:
    if choice.voice_id is None:
        return choice.problem
    return f"voice {choice.voice_id}: {choice.problem}"


def _as_speech_error(exc: Exception) -> SpeechError:
    if isinstance(exc, SpeechError):
        return exc
    error = SpeechEngineError(f"the speech engine failed: {exc}")
    error.__cause__ = exc
    return error
