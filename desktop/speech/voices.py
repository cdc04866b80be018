"""Choosing an installed voice for a language, across espeak, SAPI5 and macOS voice lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.phrasing import Language


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    """One installed voice, as the settings dialog lists it."""

    id: str
    name: str
    languages: tuple[str, ...] = ()


# Names of Mandarin voices whose language tag some drivers do not report.
_MANDARIN_NAMES = ("huihui", "yaoyao", "kangkang", "tingting", "mandarin", "chinese (mandarin)")


def pick_voice(voices: Sequence[VoiceInfo], language: Language) -> VoiceInfo | None:
    """The best voice for ``language``, or None when none fits (the driver default then speaks)."""
    score = _mandarin_score if language is Language.ZH else _english_score
    best: VoiceInfo | None = None
    best_score = 0
    for voice in voices:
        value = score(voice)
        if value > best_score:
            best, best_score = voice, value
    return best


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
