"""The only module that touches pyttsx3: build an engine, list voices, save one utterance.

pyttsx3 2.99 has no type hints and several traps per platform; this module keeps them here and
everything else talks to :class:`TtsEngine`.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pyttsx3.engine

from desktop.speech.errors import SpeechEngineError
from desktop.speech.voices import VoiceInfo

logger = logging.getLogger(__name__)

# A WAV header alone is 44 bytes: a file no bigger holds no sound.
_WAV_HEADER_BYTES = 44
# Upper bound on waiting for espeak's own thread; the speech worker's timeout comes far earlier.
_ESPEAK_FINISH_LIMIT_S = 300.0
# espeak_TextToPhonemes: UTF-8 text in, espeak's ASCII phoneme mnemonics out (as `-x` prints).
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_MNEMONICS = 0
_PHONEME_CLAUSE_LIMIT = 100


class TtsEngine(Protocol):
    """What the speech worker needs from an engine; one engine is used by one thread only."""

    @property
    def driver_name(self) -> str:
        """The pyttsx3 driver (espeak, sapi5, nsss) or a fake's name."""
        ...

    @property
    def reusable(self) -> bool:
        """False when the next utterance needs a fresh engine."""
        ...

    def voices(self) -> list[VoiceInfo]:
        """The installed voices."""
        ...

    def configure(self, *, voice_id: str | None, rate: int | None, volume: float | None) -> None:
        """Voice, rate (words per minute) and volume (0.0-1.0) for what follows; None: default."""
        ...

    def save_to_file(self, text: str, path: Path) -> None:
        """Synthesise one utterance into a WAV file; blocks until it is written."""
        ...

    def phonemes(self, text: str, voice_id: str) -> str | None:
        """What the voice would say for ``text``, as the engine's phonemes; None: not exposed."""
        ...


EngineFactory = Callable[[], TtsEngine]


class Pyttsx3Engine:
    """A pyttsx3 engine built fresh (never the process-wide cached one), used on one thread."""

    def __init__(self, driver_name: str | None = None) -> None:
        _prepare_thread()
        try:
            # Not pyttsx3.init(): it caches one engine per driver for the whole process, so two
            # threads could share it and a broken one would come back forever.
            self._engine: Any = pyttsx3.engine.Engine(driver_name)
        except Exception as exc:
            raise SpeechEngineError(f"no speech engine could be started: {exc}") from exc
        self._driver_name = str(self._engine.driver_name)
        _print_to_log(self._engine)
        self._errors: list[tuple[str | None, Exception]] = []
        self._finished = threading.Event()
        # Callbacks must not hold `self`: a reference cycle would leave a discarded engine to
        # the garbage collector, whose finaliser resets espeak's one global synth callback,
        # possibly after the next engine has installed its own.
        self._engine.connect("error", _error_recorder(self._errors))
        self._engine.connect("finished-utterance", _finish_flag(self._finished))
        self._utterances = 0
        # espeak keeps the target file of save_to_file for every later utterance.
        self._saved_to_file = False

    @property
    def driver_name(self) -> str:
        """The pyttsx3 driver in use."""
        return self._driver_name

    @property
    def reusable(self) -> bool:
        """False after a save to file, and always on SAPI5.

        pyttsx3 2.99 on Windows is silent after the first utterance of an engine (upstream
        issues #419/#440), so each utterance gets a fresh engine there.
        """
        return not self._saved_to_file and self._driver_name != "sapi5"

    def voices(self) -> list[VoiceInfo]:
        """The installed voices as the driver reports them."""
        raw = self._engine.getProperty("voices") or []
        return [
            VoiceInfo(
                id=str(voice.id),
                name=str(voice.name or voice.id),
                languages=tuple(str(tag) for tag in voice.languages or ()),
            )
            for voice in raw
        ]

    def configure(self, *, voice_id: str | None, rate: int | None, volume: float | None) -> None:
        """Apply voice, rate and volume; a bad value is logged, and the default stays."""
        self._errors.clear()
        if voice_id is not None:
            self._engine.setProperty("voice", voice_id)
        if rate is not None:
            self._engine.setProperty("rate", rate)
        if volume is not None:
            self._engine.setProperty("volume", volume)
        # Property errors only reach the error callback, some of them during the next run.
        self._log_errors()

    def save_to_file(self, text: str, path: Path) -> None:
        """Write ``text`` as a WAV file; afterwards this engine must not be used again."""
        name = self._start()
        self._saved_to_file = True
        self._engine.save_to_file(text, str(path), name)
        self._engine.runAndWait()
        self._await_finish()
        self._raise_errors(name)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise SpeechEngineError(f"the speech engine wrote no file: {exc}") from exc
        if size <= _WAV_HEADER_BYTES:
            raise SpeechEngineError("the speech engine wrote an empty file")

    def phonemes(self, text: str, voice_id: str) -> str | None:
        """espeak-ng's phonemes for ``text`` in that voice (language switches shown as ``(en)``).

        Only espeak exposes them; SAPI5 and the others give None. The current voice is put
        back afterwards.
        """
        if self._driver_name != "espeak":
            return None
        from pyttsx3.drivers import _espeak

        previous = self._engine.getProperty("voice")
        try:
            return _espeak_phonemes(_espeak, text, voice_id)
        finally:
            if previous:
                _espeak.SetVoiceByName(str(previous).encode("utf-8"))

    def _start(self) -> str:
        self._utterances += 1
        self._errors.clear()
        self._finished.clear()
        return f"orderbell-{self._utterances}"

    def _await_finish(self) -> None:
        """Block until espeak has really finished.

        pyttsx3 2.99's espeak driver synthesises on espeak's own thread, and its runAndWait
        returns after one 10 ms tick, before the WAV is written or played. Returning then
        would let the next utterance overlap this one, hide a hung audio device from the
        worker's timeout, and (with a fresh engine taking over espeak's single callback)
        lose the rest of this utterance. The driver reports the real end as
        "finished-utterance", after writing the file or after aplay returns.
        """
        if self._driver_name != "espeak":
            return
        if not self._finished.wait(_ESPEAK_FINISH_LIMIT_S):
            raise SpeechEngineError("the speech engine never finished the utterance")

    def _raise_errors(self, name: str) -> None:
        failures = [exc for error_name, exc in self._errors if error_name == name]
        self._log_errors(skip=name)
        if failures:
            raise SpeechEngineError(f"the speech engine failed: {failures[0]}") from failures[0]

    def _log_errors(self, skip: str | None = None) -> None:
        for error_name, exc in self._errors:
            if skip is None or error_name != skip:
                logger.warning("speech engine setting rejected: %s", exc)
        self._errors.clear()


