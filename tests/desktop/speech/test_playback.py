"""Saying aloud: silence from the engine, a failing player and a muted output are all caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.speech.errors import PlaybackError, SpeechEngineError
from desktop.speech.playback import check_output, play_checked, require_sound, speak_aloud
from desktop.speech.voices import VoiceInfo
from tests.sound import RecordingPlayer, write_wav


class ToneEngine:
    """Writes a tone of the given amplitude for any text."""

    driver_name = "tone"
    reusable = True

    def __init__(self, amplitude: int) -> None:
        self.amplitude = amplitude

    def voices(self) -> list[VoiceInfo]:
        return []

    def configure(self, *, voice_id: str | None, rate: int | None, volume: float | None) -> None:
        pass

    def save_to_file(self, text: str, path: Path) -> None:
        write_wav(path, 1.0, self.amplitude)

    def phonemes(self, text: str, voice_id: str) -> str | None:
        return None


def test_speech_is_synthesised_then_played() -> None:
    """The player gets the synthesised sound, loud as the engine made it."""
    player = RecordingPlayer()
    speak_aloud(ToneEngine(9000), "您有新的外卖订单", player, timeout=10)
    [level] = player.played
    assert level.seconds == pytest.approx(1.0, abs=0.01)
    assert level.peak > 8900


def test_silent_synthesis_is_an_engine_failure_and_is_not_played() -> None:
    """A WAV of silence means the engine failed: nothing is played, nothing claimed heard."""
    player = RecordingPlayer()
    with pytest.raises(SpeechEngineError, match=r"1\.0 s of silence"):
        speak_aloud(ToneEngine(0), "您有新的外卖订单", player, timeout=10)
    assert player.played == []


def test_a_file_that_is_no_wav_is_an_engine_failure(tmp_path: Path) -> None:
    """An engine that wrote something else (or nothing) has not produced speech."""
    path = tmp_path / "speech.wav"
    path.write_bytes(b"RIFF" + bytes(100))
    with pytest.raises(SpeechEngineError, match="no usable audio"):
        require_sound(path)
    with pytest.raises(SpeechEngineError, match="no usable audio"):
        require_sound(tmp_path / "missing.wav")


def test_a_failing_player_is_not_heard() -> None:
    """The player's failure comes out as PlaybackError: the sound was not heard."""
    player = RecordingPlayer(failure="aplay failed: audio open error: No such file or directory")
    with pytest.raises(PlaybackError, match="audio open error"):
        speak_aloud(ToneEngine(9000), "顾客催单", player, timeout=10)


def test_a_muted_output_is_not_heard(tmp_path: Path) -> None:
    """Played without error into a muted output: still not heard."""
    player = RecordingPlayer(output="the computer's sound is muted")
    with pytest.raises(PlaybackError, match="muted"):
        play_checked(player, write_wav(tmp_path / "chime.wav", 0.2, 9000), timeout=10)
    assert len(player.played) == 1


def test_the_output_check_plays_an_instant_of_silence() -> None:
    """Checking the output opens it with silence, which nobody at the counter hears."""
    player = RecordingPlayer()
    check_output(player, timeout=10)
    [level] = player.played
    assert 0 < level.seconds < 0.2
    assert level.peak == 0


def test_the_output_check_reports_a_missing_device() -> None:
    """A player that cannot open the output fails the check."""
    with pytest.raises(PlaybackError, match="no sound"):
        check_output(RecordingPlayer(failure="no sound card"), timeout=10)
