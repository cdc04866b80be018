"""Sound for tests: WAV files with a known tone, and ALSA outputs that record or fail."""

from __future__ import annotations

import array
import math
import struct
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

from desktop.speech.audio import WavLevel, measure_wav
from desktop.speech.errors import PlaybackError


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


@dataclass(frozen=True)
class SoundCard:
    """An ALSA output made by the test: what aplay plays into it is appended to ``capture``.

    ``config`` is the file to point ALSA_CONFIG_PATH at. Nothing reaches a real speaker: the
    file plugin writes the raw samples (16-bit, as the WAV had them) and discards the rest.
    """

    config: Path
    capture: Path

    def samples(self) -> array.array[int]:
        """Every sample played so far."""
        data = self.capture.read_bytes() if self.capture.exists() else b""
        samples = array.array("h", data[: len(data) - len(data) % 2])
        if sys.byteorder == "big":
            samples.byteswap()
        return samples

    def peak(self) -> int:
        """The loudest sample played so far (0: silence, or nothing played)."""
        samples = self.samples()
        return max((abs(sample) for sample in samples), default=0)


def capturing_sound_card(directory: Path) -> SoundCard:
    """An ALSA configuration whose default output records what is played."""
    directory.mkdir(parents=True, exist_ok=True)
    capture = directory / "played.raw"
    config = directory / "asound.conf"
    config.write_text(
        "pcm.!default {\n"
        "  type file\n"
        '  slave.pcm "null"\n'
        f'  file "|cat >> {capture}"\n'
        '  format "raw"\n'
        "}\n"
        "pcm.null { type null }\n",
        encoding="utf-8",
    )
    return SoundCard(config=config, capture=capture)


def missing_sound_card(directory: Path) -> Path:
    """An ALSA configuration whose default output is a sound card that is not there."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "asound.conf"
    config.write_text("pcm.!default { type hw card 7 }\n", encoding="utf-8")
    return config


class RecordingPlayer:
    """Stands in for aplay: keeps the level of every file it was given, and fails (as aplay
    without a sound card) or reports a muted output when the test says so."""

    name = "recording"

    def __init__(self, failure: str | None = None, output: str | None = None) -> None:
        self.failure = failure
        self.output = output
        self.played: list[WavLevel] = []

    def play(self, path: Path, timeout: float) -> None:
        self.played.append(measure_wav(path))
        if self.failure is not None:
            raise PlaybackError(self.failure)

    def output_problem(self) -> str | None:
        return self.output

    def kinds(self) -> list[str]:
        """What each played file held, by its loudness: the tests' chimes peak near full
        scale, their speech lower, the output check is silence."""
        return [
            "chime" if level.peak > 20_000 else "speech" if level.peak else "silence"
            for level in self.played
        ]
