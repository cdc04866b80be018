"""Measuring WAV files: their length and loudness, so silence is never taken for sound."""

from __future__ import annotations

import wave
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


def write_pcm(path: Path, width: int, samples: list[int]) -> Path:
    """A mono WAV of raw samples ``width`` bytes wide (8-bit unsigned, wider signed)."""
    signed = width > 1
    frames = b"".join(sample.to_bytes(width, "little", signed=signed) for sample in samples)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(width)
        wav.setframerate(8_000)
        wav.writeframes(frames)
    return path


@pytest.mark.parametrize(
    ("width", "loud", "quiet"),
    [
        (1, [128, 255, 0, 128], [128, 129, 127]),
        (3, [0, 8_000_000, -8_000_000], [0, 2_000, -2_000]),
        (4, [0, 2_000_000_000, -2_000_000_000], [0, 500_000, -500_000]),
    ],
)
def test_other_sample_widths_are_measured(
    tmp_path: Path, width: int, loud: list[int], quiet: list[int]
) -> None:
    """8-, 24- and 32-bit speech (SAPI5 may write them) counts as sound, their silence not."""
    assert measure_wav(write_pcm(tmp_path / "loud.wav", width, loud)).peak > 30_000
    assert not measure_wav(write_pcm(tmp_path / "quiet.wav", width, quiet)).audible
