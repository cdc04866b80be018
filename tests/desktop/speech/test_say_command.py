"""The macOS ``say`` engine, driven against a stand-in ``say`` program on PATH."""

from __future__ import annotations

import os
import stat
import wave
from pathlib import Path

import pytest

from desktop.core.phrasing import Language
from desktop.speech.errors import SpeechEngineError
from desktop.speech.say_command import SayCommandEngine
from desktop.speech.voices import pick_voice

FAKE_SAY = """#!/bin/sh
echo "$@" >> "$SAY_LOG"
if [ "$1" = "-v" ] && [ "$2" = "?" ]; then
  echo "Alex                en_US    # Most people recognize me by my voice."
  echo "Ting-Ting           zh_CN    # 你好！我叫婷婷。"
  exit 0
fi
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; shift; fi
  if [ "$1" = "--fail" ]; then exit 3; fi
  shift
done
if [ -n "$out" ]; then
  python3 "$SAY_WAV_WRITER" "$out"
fi
"""

WAV_WRITER = """import sys, wave
with wave.open(sys.argv[1], "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(22050)
    out.writeframes(b"\\x10\\x20" * 22050)
"""


@pytest.fixture
def fake_say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``say`` on PATH that logs its arguments and writes a 1 s WAV for ``-o``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "say"
    script.write_text(FAKE_SAY)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    writer = tmp_path / "write_wav.py"
    writer.write_text(WAV_WRITER)
    monkeypatch.setenv("SAY_WAV_WRITER", str(writer))
    log = tmp_path / "say.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SAY_LOG", str(log))
    return log


def test_voices_are_listed_with_their_languages(fake_say: Path) -> None:
    """``say -v ?`` lines become voices; the Mandarin one is picked for Chinese."""
    voices = SayCommandEngine().voices()
    assert [voice.id for voice in voices] == ["Alex", "Ting-Ting"]
    chosen = pick_voice(voices, Language.ZH)
    assert chosen is not None
    assert chosen.id == "Ting-Ting"


def test_voice_rate_and_volume_reach_say(fake_say: Path, tmp_path: Path) -> None:
    """Voice and rate become flags; a lowered volume becomes an embedded volm command."""
    engine = SayCommandEngine()
    engine.configure(voice_id="Ting-Ting", rate=180, volume=0.5)
    path = tmp_path / "out.wav"
    engine.save_to_file("您有新的外卖订单", path)
    assert fake_say.read_text().strip() == (
        f"-v Ting-Ting -r 180 --file-format=WAVE --data-format=LEI16@22050 -o {path} "
        "[[volm 0.50]] 您有新的外卖订单"
    )


def test_save_to_file_writes_a_wav(fake_say: Path, tmp_path: Path) -> None:
    """save_to_file asks say for a 16-bit PCM WAV file (not its default AIFF) at the path."""
    path = tmp_path / "out.wav"
    SayCommandEngine().save_to_file("New order", path)
    with wave.open(str(path), "rb") as wav:
        assert wav.getnframes() == 22050


def test_a_failing_say_is_an_engine_error(fake_say: Path, tmp_path: Path) -> None:
    """A non-zero exit of say raises SpeechEngineError (the worker then replaces the engine)."""
    engine = SayCommandEngine()
    with pytest.raises(SpeechEngineError):
        engine.save_to_file("--fail", tmp_path / "out.wav")


def test_missing_say_is_an_engine_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without a say command there is no engine."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpeechEngineError):
        SayCommandEngine()
