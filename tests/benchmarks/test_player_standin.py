"""The aplay stand-in of D2: it plays for the app like aplay and notes when each sound is heard."""

from __future__ import annotations

import os
import struct
import time
import wave
from pathlib import Path

from benchmarks.player_standin import LOG_ENV, first_audible_s, install, read_played
from desktop.speech.player import CommandPlayer

RATE = 8000


def silence_then_tone(path: Path, silence_frames: int, tone_frames: int) -> Path:
    """A 16-bit mono WAV: ``silence_frames`` of near-silence (under the threshold), then a tone."""
    quiet = [struct.pack("<h", 300 if n % 2 else -300) for n in range(silence_frames)]
    loud = [struct.pack("<h", 8000 if n % 2 else -8000) for n in range(tone_frames)]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(b"".join(quiet + loud))
    return path


def test_the_first_audible_sample_is_found_after_quiet_ones(tmp_path: Path) -> None:
    """800 quiet frames at 8 kHz: the first sample a person hears is 0.1 s into the file."""
    path = silence_then_tone(tmp_path / "sound.wav", 800, 80)
    assert first_audible_s(path) == 0.1


def test_silence_and_non_wav_files_have_no_audible_sample(tmp_path: Path) -> None:
    """A file of quiet samples, or of text, is never taken for sound."""
    assert first_audible_s(silence_then_tone(tmp_path / "quiet.wav", 400, 0)) is None
    text = tmp_path / "text.wav"
    text.write_text("not a sound", encoding="utf-8")
    assert first_audible_s(text) is None


def test_the_app_plays_through_the_stand_in_and_it_notes_when_the_sound_is_heard(
    tmp_path: Path,
) -> None:
    """The app's own aplay player succeeds, and the log says when its first sample is due."""
    env = {**os.environ, **install(tmp_path / "player")}
    sound = silence_then_tone(tmp_path / "sound.wav", 400, 80)
    before = time.time()
    CommandPlayer(["aplay", "-q"], env=env).play(sound, timeout=10)
    after = time.time()
    (played,) = read_played(Path(env[LOG_ENV]))
    assert played.source == str(sound)
    assert before <= played.received <= after
    assert played.first_audible_s == 0.05
    assert played.heard_at == played.received + 0.05


def test_sounds_handed_over_before_a_moment_are_left_out(tmp_path: Path) -> None:
    """``since`` keeps only what the player was given from then on."""
    env = {**os.environ, **install(tmp_path / "player")}
    sound = silence_then_tone(tmp_path / "sound.wav", 0, 80)
    player = CommandPlayer(["aplay"], env=env)
    player.play(sound, timeout=10)
    middle = time.time()
    player.play(sound, timeout=10)
    log = Path(env[LOG_ENV])
    assert len(read_played(log)) == 2
    (later,) = read_played(log, since=middle)
    assert later.received >= middle