def _espeak_phonemes(espeak: Any, text: str, voice_id: str) -> str:
    """``espeak_TextToPhonemes`` clause by clause, as ``espeak-ng -q -x -v VOICE TEXT`` prints."""
    if espeak.SetVoiceByName(voice_id.encode("utf-8")) != 0:
        raise SpeechEngineError(f"espeak-ng has no voice {voice_id!r}")
    to_phonemes = espeak.dll.espeak_TextToPhonemes
    to_phonemes.restype = ctypes.c_char_p
    to_phonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    encoded = ctypes.create_string_buffer(text.encode("utf-8", errors="replace"))
    # espeak advances the pointer clause by clause and sets it to NULL at the end.
    cursor = ctypes.c_void_p(ctypes.addressof(encoded))
    clauses: list[str] = []
    while cursor.value and len(clauses) < _PHONEME_CLAUSE_LIMIT:
        clause = to_phonemes(ctypes.byref(cursor), _ESPEAK_CHARS_UTF8, _ESPEAK_MNEMONICS)
        clauses.append((clause or b"").decode("utf-8", errors="replace"))
    return " ".join(clauses)


def _print_to_log(engine: Any) -> None:
    """Send the driver's own prints to the debug log.

    pyttsx3 2.99's espeak driver prints "Audio saved to …" on standard output for every file it
    writes, which would stand between the lines of ``--self-check`` and the demo. Its module's
    ``print`` is replaced (for every engine of that driver, the same each time).
    """
    module = getattr(getattr(engine, "proxy", None), "_module", None)
    if module is not None:
        module.print = _driver_print


def _driver_print(*values: object, **_options: object) -> None:
    logger.debug("speech driver: %s", " ".join(str(value) for value in values))


def _error_recorder(
    errors: list[tuple[str | None, Exception]],
) -> Callable[..., None]:
    def on_error(name: str | None = None, exception: Exception | None = None) -> None:
        if exception is not None:
            errors.append((name, exception))

    return on_error


def _finish_flag(finished: threading.Event) -> Callable[..., None]:
    def on_finished(name: str | None = None, completed: bool = True) -> None:
        # Called on espeak's own thread, or inside runAndWait for the other drivers.
        finished.set()

    return on_finished


def build_engine() -> TtsEngine:
    """A fresh engine for the platform; raises SpeechEngineError.

    macOS uses the system ``say`` command: pyttsx3's nsss driver can quit the host GUI app when
    its run loop ends.
    """
    if sys.platform == "darwin":
        from desktop.speech.say_command import SayCommandEngine

        return SayCommandEngine()
    return Pyttsx3Engine()


def _prepare_thread() -> None:
    """SAPI5 is COM: every thread that uses it must initialise COM first."""
    if sys.platform == "win32":
        import pythoncom  # pywin32, a pyttsx3 dependency on Windows

        pythoncom.CoInitialize()
