"""The speaker interface the app talks to, its status report, and a speaker that stays silent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from desktop.core.phrasing import Language
from desktop.speech.errors import SpeechEngineError
from desktop.speech.voices import VoiceChoice


@dataclass(frozen=True, slots=True)
class SpeechStatus:
    """Whether spoken alerts can be heard, and what to tell the shop owner if not.

    ``problem`` is empty when all is well; it can be set while speech is still available (a
    missing Mandarin voice, say). ``voices`` maps each language to the voice id it will use,
    ``choices`` to that voice and what its phonemes showed. ``checked`` is False for the guess
    made before any engine was tried.
    """

    engine_ok: bool
    playback_ok: bool = True
    driver: str | None = None
    voices: Mapping[Language, str | None] = field(default_factory=dict)
    problem: str = ""
    checked: bool = True
    choices: Mapping[Language, VoiceChoice] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        """True when an engine works and its sound reaches the speakers."""
        return self.engine_ok and self.playback_ok

    def voice_verdict(self, language: Language) -> str:
        """The voice ``language`` is spoken with and what its phonemes showed, for a check's
        line: "voice sit/cmn-latn-pinyin, its phonemes hold no language switch".

        Raises SpeechEngineError when no engine works, no voice fits the language, or the
        voice's phonemes show it would not speak the language.
        """
        if not self.engine_ok:
            raise SpeechEngineError(self.problem or "no speech engine works")
        choice = self.choices.get(language)
        if choice is None or choice.voice_id is None:
            raise SpeechEngineError(choice.problem if choice else f"no voice for {language.value}")
        if choice.problem:
            raise SpeechEngineError(f"voice {choice.voice_id}: {choice.problem}")
        if not choice.checked:
            return f"voice {choice.voice_id}, phonemes not checkable"
        return f"voice {choice.voice_id}, its phonemes hold no language switch"


class Speaker(Protocol):
    """Says things aloud without ever blocking the caller."""

    @property
    def available(self) -> bool:
        """False when nothing said will be heard."""
        ...

    def say(self, text: str, language: Language, priority: int = 0) -> None:
        """Queue ``text``; higher ``priority`` is said first, equal priorities in order."""
        ...

    def ring(self, priority: int = 0) -> None:
        """Queue the chime, in the same order as speech; one waiting chime at most."""
        ...

    def check_output(self) -> str | None:
        """Blocks: why sound played now would not be heard (no device, muted), or None."""
        ...

    def stop(self) -> None:
        """Drop everything not yet being said."""
        ...


class SilentSpeaker:
    """The speaker when no engine works: says nothing, and reports why."""

    def __init__(self, problem: str = "no speech engine works on this computer") -> None:
        self.status = SpeechStatus(engine_ok=False, problem=problem)

    @property
    def available(self) -> bool:
        """Always False."""
        return False

    def say(self, text: str, language: Language, priority: int = 0) -> None:
        """Do nothing."""

    def ring(self, priority: int = 0) -> None:
        """Do nothing."""

    def check_output(self) -> str | None:
        """Nothing is played, so nothing can be found wrong with the output."""
        return None

    def stop(self) -> None:
        """Do nothing."""
