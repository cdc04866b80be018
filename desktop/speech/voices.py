"""Choosing an installed voice for a language, across espeak, SAPI5 and macOS voice lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop.core.phrasing import Language
from desktop.speech.errors import SpeechError
from desktop.speech.phonemes import LANGUAGE_NAMES, phoneme_problem


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    """One installed voice, as the settings dialog lists it."""

    id: str
    name: str
    languages: tuple[str, ...] = ()


# Names of Mandarin voices whose language tag some drivers do not report.
_MANDARIN_NAMES = ("huihui", "yaoyao", "kangkang", "tingting", "mandarin", "chinese (mandarin)")


PhonemeReader = Callable[[str], str | None]
"""The engine's phonemes for the sample phrase in a voice (by id); None: it cannot tell."""


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    """The voice a language is spoken with, and what checking its phonemes found.

    ``voice_id`` is None when no voice fits (the driver's default voice then speaks).
    ``checked`` is True when the engine's phonemes were examined; ``problem`` is empty when the
    voice was found to speak the language (or could not be checked).
    """

    language: Language
    voice_id: str | None
    checked: bool = False
    problem: str = ""


def rank_voices(voices: Sequence[VoiceInfo], language: Language) -> list[VoiceInfo]:
    """The voices that fit ``language`` by their language tags and names, best first."""
    score = _mandarin_score if language is Language.ZH else _english_score
    scored = [(score(voice), index, voice) for index, voice in enumerate(voices)]
    return [voice for value, _, voice in sorted(scored, key=_best_first) if value > 0]


def _best_first(item: tuple[int, int, VoiceInfo]) -> tuple[int, int]:
    value, index, _ = item
    return -value, index


def pick_voice(voices: Sequence[VoiceInfo], language: Language) -> VoiceInfo | None:
    """The best voice for ``language`` by its tags, or None when none fits."""
    ranked = rank_voices(voices, language)
    return ranked[0] if ranked else None


def voices_for_settings(voices: Sequence[VoiceInfo], language: Language) -> list[VoiceInfo]:
    """The voices the settings dialog offers for ``language``: only those that fit, by name."""
    fitting = rank_voices(voices, language)
    return sorted(fitting, key=lambda voice: (voice.name.casefold(), voice.id))


def choose_voice(
    voices: Sequence[VoiceInfo], language: Language, phonemes: PhonemeReader
) -> VoiceChoice:
    """The first fitting voice whose phonemes show it speaks ``language``.

    Candidates come from :func:`rank_voices`; the engine's phonemes decide, not the names. When
    the engine cannot give phonemes the best-ranked voice is taken unchecked; when every
    candidate fails, the best-ranked one is kept (better than the default voice) with the
    problem found.
    """
    candidates = rank_voices(voices, language)
    if not candidates:
        return VoiceChoice(language, None, problem=_MISSING_VOICE[language])
    checked = []
    for voice in candidates:
        choice = check_voice(voice.id, language, phonemes)
        if not choice.problem:
            return choice
        checked.append(choice)
    return checked[0]


def check_voice(
    voice_id: str,
    language: Language,
    phonemes: PhonemeReader,
    voices: Sequence[VoiceInfo] = (),
) -> VoiceChoice:
    """What the phonemes of one voice (e.g. chosen in Settings) say about it.

    Among the installed ``voices``, one tagged for another language is a problem whatever its
    phonemes: espeak-ng's English voice reads each Chinese character as "Chinese letter",
    with no language switch to show for it (a voice chosen before the language was changed).
    """
    installed = next((voice for voice in voices if voice.id == voice_id), None)
    if installed is not None and not rank_voices([installed], language):
        tags = ", ".join(installed.languages) or "another language"
        wrong = f"it is a voice for {tags}, not {LANGUAGE_NAMES[language]}"
        return VoiceChoice(language, voice_id, problem=wrong)
    try:
        found = phonemes(voice_id)
    except SpeechError as exc:
        return VoiceChoice(language, voice_id, checked=True, problem=str(exc))
    if found is None:
        return VoiceChoice(language, voice_id)
    problem = phoneme_problem(found, language)
    return VoiceChoice(language, voice_id, checked=True, problem=problem or "")


_MISSING_VOICE = {
    Language.ZH: "no Mandarin voice is installed (Windows: add the Chinese speech pack; "
    "Linux: install espeak-ng)",
    Language.EN: "no English voice is installed",
}


def _tags(voice: VoiceInfo) -> list[str]:
    return [tag.lower().replace("_", "-") for tag in voice.languages]


def _mandarin_score(voice: VoiceInfo) -> int:
    tags = _tags(voice)
    ident = voice.id.lower()
    name = voice.name.lower()
    if any(tag in {"cmn", "zh-cn", "zh", "cmn-cn", "zh-hans"} for tag in tags):
        return 100
    if ident.endswith("/cmn") or "zh-cn" in ident.replace("_", "-"):
        return 90
    # Cantonese (yue, zh-HK) and romanised Mandarin voices are only a last resort.
    if any(tag.startswith(("zh", "cmn")) and not _is_fallback_tag(tag) for tag in tags):
        return 80
    if any(word in name for word in _MANDARIN_NAMES):
        return 70
    if "cmn" in ident and "latn" not in ident:
        return 60
    if any(tag.startswith(("zh", "cmn")) for tag in tags):
        return 50
    return 0


def _is_fallback_tag(tag: str) -> bool:
    return "yue" in tag or "latn" in tag or tag.startswith("zh-hk")


def _english_score(voice: VoiceInfo) -> int:
    tags = _tags(voice)
    if "en-us" in tags:
        return 100
    if any(tag in {"en", "en-gb"} for tag in tags):
        return 90
    if any(tag.startswith("en-") for tag in tags):
        return 80
    if "english" in voice.name.lower():
        return 70
    return 0
