"""Judging a voice by its phonemes: espeak-ng's language switches give a wrong voice away."""

from __future__ import annotations

from desktop.core.phrasing import Language
from desktop.speech.phonemes import language_switches, phoneme_problem, sample_phrase

# espeak-ng 1.51, `espeak-ng -q -x -v VOICE "您有新的外卖订单"`.
CMN = (
    "(en)nInt'u:_| jaUTr'i:_| zInw'0n_| dEf'aIv(cmn)_| w'ai51_| (en)meIf'o@_| dINf'o@_| "
    "danw'0n(cmn)_|"
)
CMN_LATN_PINYIN = "n'i35n_| j'iou214_| S;'i55n_| t'@11_| w'ai51_| m'ai51_| t'i51N_| t'a55n_|"
EN_US = "n'u: 'O@d3 n'Vmb3r- 'EndIN w'Vn Tr'i: f'aIv f'o@"


def test_sample_phrase_is_the_new_order_announcement() -> None:
    """A voice is judged on what it will really say, tail digits as words."""
    assert sample_phrase(Language.ZH) == "您有新的外卖订单，尾号一三五四"
    assert sample_phrase(Language.EN) == "New order, number ending one three five four"


def test_switches_are_found_in_order_once_each() -> None:
    """espeak's cmn voice switches to English and back: both are listed once."""
    assert language_switches(CMN) == ["en", "cmn"]


def test_regional_switches_are_found() -> None:
    """A switch to a regional variant such as en-us counts too."""
    assert language_switches("h@l'oU (en-US)w'3:ld(zh-yue)") == ["en-us", "zh-yue"]


def test_pinyin_voice_has_no_switch() -> None:
    """espeak's cmn-latn-pinyin voice reads the whole phrase with Mandarin rules."""
    assert language_switches(CMN_LATN_PINYIN) == []
    assert phoneme_problem(CMN_LATN_PINYIN, Language.ZH) is None


def test_cmn_voice_is_refused_for_chinese() -> None:
    """The voice that reads Chinese with English rules is refused, naming the switches."""
    problem = phoneme_problem(CMN, Language.ZH)
    assert problem is not None
    assert "switch language (en, cmn)" in problem
    assert "Mandarin" in problem


def test_english_voice_on_english_text_passes() -> None:
    """An English voice reading the English phrase switches nothing."""
    assert phoneme_problem(EN_US, Language.EN) is None


def test_english_switch_in_english_text_is_refused() -> None:
    """A voice that has to switch languages for the English phrase does not speak English."""
    problem = phoneme_problem("(en)nj'u:(cmn)_| ,o@r11t'@r_|", Language.EN)
    assert problem is not None
    assert "English" in problem


def test_no_phonemes_is_a_problem() -> None:
    """A voice that gives nothing for the sample phrase cannot be trusted with it."""
    assert phoneme_problem("  ", Language.ZH) == "it gives no phonemes for the sample phrase"
