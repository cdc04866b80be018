"""Render the new-order chime to chime.wav: a loud, bright four-note bell arpeggio.

Run from the repository root: ``uv run python resources/sounds/render.py [OUTPUT_DIR]``.
Pure Python (math and wave), no recorded or third-party audio: every sample comes from here.
tests/packaging/test_chime.py checks that the committed file is what this script writes.
"""

from __future__ import annotations

import math
import sys
import wave
from pathlib import Path

RATE = 44_100
SECONDS = 1.5
# (start in seconds, fundamental in Hz, decay time constant in seconds): G5, C6, E6, then G6
# held. A rising major arpeggio reads as "something arrived", and is unlike any system sound.
STRIKES = (
    (0.00, 783.99, 0.22),
    (0.13, 1046.50, 0.22),
    (0.26, 1318.51, 0.24),
    (0.39, 1567.98, 0.42),
)
# A struck bell's partials (ratio to the fundamental, relative amplitude): bright but not harsh.
PARTIALS = ((1.0, 1.0), (2.0, 0.42), (3.0, 0.2), (4.16, 0.1))
ATTACK_S = 0.004
FADE_OUT_S = 0.05
# Soft saturation raises the loudness of the whole chime without clipping its peaks.
DRIVE = 1.8
PEAK = 0.94  # of full scale: about -0.5 dBFS


def samples() -> list[float]:
    """The chime as floats in [-PEAK, PEAK]."""
    count = int(SECONDS * RATE)
    mixed = [0.0] * count
    for start, frequency, decay in STRIKES:
        first = int(start * RATE)
        for index in range(first, count):
            t = (index - first) / RATE
            envelope = min(1.0, t / ATTACK_S) * math.exp(-t / decay)
            if t > ATTACK_S and envelope < 1e-4:
                break
            tone = sum(
                amplitude * math.sin(2 * math.pi * frequency * ratio * t)
                for ratio, amplitude in PARTIALS
            )
            mixed[index] += envelope * tone
    loudest = max(abs(value) for value in mixed)
    shaped = [math.tanh(DRIVE * value / loudest) for value in mixed]
    top = max(abs(value) for value in shaped)
    fade = int(FADE_OUT_S * RATE)
    for offset in range(fade):
        shaped[count - 1 - offset] *= offset / fade
    return [PEAK * value / top for value in shaped]


def pcm16(values: list[float]) -> bytes:
    """Little-endian signed 16-bit PCM."""
    return b"".join(
        max(-32768, min(32767, round(value * 32767))).to_bytes(2, "little", signed=True)
        for value in values
    )


def render(directory: Path) -> Path:
    """Write chime.wav into ``directory``; its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "chime.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm16(samples()))
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    print(render(target))
