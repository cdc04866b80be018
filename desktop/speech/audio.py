"""Reading WAV files: how long and how loud they are, so silence is never taken for sound."""

from __future__ import annotations

import array
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

# A 16-bit sample this far from zero is sound (about -30 dBFS); speech peaks above 3,000.
AUDIBLE_PEAK = 1000
# Bytes per sample of the PCM files whose loudness is measured (8-bit unsigned, wider signed).
MEASURED_WIDTHS = (1, 2, 3, 4)


class NotWavError(ValueError):
    """The file is not a PCM WAV file this module can read."""


@dataclass(frozen=True, slots=True)
class WavLevel:
    """A WAV file's length in seconds and its loudest sample on the 16-bit scale.

    8-, 24- and 32-bit files are measured too (an engine such as SAPI5 may write any of them);
    a file of another width has peak 0.
    """

    seconds: float
    peak: int
    sample_width: int

    @property
    def audible(self) -> bool:
        """True when the file holds something a person can hear."""
        return self.seconds > 0 and self.peak >= AUDIBLE_PEAK


def measure_wav(path: Path) -> WavLevel:
    """Length and peak of a PCM WAV file; raises NotWavError or OSError."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            frames = wav.getnframes()
            width = wav.getsampwidth()
            data = wav.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise NotWavError(f"{path.name} is not a WAV file: {exc}") from exc
    seconds = frames / rate if rate else 0.0
    return WavLevel(seconds=seconds, peak=peak_level(data, width), sample_width=width)


def peak_level(data: bytes, width: int) -> int:
    """The loudest of PCM samples ``width`` bytes wide, on the 16-bit scale (0 to 32,768).

    8-bit WAV samples are unsigned around 128; wider ones are signed little-endian, and their
    two most significant bytes are their 16-bit value.
    """
    if width == 1:
        return max((abs(byte - 128) for byte in data), default=0) * 256
    if width == 2:
        return peak_16bit(data)
    if width in MEASURED_WIDTHS:
        count = len(data) // width
        top = bytearray(2 * count)
        top[0::2] = data[width - 2 :: width][:count]
        top[1::2] = data[width - 1 :: width][:count]
        return peak_16bit(bytes(top))
    return 0


def peak_16bit(data: bytes) -> int:
    """The largest absolute value among little-endian 16-bit samples."""
    samples = array.array("h", data[: len(data) - len(data) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    if not samples:
        return 0
    return max(max(samples), -min(samples))


def write_silence(path: Path, seconds: float, rate: int = 22_050) -> Path:
    """A 16-bit mono WAV of ``seconds`` of silence (to open the output without being heard)."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(2 * int(seconds * rate)))
    return path
