"""The speech worker: a priority queue of utterances and chimes, played one at a time, checked."""

from __future__ import annotations

import itertools
import logging
import queue
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import cast

from desktop.core.phrasing import Language
from desktop.speech.engine import EngineFactory, TtsEngine, build_engine
from desktop.speech.errors import (
    PlaybackError,
    SpeechClosed,
    SpeechEngineError,
    SpeechError,
    SpeechTimeout,
)
from desktop.speech.jobs import EngineThread, Job, JobKind, Queued, Settings, with_engine
from desktop.speech.phonemes import sample_phrase
from desktop.speech.playback import check_output, play_checked, speak_aloud
from desktop.speech.player import Player, default_player
from desktop.speech.speaker import SpeechStatus
from desktop.speech.voices import VoiceChoice, VoiceInfo, check_voice, choose_voice

logger = logging.getLogger(__name__)

TextCallback = Callable[[str], None]
FailureCallback = Callable[[str, SpeechError], None]
SoundCallback = Callable[[str | None], None]

# Ahead of every real priority, so close() does not wait for the whole queue to be said.
_CLOSE_RANK = -sys.maxsize
CHIME_TIMEOUT_S = 10.0
CHECK_TIMEOUT_S = 10.0


def default_timeout(text: str) -> float:
    """How long one utterance may take, synthesis and playback, before it counts as hung."""
    return max(10.0, len(text) * 0.5)


