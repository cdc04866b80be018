"""Sound for tests: WAV files with a known tone, to tell sound from silence."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path


def write_wav(path: Path, seconds: float, amplitude: int, rate: int = 22050) -> Path:
    """A 16-bit mono WAV holding a 440 Hz tone of ``amplitude`` (0: silence)."""
    frames = b"".join(
        struct.pack("<h", int(amplitude * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return path
