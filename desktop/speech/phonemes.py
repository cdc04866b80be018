"""Judging a voice by what it would say: the engine's phonemes for a sample phrase, not its name.

espeak-ng marks every switch to another language's rules in its phoneme output, as ``(en)`` …
``(cmn)``. espeak-ng 1.51's ``cmn`` voice ("Chinese (Mandarin, latin as English)") reads most
Chinese characters with English rules, ``(en)nInt'u:_| …``: that is gibberish to a cashier,
however the voice is named. A voice that speaks the language needs no switch at all.
"""

from __future__ import annotations

import re

from desktop.core import phrasing
from desktop.core.phrasing import Language

# "(en)", "(cmn)", "(en-us)", "(zh-yue)": a language name between parentheses.
_SWITCH = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\)")
LANGUAGE_NAMES = {Language.ZH: "Mandarin", Language.EN: "English"}


def sample_phrase(language: Language) -> str:
    """The phrase a voice is judged by: the new-order announcement, as it is really said."""
    return phrasing.new_order("1354", language)


def language_switches(phonemes: str) -> list[str]:
    """The languages the phonemes switch to, in order, each once (the switches back included)."""
    found: list[str] = []
    for match in _SWITCH.finditer(phonemes):
        name = match.group(1).lower()
        if name not in found:
            found.append(name)
    return found


def phoneme_problem(phonemes: str, language: Language) -> str | None:
    """Why a voice with these phonemes for :func:`sample_phrase` would not speak ``language``.

    None when the phonemes hold no language switch. The text is for the log and the self-check.
    """
    if not phonemes.strip():
        return "it gives no phonemes for the sample phrase"
    switches = language_switches(phonemes)
    if switches:
        return (
            f"its phonemes switch language ({', '.join(switches)}): it would not speak "
            f"{LANGUAGE_NAMES[language]}"
        )
    return None
