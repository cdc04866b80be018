"""The chime that render.py writes: committed as rendered, loud from its first instant."""

from __future__ import annotations

import array
import math
import sys
import wave
from pathlib import Path
from types import ModuleType

from desktop.resources import chime_path
from tests.scripts import REPO, load_script

SOUNDS = REPO / "resources" / "sounds"


def load_render_script() -> ModuleType:
    return load_script(SOUNDS / "render.py", "render_chime")


def read_samples(path: Path) -> tuple[int, array.array[int]]:
    """The sample rate and the 16-bit mono samples of a WAV."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        rate = wav.getframerate()
        samples = array.array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return rate, samples


def rms(samples: array.array[int]) -> float:
    return math.sqrt(sum(sample * sample for sample in samples) / len(samples))


def test_the_committed_chime_is_what_the_script_renders(tmp_path: Path) -> None:
    """resources/sounds/chime.wav cannot drift from its script (1 LSB of libm difference)."""
    rendered = load_render_script().render(tmp_path)
    rate, fresh = read_samples(rendered)
    committed_rate, committed = read_samples(chime_path())
    assert committed_rate == rate
    assert len(committed) == len(fresh)
    assert max(abs(a - b) for a, b in zip(committed, fresh, strict=True)) <= 1


def test_the_chime_is_loud_and_short() -> None:
    """Peaks near full scale, about 1.5 s: a ring heard across a kitchen, not a tune."""
    rate, samples = read_samples(chime_path())
    assert len(samples) / rate == 1.5
    assert max(abs(sample) for sample in samples) > 0.9 * 32767
    assert rms(samples[: rate // 2]) > 0.3 * 32767


def test_the_chime_is_heard_from_its_first_instant() -> None:
    """No silent lead-in: the first 20 ms already ring (the first sound must come at once)."""
    rate, samples = read_samples(chime_path())
    assert max(abs(sample) for sample in samples[: rate // 50]) > 10_000


def test_the_chime_ends_in_silence() -> None:
    """It fades out instead of stopping with a click."""
    rate, samples = read_samples(chime_path())
    # The last 5 ms stay under 1 % of full scale, and the very last sample is silence.
    assert max(abs(sample) for sample in samples[-rate // 200 :]) < 328
    assert samples[-1] == 0
