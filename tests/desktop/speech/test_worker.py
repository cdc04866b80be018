"""The speech worker with scripted engines: priority, no blocking, timeouts, replacement."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.phrasing import Language
from desktop.speech.errors import (
    PlaybackError,
    SpeechClosed,
    SpeechEngineError,
    SpeechError,
    SpeechTimeout,
)
from desktop.speech.speaker import Speaker
from desktop.speech.voices import VoiceInfo
from desktop.speech.worker import SpeechWorker, default_timeout
from tests.sound import RecordingPlayer, write_wav

WAIT = 10.0  # generous bound for a thread hand-over; only reached when a test fails


@dataclass(frozen=True)
class Spoken:
    engine: int
    text: str
    voice: str | None
    rate: int | None
    volume: float | None
    thread: str


class FakeEngine:
    """A TtsEngine whose behaviour per text is scripted by its factory."""

    driver_name = "fake"

    def __init__(self, number: int, engines: FakeEngines) -> None:
        self.number = number
        self.thread = threading.current_thread().name
        self.reusable = engines.reusable
        self._engines = engines
        self._voice: str | None = None
        self._rate: int | None = None
        self._volume: float | None = None

    def voices(self) -> list[VoiceInfo]:
        return list(self._engines.voice_list)

    def configure(self, *, voice_id: str | None, rate: int | None, volume: float | None) -> None:
        self._voice, self._rate, self._volume = voice_id, rate, volume

    def save_to_file(self, text: str, path: Path) -> None:
        self._engines.perform(self, text)
        write_wav(path, 0.02, 0 if text in self._engines.silent else 8000)

    def phonemes(self, text: str, voice_id: str) -> str | None:
        self._engines.phonemes_read.append((text, voice_id))
        if self._engines.phoneme_table is None:
            return None
        return self._engines.phoneme_table.get(voice_id, "")


class FakeEngines:
    """The engine factory: counts engines, records what they said, blocks or fails on cue."""

    def __init__(self) -> None:
        self.created: list[FakeEngine] = []
        self.spoken: list[Spoken] = []
        self.entered: queue.Queue[str] = queue.Queue()
        self.release = threading.Event()
        self.block: set[str] = set()
        self.fail: set[str] = set()
        self.factory_fails = False
        self.reusable = True
        self.silent: set[str] = set()
        self.voice_list = [
            VoiceInfo("fake/cmn", "Mandarin", ("cmn",)),
            VoiceInfo("fake/en", "English", ("en-us",)),
        ]
        # Phonemes per voice id; None: the engine does not expose them (like SAPI5).
        self.phoneme_table: dict[str, str] | None = None
        self.phonemes_read: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._active = 0
        self.max_active = 0

    def __call__(self) -> FakeEngine:
        if self.factory_fails:
            raise SpeechEngineError("no speech engine could be started: fake")
        engine = FakeEngine(len(self.created) + 1, self)
        self.created.append(engine)
        return engine

    def perform(self, engine: FakeEngine, text: str) -> None:
        with self._lock:
            self._active += 1
            self.max_active = max(self.max_active, self._active)
        try:
            self.entered.put(text)
            if text in self.block:
                self.release.wait(WAIT)
            if text in self.fail:
                raise RuntimeError("run loop already started")
            self.spoken.append(
                Spoken(
                    engine.number,
                    text,
                    engine._voice,
                    engine._rate,
                    engine._volume,
                    threading.current_thread().name,
                )
            )
        finally:
            with self._lock:
                self._active -= 1

    def texts(self) -> list[str]:
        return [spoken.text for spoken in self.spoken]


class Events:
    """The worker's callbacks, collected in queues a test can wait on."""

    def __init__(self) -> None:
        self.started: queue.Queue[tuple[str, int]] = queue.Queue()
        self.finished: queue.Queue[str] = queue.Queue()
        self.failed: queue.Queue[tuple[str, SpeechError]] = queue.Queue()
        self.sound: queue.Queue[str | None] = queue.Queue()

    def on_started(self, text: str) -> None:
        self.started.put((text, threading.get_ident()))

    def on_finished(self, text: str) -> None:
        self.finished.put(text)

    def on_failed(self, text: str, error: SpeechError) -> None:
        self.failed.put((text, error))

    def on_sound(self, problem: str | None) -> None:
        self.sound.put(problem)

    def wait_finished(self, count: int) -> list[str]:
        return [self.finished.get(timeout=WAIT) for _ in range(count)]


