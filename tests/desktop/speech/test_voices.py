"""Choosing a voice per language from espeak, SAPI5 and macOS voice lists."""

from __future__ import annotations

from desktop.core.phrasing import Language
from desktop.speech.voices import VoiceInfo, pick_voice

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


def test_espeak_mandarin_is_sit_cmn() -> None:
    """espeak's Mandarin voice wins over Pinyin and Cantonese ones."""
    assert chosen(ESPEAK, Language.ZH) == "sit/cmn"


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
