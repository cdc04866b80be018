"""The pyttsx3 wrapper: voices, their phonemes and file output with the real espeak-ng."""

from __future__ import annotations

import gc
import wave
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.phrasing import Language
from desktop.speech.engine import Pyttsx3Engine
from desktop.speech.errors import SpeechEngineError
from desktop.speech.phonemes import language_switches, sample_phrase
from desktop.speech.voices import VoiceChoice, choose_voice, pick_voice


@pytest.mark.usefixtures("espeak")
def test_real_engine_lists_mandarin_and_english_voices() -> None:
    """espeak-ng offers a Mandarin and an English voice that pick_voice finds."""
    engine = Pyttsx3Engine()
    voices = engine.voices()
    assert engine.driver_name == "espeak"
    mandarin = pick_voice(voices, Language.ZH)
    english = pick_voice(voices, Language.EN)
    assert mandarin is not None
    assert "cmn" in mandarin.id
    assert english is not None
    assert "en" in english.id


@pytest.mark.usefixtures("espeak")
def test_real_cmn_voice_reads_chinese_with_english_rules() -> None:
    """espeak-ng's `cmn` voice switches to English for the Chinese phrase: the trap to avoid."""
    phonemes = Pyttsx3Engine().phonemes(sample_phrase(Language.ZH), "sit/cmn")
    assert phonemes is not None
    assert "en" in language_switches(phonemes)


@pytest.mark.usefixtures("espeak")
@pytest.mark.parametrize(
    ("language", "voice_id"), [(Language.ZH, "sit/cmn-latn-pinyin"), (Language.EN, "gmw/en-us")]
)
def test_real_engine_chooses_a_voice_that_speaks_the_language(
    language: Language, voice_id: str
) -> None:
    """The automatic voice is the one whose phonemes for the phrase hold no language switch:
    cmn-latn-pinyin for Mandarin (not cmn), en-us for English."""
    engine = Pyttsx3Engine()
    sample = sample_phrase(language)
    choice = choose_voice(
        engine.voices(), language, lambda voice_id: engine.phonemes(sample, voice_id)
    )
    assert choice == VoiceChoice(language, voice_id, checked=True)
    assert language_switches(engine.phonemes(sample, voice_id) or "(none)") == []


def english_phrase_seconds(path: Path, voice_id: str | None, *, look_at_mandarin: bool) -> float:
    """A fresh engine with ``voice_id`` (None: its default) says the English phrase; its length."""
    engine = Pyttsx3Engine()
    engine.configure(voice_id=voice_id, rate=None, volume=None)
    if look_at_mandarin:
        engine.phonemes(sample_phrase(Language.ZH), "sit/cmn-latn-pinyin")
    engine.save_to_file(sample_phrase(Language.EN), path)
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.mark.usefixtures("espeak")
def test_real_phonemes_leave_the_voice_as_it_was(tmp_path: Path) -> None:
    """Reading another voice's phonemes does not change the voice the engine then speaks with.

    espeak's output varies by a few samples from run to run; the Mandarin voice reading the
    English phrase takes about a fifth longer than the default English one.
    """
    default = english_phrase_seconds(tmp_path / "en.wav", None, look_at_mandarin=False)
    mandarin = english_phrase_seconds(
        tmp_path / "zh.wav", "sit/cmn-latn-pinyin", look_at_mandarin=False
    )
    after = english_phrase_seconds(tmp_path / "after.wav", None, look_at_mandarin=True)
    assert abs(mandarin - default) > 0.1 * default
    assert abs(after - default) < 0.01 * default


@pytest.mark.usefixtures("espeak")
def test_real_phonemes_of_an_unknown_voice_raise() -> None:
    """A voice espeak-ng does not have is an engine error, not a silent fallback."""
    with pytest.raises(SpeechEngineError, match="no voice"):
        Pyttsx3Engine().phonemes("hello", "xx/no-such-voice")


@pytest.mark.usefixtures("espeak")
def test_real_engine_is_spent_after_saving_to_file(tmp_path: Path) -> None:
    """After save_to_file the engine asks to be replaced (espeak keeps the target file)."""
    engine = Pyttsx3Engine()
    assert engine.reusable
    engine.configure(voice_id=None, rate=None, volume=None)
    engine.save_to_file("hello", tmp_path / "hello.wav")
    assert (tmp_path / "hello.wav").stat().st_size > 44
    assert not engine.reusable


@pytest.mark.usefixtures("espeak")
def test_real_engine_returns_only_when_the_file_is_complete(tmp_path: Path) -> None:
    """save_to_file waits for espeak's own thread: a long text is fully written on return.

    pyttsx3 2.99's runAndWait alone returns after 10 ms, long before this file exists.
    """
    engine = Pyttsx3Engine()
    mandarin = pick_voice(engine.voices(), Language.ZH)
    engine.configure(voice_id=mandarin.id if mandarin else None, rate=None, volume=None)
    path = tmp_path / "long.wav"
    engine.save_to_file("这是一个很长的句子，" * 20, path)
    with wave.open(str(path), "rb") as wav:
        assert wav.getnframes() / wav.getframerate() > 20.0


@pytest.fixture
def no_garbage_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("espeak", "no_garbage_collector")
def test_discarded_engine_is_freed_at_once() -> None:
    """Dropping an engine frees pyttsx3's engine immediately, not at some later collection
    (its finaliser touches espeak's global callback, so it must run before the next engine)."""
    engine = Pyttsx3Engine()
    inner = weakref.ref(engine._engine)
    del engine
    assert inner() is None


@pytest.mark.usefixtures("espeak")
def test_saving_to_file_prints_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The driver's "Audio saved to …" goes to the debug log, not between the command's lines."""
    caplog.set_level("DEBUG", logger="desktop.speech.engine")
    engine = Pyttsx3Engine()
    engine.save_to_file("hello", tmp_path / "hello.wav")
    assert capfd.readouterr().out == ""
    assert "Audio saved to" in caplog.text
