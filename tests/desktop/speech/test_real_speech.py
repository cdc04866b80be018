"""Real speech: espeak-ng through pyttsx3 and the worker into WAV files that hold audible speech."""

from __future__ import annotations

import array
import math
import queue
import shutil
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core import phrasing
from desktop.core.phrasing import Language
from desktop.resources import chime_path
from desktop.speech.errors import PlaybackError, SpeechError
from desktop.speech.worker import SpeechWorker
from tests.sound import SoundCard

pytestmark = pytest.mark.usefixtures("espeak")

# Generous for a slow CI machine; espeak-ng writes these files in well under a second.
SYNTH_TIMEOUT = 60.0
ESPEAK_RATE = 22_050
CHIME_RATE = 44_100


@dataclass(frozen=True)
class Audio:
    seconds: float
    rms: float
    peak: int


def measure(path: Path) -> Audio:
    """Duration, RMS and peak of a 16-bit mono WAV file."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        assert wav.getnchannels() == 1
        frames = wav.getnframes()
        rate = wav.getframerate()
        samples = array.array("h", wav.readframes(frames))
    if sys.byteorder == "big":
        samples.byteswap()
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0
    peak = max((abs(s) for s in samples), default=0)
    return Audio(seconds=frames / rate, rms=rms, peak=peak)


def assert_spoken(audio: Audio) -> None:
    """Plausible speech: half a second to 15 s, clearly above silence."""
    assert 0.5 < audio.seconds < 15.0, audio
    assert audio.rms > 300, audio
    assert audio.peak > 3000, audio


@pytest.fixture
def worker() -> Iterator[SpeechWorker]:
    with SpeechWorker() as speech:
        yield speech


def test_three_utterances_in_a_row_zh_en_zh(worker: SpeechWorker, tmp_path: Path) -> None:
    """Three utterances through one worker each give their own non-silent WAV."""
    texts = [
        (phrasing.new_order("1234", Language.ZH), Language.ZH),
        (phrasing.new_order("1234", Language.EN), Language.EN),
        (phrasing.reminder("5678", 18 * 60, Language.ZH), Language.ZH),
    ]
    measured = []
    for number, (text, language) in enumerate(texts):
        path = tmp_path / f"utterance-{number}.wav"
        worker.synthesize_to_file(text, language, path, timeout=SYNTH_TIMEOUT)
        measured.append(measure(path))
    for audio in measured:
        assert_spoken(audio)
    # Each file holds its own text, not a copy of the first (espeak's save_to_file trap).
    assert len({audio.seconds for audio in measured}) == 3


def test_say_plays_three_utterances_in_a_row(sound_card: SoundCard) -> None:
    """The alert path: three utterances reach the sound card one after another, audibly."""
    finished: queue.Queue[str] = queue.Queue()
    texts = [
        (phrasing.new_order("1234", Language.ZH), Language.ZH),
        (phrasing.new_order("1234", Language.EN), Language.EN),
        (phrasing.new_orders(5, Language.ZH), Language.ZH),
    ]
    with SpeechWorker(on_finished=finished.put) as speech:
        for text, language in texts:
            speech.say(text, language)
        assert [finished.get(timeout=SYNTH_TIMEOUT) for _ in texts] == [t for t, _ in texts]
    seconds = len(sound_card.samples()) / ESPEAK_RATE
    # espeak-ng says these in about 3.3, 2.9 and 1.5 s.
    assert 5.0 < seconds < 15.0
    assert sound_card.peak() > 3000


def test_without_a_sound_card_speech_is_not_heard(no_sound_card: Path) -> None:
    """No sound card: the utterance fails as not heard, with aplay's reason, never "said"."""
    failed: queue.Queue[tuple[str, SpeechError]] = queue.Queue()
    finished: queue.Queue[str] = queue.Queue()
    text = phrasing.new_order("1234", Language.ZH)
    with SpeechWorker(
        on_finished=finished.put, on_failed=lambda said, error: failed.put((said, error))
    ) as speech:
        speech.say(text, Language.ZH)
        said, error = failed.get(timeout=SYNTH_TIMEOUT)
    assert said == text
    assert isinstance(error, PlaybackError)
    assert "audio open error" in str(error)
    assert finished.empty()


def test_the_chime_reaches_the_sound_card(sound_card: SoundCard) -> None:
    """The shipped chime rings loud at the output: 1.5 s of samples peaking near full scale."""
    sounds: queue.Queue[str | None] = queue.Queue()
    with SpeechWorker(chime=chime_path(), on_sound=sounds.put) as speech:
        speech.ring(priority=10)
        assert sounds.get(timeout=SYNTH_TIMEOUT) is None
    # aplay fills its last period: a little more than the file's 1.5 s reaches the output.
    assert 1.5 <= len(sound_card.samples()) / CHIME_RATE < 1.8
    assert sound_card.peak() > 28_000


def test_three_english_utterances_in_a_row(worker: SpeechWorker, tmp_path: Path) -> None:
    """English alerts are synthesised one after another just as well."""
    texts = [
        phrasing.new_orders(5, Language.EN),
        phrasing.link_down(Language.EN),
        phrasing.link_back(Language.EN),
    ]
    for number, text in enumerate(texts):
        path = tmp_path / f"en-{number}.wav"
        worker.synthesize_to_file(text, Language.EN, path, timeout=SYNTH_TIMEOUT)
        assert_spoken(measure(path))


def test_mandarin_voice_reads_chinese_text(worker: SpeechWorker, tmp_path: Path) -> None:
    """Chinese text with the Mandarin voice is speech of a sensible length (~1-8 s)."""
    path = tmp_path / "zh.wav"
    worker.synthesize_to_file("您有新的外卖订单", Language.ZH, path, timeout=SYNTH_TIMEOUT)
    audio = measure(path)
    assert_spoken(audio)
    assert 1.0 < audio.seconds < 8.0


def test_slower_rate_gives_longer_speech(worker: SpeechWorker, tmp_path: Path) -> None:
    """The rate setting reaches the real engine."""
    text = phrasing.new_order("1234", Language.EN)
    worker.rate = 300
    worker.synthesize_to_file(text, Language.EN, tmp_path / "fast.wav", timeout=SYNTH_TIMEOUT)
    worker.rate = 100
    worker.synthesize_to_file(text, Language.EN, tmp_path / "slow.wav", timeout=SYNTH_TIMEOUT)
    fast = measure(tmp_path / "fast.wav")
    slow = measure(tmp_path / "slow.wav")
    assert slow.seconds > fast.seconds * 1.5


def test_probe_finds_espeak_with_mandarin_and_english(worker: SpeechWorker) -> None:
    """The probe finds espeak, voices that speak each language by their phonemes, and aplay."""
    status = worker.probe(timeout=SYNTH_TIMEOUT)
    assert status.engine_ok
    assert status.driver == "espeak"
    assert status.voices[Language.ZH] == "sit/cmn-latn-pinyin"
    assert status.voices[Language.EN] == "gmw/en-us"
    assert all(choice.checked and not choice.problem for choice in status.choices.values())
    assert status.playback_ok == (shutil.which("aplay") is not None)


def test_list_voices_includes_mandarin(worker: SpeechWorker) -> None:
    """The settings dialog can list the real voices."""
    voices = worker.list_voices(timeout=SYNTH_TIMEOUT)
    assert any("cmn" in voice.languages for voice in voices)