class SpeechWorker:
    """Plays utterances and the chime one at a time on its own threads; never blocks :meth:`say`.

    Speech is synthesised to a WAV file, checked to hold sound, played by ``player`` (aplay,
    afplay, winsound) whose result is checked, and the output is checked for a mute: an
    utterance counts as said only when all of that went well.

    Higher priority first, first come first served within a priority. Each utterance has a
    timeout (``utterance_timeout(text)``, by default the longer of 10 s and 0.5 s per
    character); an engine that hangs or raises is abandoned with its thread, and the next
    utterance gets a fresh thread and a fresh engine. Only a hung engine that later wakes up
    could overlap the next utterance; nothing else ever does.

    Callbacks run on the worker's supervisor thread, never on the caller's: a Qt UI must
    marshal them to the GUI thread (e.g. by emitting a signal). ``on_started(text)`` just
    before an utterance, ``on_finished(text)`` after it was played, ``on_failed(text, error)``
    when it was not (a :class:`PlaybackError` when the sound did not reach the speakers).
    ``on_sound(problem)`` after every utterance, chime and output check that reached the
    player: None when the sound went out, else why it was not heard. An exception in a callback
    is logged and ignored.

    Call :meth:`probe` once at start-up: until then :attr:`status` is an unchecked guess.
    """

    def __init__(
        self,
        engine_factory: EngineFactory = build_engine,
        *,
        player: Player | None = None,
        chime: Path | None = None,
        utterance_timeout: Callable[[str], float] = default_timeout,
        rate: int | None = None,
        volume: float | None = None,
        on_started: TextCallback | None = None,
        on_finished: TextCallback | None = None,
        on_failed: FailureCallback | None = None,
        on_sound: SoundCallback | None = None,
    ) -> None:
        self._engine_factory = engine_factory
        self._player = player if player is not None else default_player()
        self.chime = chime
        self._utterance_timeout = utterance_timeout
        self.on_started = on_started
        self.on_finished = on_finished
        self.on_failed = on_failed
        self.on_sound = on_sound
        self._lock = threading.Lock()
        self._rate: int | None = None
        self._volume: float | None = None
        self._voices: dict[Language, str] = {}
        self.rate = rate
        self.volume = volume
        self._queue: queue.PriorityQueue[Queued] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._closed = False
        self._chime_waiting = False
        self._probed = SpeechStatus(engine_ok=True, checked=False)
        self._failure: str | None = None
        self._unheard: str | None = None
        # The automatic voice per driver and language, chosen once by its phonemes.
        self._choices: dict[tuple[str, Language], VoiceChoice] = {}
        # Touched by the supervisor thread only.
        self._engine_thread: EngineThread | None = None
        self._engine_threads = 0
        self._supervisor = threading.Thread(
            target=self._supervise, name="orderbell-speech", daemon=True
        )
        self._supervisor.start()

    @property
    def player(self) -> Player:
        """What plays the sound."""
        return self._player

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
        """The last probe's findings, overridden by the last failure to speak or to be heard."""
        status = self._probed
        if self._failure is not None:
            status = replace(status, engine_ok=False, problem=self._failure)
        if self._unheard is not None:
            status = replace(status, playback_ok=False, problem=self._unheard)
        return status

    @property
    def available(self) -> bool:
        """False when speech is known not to be heard (probe or last playback failed)."""
        return self.status.available

    @property
    def queued(self) -> int:
        """Requests waiting, not counting the one the engine is working on."""
        return self._queue.qsize()

    def say(self, text: str, language: Language, priority: int = 0) -> None:
        """Queue one utterance and return at once."""
        if not text.strip():
            return
        self._enqueue(self._utterance(text, language), priority)

    def say_and_wait(self, text: str, language: Language, priority: int = 0) -> None:
        """Say ``text`` and block until it was played (Settings' Test voice, the self-check).

        Raises PlaybackError when it was not heard, or another SpeechError.
        """
        job = self._utterance(text, language)
        self._enqueue(job, priority)
        job.outcome()

    def ring(self, priority: int = 0) -> None:
        """Queue the chime and return at once; nothing when one is already waiting to ring."""
        chime = self.chime
        if chime is None:
            return
        with self._lock:
            if self._chime_waiting:
                return
            self._chime_waiting = True

        def play(engine: TtsEngine | None) -> None:
            with self._lock:
                self._chime_waiting = False
            play_checked(self._player, chime, CHIME_TIMEOUT_S)

        self._enqueue(Job(JobKind.RING, "(chime)", None, play, CHIME_TIMEOUT_S + 1), priority)

    def check_output(self, timeout: float = CHECK_TIMEOUT_S) -> str | None:
        """Play an instant of silence; why sound would not be heard now, or None. Blocks."""

        def check(engine: TtsEngine | None) -> None:
            check_output(self._player, timeout)

        job = Job(JobKind.CHECK, "(sound check)", None, check, timeout + 1)
        self._enqueue(job, 0)
        try:
            job.outcome()
        except SpeechError as exc:
            return str(exc)
        return None

    def stop(self) -> None:
        """Drop every utterance and chime not yet started; the one playing finishes (it cannot be
        cut safely from another thread). Blocking requests (files, probes) stay queued."""
        kept: list[Queued] = []
        dropped: list[Job] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item.job is not None and item.job.kind.audible:
                dropped.append(item.job)
            else:
                kept.append(item)
        for item in kept:
            self._queue.put(item)
        with self._lock:
            self._chime_waiting = False
        for job in dropped:
            job.settle(error=SpeechClosed("stopped before it was played"))

    def synthesize_to_file(
        self, text: str, language: Language, path: Path, timeout: float = 30.0
    ) -> None:
        """Write ``text`` spoken in ``language`` to a WAV file; blocks until written.

        ``timeout`` bounds the engine's work, not the wait behind utterances already queued.
        Raises SpeechTimeout, SpeechEngineError or SpeechClosed.
        """

        def save(engine: TtsEngine | None) -> None:
            with_engine(engine).save_to_file(text, path)

        job = Job(JobKind.ENGINE, text, language, save, timeout)
        self._enqueue(job, 0)
        job.outcome()

    def list_voices(self, timeout: float = 10.0) -> list[VoiceInfo]:
        """The installed voices (for the settings dialog); blocks. Raises SpeechError."""

        def voices(engine: TtsEngine | None) -> list[VoiceInfo]:
            return with_engine(engine).voices()

        job = Job(JobKind.ENGINE, "(list voices)", None, voices, timeout)
        self._enqueue(job, 0)
        return cast(list[VoiceInfo], job.outcome())

    def probe(self, timeout: float = 15.0) -> SpeechStatus:
        """Check that an engine starts, has voices that speak each language, writes audio, and
        that its player is there; blocks. Never raises, plays nothing."""

        def probe(engine: TtsEngine | None) -> SpeechStatus:
            return self._probe_engine(with_engine(engine))

        job = Job(JobKind.ENGINE, "(probe)", None, probe, timeout)
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
                self._queue.put(Queued(_CLOSE_RANK, next(self._seq), None))
        self._supervisor.join(timeout)

    def __enter__(self) -> SpeechWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _utterance(self, text: str, language: Language) -> Job:
        timeout = self._utterance_timeout(text)

        def speak(engine: TtsEngine | None) -> None:
            speak_aloud(with_engine(engine), text, self._player, timeout)

        return Job(JobKind.SAY, text, language, speak, timeout)

    def _enqueue(self, job: Job, priority: int) -> None:
        with self._lock:
            if not self._closed:
                self._queue.put(Queued(-priority, next(self._seq), job))
                return
        logger.info("speech worker closed, dropping %r", job.text)
        job.settle(error=SpeechClosed("the speech worker has been closed"))

    def _settings(self) -> Settings:
        with self._lock:
            return Settings(rate=self._rate, volume=self._volume, voices=dict(self._voices))

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

    def _run(self, job: Job) -> None:
        engine_thread = self._engine_thread
        if engine_thread is None:
            self._engine_threads += 1
            engine_thread = EngineThread(
                self._engine_factory, self._settings, self._automatic_voice, self._engine_threads
            )
            self._engine_thread = engine_thread
        if job.kind is JobKind.SAY:
            self._notify(self.on_started, job.text)
        engine_thread.submit(job)
        if not job.ran.wait(job.timeout):
            engine_thread.retire()
            self._engine_thread = None
            self._fail(job, SpeechTimeout(f"speech engine did not finish in {job.timeout:g} s"))
            return
        if engine_thread.retired:
            self._engine_thread = None
        if job.engine_error is not None:
            self._fail(job, _as_speech_error(job.engine_error))
            return
        if job.kind is JobKind.SAY:
            logger.info("played %r", job.text)
            self._failure = None
        if job.kind.plays:
            self._unheard = None
            self._report_sound(None)
        job.settle(result=job.engine_result)
        if job.kind is JobKind.SAY:
            self._notify(self.on_finished, job.text)

    def _fail(self, job: Job, error: SpeechError) -> None:
        if isinstance(error, PlaybackError):
            logger.warning("not heard %r: %s", job.text, error)
            self._unheard = str(error)
        else:
            logger.warning("speech failed on %r, starting a fresh engine: %s", job.text, error)
            self._failure = str(error)
        job.settle(error=error)
        if isinstance(error, PlaybackError):
            self._report_sound(str(error))
        if job.kind is JobKind.SAY and self.on_failed is not None:
            try:
                self.on_failed(job.text, error)
            except Exception:
                logger.exception("speech on_failed callback raised")

    def _report_sound(self, problem: str | None) -> None:
        if self.on_sound is None:
            return
        try:
            self.on_sound(problem)
        except Exception:
            logger.exception("speech on_sound callback raised")

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
                    override, language, _phoneme_reader(engine, language), engine.voices()
                )
        with tempfile.TemporaryDirectory(prefix="orderbell-probe-") as directory:
            engine.save_to_file("OrderBell", Path(directory) / "probe.wav")
        problems = [_voice_problem(choice) for choice in choices.values() if choice.problem]
        playback = self._player.output_problem()
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
