"""The pyttsx3 wrapper: playback checks, voices and file output with the real espeak-ng."""

from __future__ import annotations

import gc
import wave
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.phrasing import Language
from desktop.speech.engine import Pyttsx3Engine, playback_problem
from desktop.speech.voices import pick_voice


def no_aplay(name: str) -> str | None:
    return None


def has_aplay(name: str) -> str | None:
    return f"/usr/bin/{name}"


def test_espeak_on_linux_without_aplay_is_reported() -> None:
    """Without aplay, espeak's sound is lost on Linux: say how to fix it."""
    problem = playback_problem("espeak", "linux", no_aplay)
    assert problem is not None
    assert "alsa-utils" in problem


def test_espeak_on_linux_with_aplay_is_fine() -> None:
    """With aplay present there is no playback problem."""
    assert playback_problem("espeak", "linux", has_aplay) is None


@pytest.mark.parametrize(("driver", "platform"), [("sapi5", "win32"), ("nsss", "darwin")])
def test_other_drivers_need_no_aplay(driver: str, platform: str) -> None:
    """Only the Linux espeak driver depends on aplay."""
    assert playback_problem(driver, platform, no_aplay) is None


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