def short_timeout_for_hang(text: str) -> float:
    """Utterances named "hang..." time out fast; the rest get all the time they need."""
    return 0.2 if text.startswith("hang") else 30.0


@pytest.fixture
def engines() -> Iterator[FakeEngines]:
    fakes = FakeEngines()
    yield fakes
    fakes.release.set()  # let abandoned threads finish cleanly


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def player() -> RecordingPlayer:
    return RecordingPlayer()


@pytest.fixture
def chime(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "chime.wav", 0.05, 30_000)


@pytest.fixture
def worker(
    engines: FakeEngines, events: Events, player: RecordingPlayer, chime: Path
) -> Iterator[SpeechWorker]:
    speech = SpeechWorker(
        engines,
        player=player,
        chime=chime,
        utterance_timeout=short_timeout_for_hang,
        on_started=events.on_started,
        on_finished=events.on_finished,
        on_failed=events.on_failed,
        on_sound=events.on_sound,
    )
    yield speech
    engines.release.set()
    speech.close()


def test_worker_is_a_speaker(worker: SpeechWorker) -> None:
    """The worker fulfils the Speaker interface the app codes against."""
    speaker: Speaker = worker
    assert speaker.available


def test_say_never_blocks_while_the_engine_speaks(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """say() returns at once even while the engine is stuck in an utterance."""
    engines.block.add("first")
    worker.say("first", Language.ZH)
    assert engines.entered.get(timeout=WAIT) == "first"
    started = time.monotonic()
    for number in range(20):
        worker.say(f"queued {number}", Language.ZH)
    assert time.monotonic() - started < 0.5
    assert engines.texts() == []
    engines.release.set()
    assert len(events.wait_finished(21)) == 21


def test_higher_priority_goes_first_fifo_within(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """Queued utterances are said by priority, and in order within one priority."""
    engines.block.add("first")
    worker.say("first", Language.ZH)
    assert engines.entered.get(timeout=WAIT) == "first"
    worker.say("new order", Language.ZH, priority=10)
    worker.say("reminder A", Language.ZH, priority=20)
    worker.say("background", Language.ZH, priority=0)
    worker.say("reminder B", Language.ZH, priority=20)
    worker.say("link down", Language.ZH, priority=30)
    engines.release.set()
    events.wait_finished(6)
    assert engines.texts() == [
        "first",
        "link down",
        "reminder A",
        "reminder B",
        "new order",
        "background",
    ]


def test_utterances_never_overlap(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """However many are queued, the engine speaks one at a time."""
    for number in range(30):
        worker.say(f"utterance {number}", Language.EN, priority=number % 3)
    events.wait_finished(30)
    assert engines.max_active == 1


def test_hung_engine_is_replaced_and_next_utterance_is_spoken(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """An utterance past its timeout fails; a fresh engine on a fresh thread says the next."""
    engines.block.add("hang on first")
    worker.say("hang on first", Language.ZH)
    worker.say("next", Language.ZH)
    text, error = events.failed.get(timeout=WAIT)
    assert text == "hang on first"
    assert isinstance(error, SpeechTimeout)
    assert events.finished.get(timeout=WAIT) == "next"
    (spoken,) = engines.spoken
    assert spoken.engine == 2
    assert len(engines.created) == 2


def test_hung_engine_thread_is_not_reused(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """The replacement engine runs on another thread than the hung one."""
    engines.block.add("hang")
    worker.say("hang", Language.ZH)
    events.failed.get(timeout=WAIT)
    worker.say("next", Language.ZH)
    events.wait_finished(1)
    hung, fresh = engines.created
    (spoken,) = engines.spoken
    assert spoken.thread == fresh.thread
    assert fresh.thread != hung.thread


def test_status_reports_a_hang_until_speech_works_again(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """After a timeout the worker reports speech unavailable; a later success clears it."""
    engines.block.add("hang")
    worker.say("hang", Language.ZH)
    events.failed.get(timeout=WAIT)
    assert not worker.available
    assert "did not finish" in worker.status.problem
    worker.say("next", Language.ZH)
    events.wait_finished(1)
    assert worker.available


def test_raising_engine_is_replaced(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """An engine that raises is abandoned with its thread; the next utterance gets a new one."""
    engines.fail.add("boom")
    worker.say("boom", Language.ZH)
    worker.say("next", Language.ZH)
    text, error = events.failed.get(timeout=WAIT)
    assert text == "boom"
    assert isinstance(error, SpeechEngineError)
    assert isinstance(error.__cause__, RuntimeError)
    assert events.finished.get(timeout=WAIT) == "next"
    assert [spoken.engine for spoken in engines.spoken] == [2]


def test_no_engine_at_all_fails_each_utterance_and_recovers(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """When no engine starts, each utterance fails (it is not stuck); it speaks once one does."""
    engines.factory_fails = True
    worker.say("lost", Language.ZH)
    text, error = events.failed.get(timeout=WAIT)
    assert text == "lost"
    assert "no speech engine" in str(error)
    assert not worker.available
    engines.factory_fails = False
    worker.say("heard", Language.ZH)
    assert events.finished.get(timeout=WAIT) == "heard"


def test_engine_that_is_not_reusable_is_built_per_utterance(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """An engine asking to be replaced (SAPI5, after a file) gets a fresh one each time."""
    engines.reusable = False
    for text in ("one", "two", "three"):
        worker.say(text, Language.ZH)
    events.wait_finished(3)
    assert [spoken.engine for spoken in engines.spoken] == [1, 2, 3]


def test_reusable_engine_is_kept(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """A healthy reusable engine says everything."""
    for text in ("one", "two", "three"):
        worker.say(text, Language.ZH)
    events.wait_finished(3)
    assert len(engines.created) == 1


def test_voice_follows_language_and_override(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """Each utterance uses its language's voice; a chosen voice overrides the automatic one."""
    worker.say("中文", Language.ZH)
    worker.say("English", Language.EN)
    events.wait_finished(2)
    worker.set_language_voice(Language.ZH, "custom/zh")
    worker.say("中文", Language.ZH)
    events.wait_finished(1)
    worker.set_language_voice(Language.ZH, None)
    worker.say("中文", Language.ZH)
    events.wait_finished(1)
    assert [spoken.voice for spoken in engines.spoken] == [
        "fake/cmn",
        "fake/en",
        "custom/zh",
        "fake/cmn",
    ]


def test_mandarin_is_spoken_by_the_voice_whose_phonemes_show_no_switch(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """A Mandarin-tagged voice that switches to English is passed over for one that does not."""
    engines.voice_list = [
        VoiceInfo("fake/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
        VoiceInfo("fake/cmn-pinyin", "Chinese (Mandarin, latin as Pinyin)", ("cmn-latn-pinyin",)),
    ]
    engines.phoneme_table = {
        "fake/cmn": "(en)nInt'u:_|(cmn)_| w'ai51_|",
        "fake/cmn-pinyin": "n'i35n_| j'iou214_|",
    }
    worker.say("中文", Language.ZH)
    events.wait_finished(1)
    assert [spoken.voice for spoken in engines.spoken] == ["fake/cmn-pinyin"]
    assert engines.phonemes_read == [
        ("您有新的外卖订单，尾号一三五四", "fake/cmn"),
        ("您有新的外卖订单，尾号一三五四", "fake/cmn-pinyin"),
    ]


def test_the_voice_is_chosen_once_per_language(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """Later utterances reuse the choice, even on a fresh engine: phonemes are read once."""
    engines.phoneme_table = {"fake/cmn": "n'i35n_|"}
    engines.reusable = False
    for _ in range(3):
        worker.say("中文", Language.ZH)
    events.wait_finished(3)
    assert len(engines.created) == 3
    assert engines.phonemes_read == [("您有新的外卖订单，尾号一三五四", "fake/cmn")]


def test_probe_reports_a_voice_whose_phonemes_switch_language(
    worker: SpeechWorker, engines: FakeEngines
) -> None:
    """When the only Mandarin voice switches to English, the probe keeps it and says why."""
    engines.phoneme_table = {"fake/cmn": "(en)nInt'u:_|(cmn)_|", "fake/en": "n'u: 'O@d3"}
    status = worker.probe()
    assert status.available
    assert status.choices[Language.ZH].voice_id == "fake/cmn"
    assert "switch language (en, cmn)" in status.choices[Language.ZH].problem
    assert "voice fake/cmn: its phonemes switch language" in status.problem
    assert status.choices[Language.EN].checked
    assert status.choices[Language.EN].problem == ""


def test_probe_checks_a_voice_chosen_in_settings(
    worker: SpeechWorker, engines: FakeEngines
) -> None:
    """A voice set for a language is what the probe reports and judges, not the automatic one."""
    engines.voice_list.append(VoiceInfo("fake/cmn-en", "Mandarin, as English", ("cmn",)))
    engines.phoneme_table = {"fake/cmn": "n'i35n_|", "fake/cmn-en": "(en)n'u:(cmn)"}
    worker.set_language_voice(Language.ZH, "fake/cmn-en")
    status = worker.probe()
    assert status.voices[Language.ZH] == "fake/cmn-en"
    assert status.choices[Language.ZH].checked
    assert "switch language" in status.choices[Language.ZH].problem


def test_rate_and_volume_reach_the_engine(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """Rate and volume set on the worker apply to the next utterance."""
    worker.rate = 150
    worker.volume = 0.5
    worker.say("slow and soft", Language.EN)
    events.wait_finished(1)
    (spoken,) = engines.spoken
    assert (spoken.rate, spoken.volume) == (150, 0.5)


@pytest.mark.parametrize(("rate", "volume"), [(0, None), (-10, None), (None, 1.5), (None, -0.1)])
def test_bad_rate_or_volume_is_refused(rate: int | None, volume: float | None) -> None:
    """Rate must be positive and volume within 0.0-1.0."""
    with pytest.raises(ValueError, match="speech"):
        SpeechWorker(FakeEngines(), player=RecordingPlayer(), rate=rate, volume=volume)


def test_stop_drops_what_is_queued(
    worker: SpeechWorker, engines: FakeEngines, events: Events
) -> None:
    """stop() forgets queued utterances; the one being said finishes; later ones are said."""
    engines.block.add("first")
    worker.say("first", Language.ZH)
    assert engines.entered.get(timeout=WAIT) == "first"
    worker.say("dropped 1", Language.ZH)
    worker.say("dropped 2", Language.ZH, priority=20)
    worker.stop()
    engines.release.set()
    assert events.finished.get(timeout=WAIT) == "first"
    worker.say("after", Language.ZH)
    assert events.finished.get(timeout=WAIT) == "after"
    assert engines.texts() == ["first", "after"]


def test_callbacks_run_on_the_worker_thread(worker: SpeechWorker, events: Events) -> None:
    """Callbacks come from the worker's thread, so a UI must marshal them."""
    worker.say("hello", Language.EN)
    text, thread = events.started.get(timeout=WAIT)
    assert text == "hello"
    assert thread != threading.get_ident()
    assert events.finished.get(timeout=WAIT) == "hello"


def test_raising_callback_does_not_stop_speech(
    engines: FakeEngines, player: RecordingPlayer
) -> None:
    """A broken callback is logged; the utterance is still said and the worker carries on."""
    finished: queue.Queue[str] = queue.Queue()

    def broken(text: str) -> None:
        raise RuntimeError("UI bug")

    with SpeechWorker(
        engines, player=player, on_started=broken, on_finished=finished.put
    ) as speech:
        speech.say("one", Language.ZH)
        speech.say("two", Language.ZH)
        assert [finished.get(timeout=WAIT) for _ in range(2)] == ["one", "two"]
    assert engines.texts() == ["one", "two"]


def test_empty_text_is_not_queued(worker: SpeechWorker, engines: FakeEngines) -> None:
    """Blank text is ignored rather than handed to an engine that would hang on it."""
    worker.say("   ", Language.ZH)
    worker.close()
    assert engines.created == []


def test_synthesize_to_file_writes_and_blocks(worker: SpeechWorker, tmp_path: Path) -> None:
    """synthesize_to_file returns once the file is written."""
    path = tmp_path / "out.wav"
    worker.synthesize_to_file("测试", Language.ZH, path, timeout=WAIT)
    assert path.stat().st_size > 44


def test_synthesize_to_file_raises_engine_failure(
    worker: SpeechWorker, engines: FakeEngines, tmp_path: Path
) -> None:
    """A failing engine surfaces as SpeechEngineError to the caller."""
    engines.fail.add("broken")
    with pytest.raises(SpeechEngineError, match="run loop already started"):
        worker.synthesize_to_file("broken", Language.ZH, tmp_path / "out.wav", timeout=WAIT)


def test_synthesize_to_file_times_out(
    worker: SpeechWorker, engines: FakeEngines, tmp_path: Path
) -> None:
    """A hung engine surfaces as SpeechTimeout after the given timeout."""
    engines.block.add("stuck")
    with pytest.raises(SpeechTimeout):
        worker.synthesize_to_file("stuck", Language.ZH, tmp_path / "out.wav", timeout=0.2)


def test_list_voices(worker: SpeechWorker, engines: FakeEngines) -> None:
    """The installed voices are listed through the worker's engine thread."""
    assert worker.list_voices() == engines.voice_list


def test_probe_reports_a_working_engine(worker: SpeechWorker) -> None:
    """probe() finds the engine, its voice per language, and no problem."""
    status = worker.probe()
    assert status.available
    assert status.checked
    assert status.driver == "fake"
    assert status.voices == {Language.ZH: "fake/cmn", Language.EN: "fake/en"}
    assert status.problem == ""
    assert worker.status == status


def test_status_is_a_guess_before_the_probe(worker: SpeechWorker) -> None:
    """Before probe() the status says it has not been checked."""
    assert not worker.status.checked


def test_probe_reports_lost_playback(worker: SpeechWorker, player: RecordingPlayer) -> None:
    """A player that cannot play here makes speech unavailable, with the reason."""
    player.output = "aplay is not installed (install alsa-utils)"
    status = worker.probe()
    assert status.engine_ok
    assert not status.available
    assert not worker.available
    assert "alsa-utils" in status.problem


def test_probe_reports_a_missing_mandarin_voice(worker: SpeechWorker, engines: FakeEngines) -> None:
    """No Mandarin voice still speaks, but the problem says how to add one."""
    engines.voice_list = [VoiceInfo("fake/en", "English", ("en-us",))]
    status = worker.probe()
    assert status.available
    assert status.voices[Language.ZH] is None
    assert "Mandarin" in status.problem


def test_probe_reports_no_engine(worker: SpeechWorker, engines: FakeEngines) -> None:
    """probe() does not raise when no engine starts; it says so."""
    engines.factory_fails = True
    status = worker.probe()
    assert not status.available
    assert "no speech engine" in status.problem
    assert not worker.available


def test_say_after_close_is_dropped(engines: FakeEngines, player: RecordingPlayer) -> None:
    """A closed worker ignores say() and refuses blocking requests."""
    speech = SpeechWorker(engines, player=player)
    speech.close()
    speech.close()
    speech.say("too late", Language.ZH)
    with pytest.raises(SpeechClosed):
        speech.synthesize_to_file("too late", Language.ZH, Path("unused.wav"), timeout=1)
    assert engines.created == []


def test_close_fails_queued_requests_instead_of_hanging(
    worker: SpeechWorker, engines: FakeEngines, tmp_path: Path
) -> None:
    """A caller waiting on a file when the worker closes gets SpeechClosed."""
    engines.block.add("first")
    worker.say("first", Language.ZH)
    assert engines.entered.get(timeout=WAIT) == "first"
    outcome: queue.Queue[BaseException | None] = queue.Queue()

    def synthesize() -> None:
        try:
            worker.synthesize_to_file("late", Language.ZH, tmp_path / "late.wav", timeout=WAIT)
        except SpeechError as exc:
            outcome.put(exc)
        else:
            outcome.put(None)

    caller = threading.Thread(target=synthesize)
    caller.start()
    while worker.queued == 0:  # wait until the request is queued
        assert caller.is_alive()
        time.sleep(0.001)
    worker.close(timeout=0)
    engines.release.set()
    assert isinstance(outcome.get(timeout=WAIT), SpeechClosed)
    caller.join(WAIT)


@pytest.mark.parametrize(("text", "seconds"), [("短", 10.0), ("x" * 100, 50.0)])
def test_default_timeout_grows_with_text(text: str, seconds: float) -> None:
    """At least 10 s, and half a second per character for long texts."""
    assert default_timeout(text) == seconds


def test_an_utterance_is_played_and_counts_as_heard(
    worker: SpeechWorker, player: RecordingPlayer, events: Events
) -> None:
    """say() synthesises, hands the sound to the player, then reports it finished and heard."""
    worker.say("您有新的外卖订单", Language.ZH)
    assert events.finished.get(timeout=WAIT) == "您有新的外卖订单"
    assert player.kinds() == ["speech"]
    assert events.sound.get(timeout=WAIT) is None


def test_a_failing_player_means_not_heard(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer, events: Events
) -> None:
    """The player fails: the utterance fails as PlaybackError, the sound problem is reported."""
    player.failure = "aplay failed: audio open error: No such file or directory"
    worker.say("您有新的外卖订单", Language.ZH)
    text, error = events.failed.get(timeout=WAIT)
    assert text == "您有新的外卖订单"
    assert isinstance(error, PlaybackError)
    assert events.sound.get(timeout=WAIT) == player.failure
    assert events.finished.empty()
    assert not worker.available
    assert not worker.status.playback_ok
    assert worker.status.engine_ok


def test_a_muted_output_means_not_heard(
    worker: SpeechWorker, player: RecordingPlayer, events: Events
) -> None:
    """Played into a muted output, the utterance is not heard, and says why."""
    player.output = "the computer's sound is muted"
    worker.say("顾客催单", Language.ZH)
    _, error = events.failed.get(timeout=WAIT)
    assert str(error) == "the computer's sound is muted"


def test_a_playback_failure_keeps_the_engine_thread(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer, events: Events
) -> None:
    """No sound output is not the engine's fault: the same thread and engine say the next one."""
    player.failure = "no sound card"
    worker.say("one", Language.ZH)
    events.failed.get(timeout=WAIT)
    player.failure = None
    worker.say("two", Language.ZH)
    assert events.finished.get(timeout=WAIT) == "two"
    assert len(engines.created) == 1
    assert len({spoken.thread for spoken in engines.spoken}) == 1


def test_sound_coming_back_clears_the_problem(
    worker: SpeechWorker, player: RecordingPlayer, events: Events
) -> None:
    """After a failed playback, the next one that works reports the sound heard again."""
    player.failure = "no sound card"
    worker.say("one", Language.ZH)
    assert events.sound.get(timeout=WAIT) == "no sound card"
    player.failure = None
    worker.say("two", Language.ZH)
    assert events.sound.get(timeout=WAIT) is None
    events.wait_finished(1)
    assert worker.available


def test_silent_synthesis_fails_without_playing(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer, events: Events
) -> None:
    """An engine that writes silence fails the utterance; nothing is played or claimed heard."""
    engines.silent.add("mute")
    worker.say("mute", Language.ZH)
    _, error = events.failed.get(timeout=WAIT)
    assert isinstance(error, SpeechEngineError)
    assert "silence" in str(error)
    assert player.kinds() == []
    assert events.sound.empty()


def test_say_and_wait_raises_when_not_heard(worker: SpeechWorker, player: RecordingPlayer) -> None:
    """The blocking variant (Test voice, the self-check) raises PlaybackError when not heard."""
    worker.say_and_wait("ok", Language.EN)
    player.failure = "no sound card"
    with pytest.raises(PlaybackError, match="no sound card"):
        worker.say_and_wait("lost", Language.EN)


def test_the_chime_is_played_without_an_engine(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer, events: Events
) -> None:
    """ring() plays the chime file as it is; no speech engine is needed for it."""
    worker.ring(priority=10)
    assert events.sound.get(timeout=WAIT) is None
    assert player.kinds() == ["chime"]
    assert engines.created == []


def test_the_chime_rings_before_the_sentence_queued_after_it(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer, events: Events
) -> None:
    """A chime and then an utterance of the same priority play in that order."""
    engines.block.add("first")
    worker.say("first", Language.ZH)
    assert engines.entered.get(timeout=WAIT) == "first"
    worker.ring(priority=10)
    worker.say("您有新的外卖订单", Language.ZH, priority=10)
    engines.release.set()
    events.wait_finished(2)
    assert player.kinds() == ["speech", "chime", "speech"]


def test_one_waiting_chime_at_most(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer, events: Events
) -> None:
    """Chimes asked for while one already waits are one chime, not a queue of them."""
    engines.block.add("first")
    worker.say("first", Language.ZH)
    assert engines.entered.get(timeout=WAIT) == "first"
    for _ in range(5):
        worker.ring(priority=10)
    assert worker.queued == 1
    engines.release.set()
    events.wait_finished(1)
    assert [events.sound.get(timeout=WAIT) for _ in range(2)] == [None, None]
    worker.ring(priority=10)
    assert events.sound.get(timeout=WAIT) is None
    assert player.kinds() == ["speech", "chime", "chime"]


def test_no_chime_file_no_chime(engines: FakeEngines, player: RecordingPlayer) -> None:
    """A worker without a chime (the self-check's) ignores ring()."""
    with SpeechWorker(engines, player=player) as speech:
        speech.ring(priority=10)
        assert speech.queued == 0
    assert player.kinds() == []


def test_a_failing_chime_is_reported_not_heard(
    worker: SpeechWorker, player: RecordingPlayer, events: Events
) -> None:
    """The chime's playback is checked like speech."""
    player.failure = "no sound card"
    worker.ring(priority=10)
    assert events.sound.get(timeout=WAIT) == "no sound card"
    assert events.failed.empty()


def test_stop_drops_waiting_chimes_and_settles_waiting_callers(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer, events: Events
) -> None:
    """stop() drops queued chimes and utterances; a caller waiting on one is told, not left
    hanging."""
    engines.block.add("first")
    worker.say("first", Language.ZH)
    assert engines.entered.get(timeout=WAIT) == "first"
    worker.ring(priority=10)
    outcome: queue.Queue[BaseException | None] = queue.Queue()

    def wait_for_sample() -> None:
        try:
            worker.say_and_wait("sample", Language.ZH)
        except SpeechError as exc:
            outcome.put(exc)
        else:
            outcome.put(None)

    caller = threading.Thread(target=wait_for_sample)
    caller.start()
    while worker.queued < 2:  # wait until the sample is queued behind the chime
        assert caller.is_alive()
        time.sleep(0.001)
    worker.stop()
    assert isinstance(outcome.get(timeout=WAIT), SpeechClosed)
    engines.release.set()
    events.wait_finished(1)
    caller.join(WAIT)
    assert player.kinds() == ["speech"]


def test_the_output_check_plays_silence_and_finds_it_working(
    worker: SpeechWorker, engines: FakeEngines, player: RecordingPlayer
) -> None:
    """check_output() opens the output with silence: None when it works, no engine needed."""
    assert worker.check_output() is None
    assert player.kinds() == ["silence"]
    assert engines.created == []


def test_the_output_check_finds_a_missing_sound_card(
    worker: SpeechWorker, player: RecordingPlayer, events: Events
) -> None:
    """check_output() gives the reason sound would not be heard, and reports it."""
    player.failure = "aplay failed: audio open error"
    assert worker.check_output() == "aplay failed: audio open error"
    assert events.sound.get(timeout=WAIT) == "aplay failed: audio open error"


def test_probe_finds_a_settings_voice_of_another_language(
    worker: SpeechWorker, engines: FakeEngines
) -> None:
    """An English voice kept for Chinese is a problem though its phonemes switch nothing (espeak
    reads each character as "Chinese letter"): the voice is for en-us, not Mandarin."""
    engines.phoneme_table = {"fake/cmn": "n'i35n_|", "fake/en": "tS'aIni:zl,Et#3"}
    worker.set_language_voice(Language.ZH, "fake/en")
    status = worker.probe()
    assert status.choices[Language.ZH].problem == "it is a voice for en-us, not Mandarin"
    assert "voice fake/en: it is a voice for en-us, not Mandarin" in status.problem
