"""Choosing a voice per language from espeak, SAPI5 and macOS voice lists."""

from __future__ import annotations

import pytest

from desktop.core.phrasing import Language
from desktop.speech.errors import SpeechEngineError
from desktop.speech.voices import (
    VoiceChoice,
    VoiceInfo,
    check_voice,
    choose_voice,
    pick_voice,
    rank_voices,
    voices_for_settings,
)

ESPEAK = [
    VoiceInfo("gmw/af", "Afrikaans", ("af",)),
    VoiceInfo("sit/cmn-latn-pinyin", "Chinese (Mandarin, latin as Pinyin)", ("cmn-latn-pinyin",)),
    VoiceInfo("sit/cmn", "Chinese (Mandarin)", ("cmn",)),
    VoiceInfo("sit/yue", "Chinese (Cantonese)", ("yue",)),
    VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",)),
    VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
    VoiceInfo("gmw/en-us-nyc", "English (America, New York City)", ("en-us-nyc",)),
]
SAPI5 = [
    VoiceInfo(r"HKEY_LOCAL_MACHINE\...\TTS_MS_ZH-HK_TRACY_11.0", "Microsoft Tracy", ("zh-HK",)),
    VoiceInfo(r"HKEY_LOCAL_MACHINE\...\TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui", ("zh-CN",)),
    VoiceInfo(r"HKEY_LOCAL_MACHINE\...\TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira", ("en-US",)),
]
NSSS = [
    VoiceInfo("com.apple.voice.compact.zh-TW.Meijia", "Meijia", ("zh_TW",)),
    VoiceInfo("com.apple.voice.compact.zh-CN.Tingting", "Tingting", ("zh_CN",)),
    VoiceInfo("com.apple.speech.synthesis.voice.Alex", "Alex", ("en_US",)),
]


def chosen(voices: list[VoiceInfo], language: Language) -> str | None:
    voice = pick_voice(voices, language)
    return voice.id if voice else None


# What espeak-ng 1.51 gives for the sample phrase (abridged): `cmn` reads it with English rules.
ESPEAK_PHONEMES = {
    "sit/cmn": "(en)nInt'u:_| jaUTr'i:_|(cmn)_| w'ai51_|",
    "sit/cmn-latn-pinyin": "n'i35n_| j'iou214_| S;'i55n_|",
    "gmw/en-us": "n'u: 'O@d3",
    "gmw/en": "n'ju: 'O:d3",
}


def espeak_phonemes(voice_id: str) -> str | None:
    return ESPEAK_PHONEMES.get(voice_id, "")


def no_phonemes(voice_id: str) -> str | None:
    return None


def test_espeak_mandarin_candidates_by_tags() -> None:
    """By tags alone both Mandarin voices fit, plain cmn first; Cantonese does not."""
    assert [voice.id for voice in rank_voices(ESPEAK, Language.ZH)] == [
        "sit/cmn",
        "sit/cmn-latn-pinyin",
    ]


def test_espeak_mandarin_is_chosen_by_its_phonemes() -> None:
    """espeak's cmn switches to English rules, so cmn-latn-pinyin is chosen, checked."""
    choice = choose_voice(ESPEAK, Language.ZH, espeak_phonemes)
    assert choice == VoiceChoice(Language.ZH, "sit/cmn-latn-pinyin", checked=True)


def test_espeak_english_is_chosen_by_its_phonemes() -> None:
    """The American English voice speaks the English phrase without a switch."""
    choice = choose_voice(ESPEAK, Language.EN, espeak_phonemes)
    assert choice == VoiceChoice(Language.EN, "gmw/en-us", checked=True)


def test_without_phonemes_the_best_tagged_voice_is_taken_unchecked() -> None:
    """An engine that hides its phonemes (SAPI5, say) gets the best voice by tags, unchecked."""
    choice = choose_voice(SAPI5, Language.ZH, no_phonemes)
    assert choice == VoiceChoice(Language.ZH, SAPI5[1].id, checked=False)


def test_when_every_voice_fails_the_best_is_kept_with_the_problem() -> None:
    """Only a switching voice: it still speaks (better than none), and the problem is reported."""
    voices = [VoiceInfo("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",))]
    choice = choose_voice(voices, Language.ZH, espeak_phonemes)
    assert choice.voice_id == "sit/cmn"
    assert choice.checked
    assert "switch language (en, cmn)" in choice.problem


