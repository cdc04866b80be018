"""The self-checks of speech: one line per language naming the voice, judged by its phonemes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.checks import SpeechProbe, check_speech, startup_checks
from desktop.core.phrasing import Language
from desktop.speech.errors import SpeechError
from desktop.speech.speaker import SpeechStatus
from desktop.speech.voices import VoiceInfo
from desktop.speech.worker import SpeechWorker
from tests.sound import RecordingPlayer, write_wav


class ToneEngine:
    """An engine with espeak's two Mandarin voices whose phonemes the test sets; it writes tones."""

    driver_name = "tone"
    reusable = True

    def __init__(self, phonemes: dict[str, str], amplitude: int = 8000) -> None:
        self._phonemes = phonemes
        self._amplitude = amplitude

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
            VoiceInfo("sit/cmn-latn-pinyin", "Chinese (Mandarin)", ("cmn-latn-pinyin",)),
            VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
        ]

    def configure(self, *, voice_id: str | None, rate: int | None, volume: float | None) -> None:
        pass

    def save_to_file(self, text: str, path: Path) -> None:
        write_wav(path, 2.0, self._amplitude)

    def phonemes(self, text: str, voice_id: str) -> str | None:
        return self._phonemes.get(voice_id, "")


GOOD = {"sit/cmn": "(en)nInt'u:_|(cmn)_|", "sit/cmn-latn-pinyin": "n'i35n_|", "gmw/en-us": "n'u:"}


@pytest.fixture
def espeak_worker() -> Iterator[SpeechWorker]:
    with SpeechWorker(player=RecordingPlayer()) as worker:
        yield worker


@pytest.mark.usefixtures("espeak")
async def test_real_chinese_speech_names_the_pinyin_voice(espeak_worker: SpeechWorker) -> None:
    """With espeak-ng the zh line names cmn-latn-pinyin and says its phonemes were checked."""
    detail = await check_speech(espeak_worker, Language.ZH, SpeechProbe(espeak_worker))
    assert detail.startswith("voice sit/cmn-latn-pinyin, its phonemes hold no language switch")
    assert "synthesised" in detail


@pytest.mark.usefixtures("espeak")
async def test_real_english_speech_names_its_voice(espeak_worker: SpeechWorker) -> None:
    """The en line names the English voice, checked the same way."""
    detail = await check_speech(espeak_worker, Language.EN, SpeechProbe(espeak_worker))
    assert detail.startswith("voice gmw/en-us, its phonemes hold no language switch")


async def test_a_switching_chinese_voice_fails_its_line() -> None:
    """When the only Mandarin voice reads Chinese with English rules, the zh check fails."""
    phonemes = {"sit/cmn": "(en)nInt'u:_|(cmn)_|", "gmw/en-us": "n'u:"}
    with SpeechWorker(lambda: ToneEngine(phonemes), player=RecordingPlayer()) as worker:
        worker.set_language_voice(Language.ZH, "sit/cmn")
        with pytest.raises(SpeechError, match=r"voice sit/cmn: its phonemes switch language"):
            await check_speech(worker, Language.ZH, SpeechProbe(worker))


async def test_silent_synthesis_fails_its_line() -> None:
    """A voice that writes only silence fails, however right its phonemes."""
    with (
        SpeechWorker(lambda: ToneEngine(GOOD, amplitude=0), player=RecordingPlayer()) as worker,
        pytest.raises(RuntimeError, match=r"produced only 2\.0 s of audio"),
    ):
        await check_speech(worker, Language.ZH, SpeechProbe(worker))


async def test_the_probe_runs_once_for_both_lines() -> None:
    """Both languages' lines share one probe of the engine."""
    probes = []

    class CountingWorker(SpeechWorker):
        def probe(self, timeout: float = 15.0) -> SpeechStatus:
            probes.append(timeout)
            return super().probe(timeout)

    with CountingWorker(lambda: ToneEngine(GOOD), player=RecordingPlayer()) as worker:
        probe = SpeechProbe(worker)
        await check_speech(worker, Language.ZH, probe)
        await check_speech(worker, Language.EN, probe)
    assert len(probes) == 1


async def test_the_self_check_plays_the_phrase_and_names_the_player() -> None:
    """With play, the phrase is played and the line says through what."""
    player = RecordingPlayer()
    with SpeechWorker(lambda: ToneEngine(GOOD), player=player) as worker:
        detail = await check_speech(worker, Language.ZH, SpeechProbe(worker), play=True)
    assert detail.endswith("synthesised 2.0 s, played through recording")
    assert player.kinds() == ["speech"]


async def test_the_self_check_fails_when_the_phrase_is_not_heard() -> None:
    """A phrase that cannot be played fails the line, saying it was not heard and why."""
    player = RecordingPlayer(failure="aplay failed: audio open error")
    with (
        SpeechWorker(lambda: ToneEngine(GOOD), player=player) as worker,
        pytest.raises(RuntimeError, match="but it was not heard: aplay failed: audio open error"),
    ):
        await check_speech(worker, Language.ZH, SpeechProbe(worker), play=True)


async def test_the_start_up_check_plays_nothing() -> None:
    """At start-up the lines are silent: nothing is played at the counter."""
    player = RecordingPlayer()
    with SpeechWorker(lambda: ToneEngine(GOOD), player=player) as worker:
        await check_speech(worker, Language.ZH, SpeechProbe(worker))
    assert player.played == []


def test_the_language_in_use_is_vital_and_first() -> None:
    """One speech line per language: the one in use first and vital, the other a warning."""
    with SpeechWorker(lambda: ToneEngine(GOOD), player=RecordingPlayer()) as worker:
        checks = startup_checks(worker, "http://127.0.0.1:1", "token", language=Language.EN)
    assert [(name, vital) for name, vital, _ in checks] == [
        ("speech en", True),
        ("speech zh", False),
        ("server", True),
        ("token", True),
        ("tray", False),
    ]
