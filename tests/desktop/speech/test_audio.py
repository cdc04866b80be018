"""Measuring WAV files: their length and loudness, so silence is never taken for sound."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.speech.audio import NotWavError, measure_wav, peak_16bit, write_silence
from tests.sound import write_wav


def test_a_tone_is_audible(tmp_path: Path) -> None:
    """A 12,000-peak tone of half a second measures so, and counts as sound."""
    level = measure_wav(write_wav(tmp_path / "tone.wav", 0.5, 12_000))
    assert level.seconds == pytest.approx(0.5, abs=0.001)
    assert 11_900 < level.peak <= 12_000
    assert level.audible


def test_silence_is_not_audible(tmp_path: Path) -> None:
    """Silence written for the output check measures as silence."""
    level = measure_wav(write_silence(tmp_path / "silence.wav", 0.05))
    assert level.seconds == pytest.approx(0.05, abs=0.001)
    assert level.peak == 0
    assert not level.audible


def test_a_whisper_is_not_audible(tmp_path: Path) -> None:
    """A tone under the audible peak (about -30 dBFS) does not count as an alert."""
    assert not measure_wav(write_wav(tmp_path / "quiet.wav", 0.5, 500)).audible


def test_anything_but_a_wav_is_refused(tmp_path: Path) -> None:
    """A file that is not a WAV raises NotWavError naming the file."""
    path = tmp_path / "speech.aiff"
    path.write_bytes(b"FORM" + bytes(500))
    with pytest.raises(NotWavError, match=r"speech\.aiff"):
        measure_wav(path)


def test_the_most_negative_sample_counts_as_loudest() -> None:
    """-32768 has no positive twin: the peak is still found, without overflow."""
    assert peak_16bit((-32768).to_bytes(2, "little", signed=True) + bytes(2)) == 32768


def test_an_odd_trailing_byte_is_ignored() -> None:
    """A truncated last sample does not break the measurement."""
    assert peak_16bit((100).to_bytes(2, "little", signed=True) + b"\x7f") == 100