def test_no_fitting_voice_says_what_to_install() -> None:
    """No Mandarin voice at all: no voice id, and the problem says how to add one."""
    choice = choose_voice(ESPEAK[-3:], Language.ZH, espeak_phonemes)
    assert choice.voice_id is None
    assert "no Mandarin voice is installed" in choice.problem


def test_a_chosen_voice_is_checked_by_its_phonemes() -> None:
    """A voice picked in Settings is judged by its phonemes like an automatic one."""
    assert check_voice("sit/cmn", Language.ZH, espeak_phonemes).problem
    assert not check_voice("sit/cmn-latn-pinyin", Language.ZH, espeak_phonemes).problem


def test_a_voice_the_engine_does_not_know_is_a_problem() -> None:
    """A voice id the engine refuses gives a problem instead of an exception."""

    def refuses(voice_id: str) -> str | None:
        raise SpeechEngineError(f"espeak-ng has no voice {voice_id!r}")

    choice = check_voice("gone", Language.ZH, refuses)
    assert choice.checked
    assert "no voice 'gone'" in choice.problem


def test_settings_list_only_the_languages_voices_by_name() -> None:
    """The settings dialog lists the fitting voices only, sorted by their names."""
    mandarin = voices_for_settings(ESPEAK, Language.ZH)
    english = voices_for_settings(ESPEAK, Language.EN)
    assert [voice.name for voice in mandarin] == [
        "Chinese (Mandarin)",
        "Chinese (Mandarin, latin as Pinyin)",
    ]
    assert [voice.name for voice in english] == [
        "English (America)",
        "English (America, New York City)",
        "English (Great Britain)",
    ]


def test_settings_list_sorts_names_without_regard_to_case() -> None:
    """Lower-case names are not pushed after every capitalised one."""
    voices = [VoiceInfo("b", "zira", ("en-US",)), VoiceInfo("a", "David", ("en-US",))]
    assert [voice.id for voice in voices_for_settings(voices, Language.EN)] == ["a", "b"]


@pytest.mark.parametrize("language", list(Language))
def test_settings_list_can_be_empty(language: Language) -> None:
    """No fitting voice: an empty list (the dialog still offers the automatic choice)."""
    assert voices_for_settings([VoiceInfo("gmw/af", "Afrikaans", ("af",))], language) == []


def test_espeak_english_prefers_american() -> None:
    """espeak's en-us voice is chosen for English."""
    assert chosen(ESPEAK, Language.EN) == "gmw/en-us"


def test_sapi5_mandarin_is_huihui_not_cantonese() -> None:
    """On Windows the zh-CN voice wins over the Hong Kong (Cantonese) one."""
    assert chosen(SAPI5, Language.ZH) == SAPI5[1].id


def test_sapi5_english() -> None:
    """On Windows an en-US voice speaks English."""
    assert chosen(SAPI5, Language.EN) == SAPI5[2].id


def test_macos_mandarin_prefers_mainland() -> None:
    """On macOS zh_CN wins over zh_TW."""
    assert chosen(NSSS, Language.ZH) == NSSS[1].id
    assert chosen(NSSS, Language.EN) == NSSS[2].id


def test_mandarin_by_name_when_language_is_unknown() -> None:
    """A voice named Huihui without a language tag is still found."""
    voices = [VoiceInfo("v1", "Microsoft David"), VoiceInfo("v2", "Microsoft Huihui Desktop")]
    assert chosen(voices, Language.ZH) == "v2"


def test_cantonese_only_as_last_resort() -> None:
    """With only a Cantonese voice, it is better than none."""
    assert chosen([VoiceInfo("zh-hk", "Tracy", ("zh-HK",))], Language.ZH) == "zh-hk"


def test_no_fitting_voice() -> None:
    """No voice for the language: None, the driver's default voice then speaks."""
    assert pick_voice([VoiceInfo("gmw/af", "Afrikaans", ("af",))], Language.ZH) is None
    assert pick_voice([], Language.EN) is None


def test_a_voice_of_another_language_is_a_problem_whatever_its_phonemes() -> None:
    """Checked against the installed voices, an English voice chosen for Chinese is refused."""
    choice = check_voice("gmw/en-us", Language.ZH, lambda _: "tS'aIni:zl,Et#3", ESPEAK)
    assert choice.problem == "it is a voice for en-us, not Mandarin"


def test_a_voice_not_in_the_list_is_judged_by_its_phonemes() -> None:
    """A voice the list does not hold (another driver's id) is left to its phonemes."""
    assert not check_voice("custom/zh", Language.ZH, lambda _: "n'i35n_|", ESPEAK).problem
