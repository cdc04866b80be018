"""``orderbell --smoke-test``: the whole check from source, and how it reports failures."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from desktop import smoke
from desktop.core.phrasing import Language
from desktop.smoke import (
    SmokeFailure,
    SmokeReport,
    check_chime,
    check_speech,
    check_translations,
    describe_speech,
    open_report,
    run_smoke_test,
)
from desktop.speech.errors import SpeechError
from desktop.speech.worker import SpeechWorker
from tests.sound import write_wav

STEPS = ("qt", "icons", "translations", "speech", "chime", "backend", "websocket", "order")


@pytest.mark.usefixtures("espeak")
def test_smoke_test_passes_from_source(tmp_path: Path) -> None:
    """``python -m desktop --smoke-test`` passes every step, prints SMOKE OK and exits 0."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--smoke-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-2000:]}"
    for step in STEPS:
        assert any(line.startswith(f"ok   {step}: ") for line in lines), step
    assert any(
        line.startswith("ok   speech: voice sit/cmn-latn-pinyin, its phonemes hold no language")
        for line in lines
    ), done.stdout
    assert "Audio saved to" not in done.stdout
    assert lines[-1].startswith("SMOKE OK")
    assert (tmp_path / "state" / "OrderBell" / "log" / "smoke-test" / "orderbell.log").is_file()


async def test_a_failing_step_says_what_failed() -> None:
    """A step that raises is reported as one FAIL line with its reason, and remembered."""
    out = io.StringIO()
    report = SmokeReport([out])

    async def broken() -> str:
        raise SmokeFailure("no speech engine")

    assert await report.run("speech", broken) is False
    assert out.getvalue() == "FAIL speech: no speech engine\n"
    assert report.failed == ["speech"]


async def test_a_hung_step_fails_after_the_step_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step that never finishes fails with the timeout instead of hanging the check."""
    monkeypatch.setattr(smoke, "STEP_TIMEOUT_S", 0.05)
    out = io.StringIO()

    async def hangs() -> str:
        await asyncio.Event().wait()
        return "never"

    assert await SmokeReport([out]).run("websocket", hangs) is False
    assert out.getvalue() == "FAIL websocket: no result within 0.05 s\n"


async def test_a_passing_step_prints_ok_with_what_it_found() -> None:
    """A passing step prints ``ok   name: detail [seconds]``."""
    out = io.StringIO()

    async def fine() -> str:
        return "serving"

    assert await SmokeReport([out]).run("backend", fine) is True
    assert out.getvalue().startswith("ok   backend: serving [")


async def test_missing_translations_fail_their_step(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without our .qm the translations step fails and names the file it looked for."""
    monkeypatch.setattr(smoke, "install_translator", lambda _app, _language: None)
    with pytest.raises(SmokeFailure, match=r"orderbell_zh\.qm is missing or damaged"):
        await check_translations(qapp)


def test_no_qt_prints_fail_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """When Qt cannot start, the smoke test says so and exits 1 without running the rest."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    # configure_logging installs hooks that log uncaught exceptions; leave the test's alone.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)

    def no_display() -> QApplication:
        raise RuntimeError("could not connect to display")

    assert run_smoke_test(no_display) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "FAIL qt: RuntimeError: could not connect to display"
    assert lines[-1].startswith("SMOKE FAILED: qt (log: ")


def test_without_stdout_the_report_goes_to_the_log_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A windowed build has no stdout: the lines go to smoke-test.txt in the log folder."""
    monkeypatch.setattr(sys, "stdout", None)
    with contextlib.ExitStack() as closing:
        SmokeReport(open_report(tmp_path, closing)).line("ok   qt: offscreen")
    assert (tmp_path / "smoke-test.txt").read_text(encoding="utf-8") == "ok   qt: offscreen\n"


def test_speech_of_plausible_length_and_loudness_passes(tmp_path: Path) -> None:
    """Two seconds of a loud signal count as speech."""
    detail = describe_speech(write_wav(tmp_path / "speech.wav", 2.0, 12000))
    assert detail.startswith("2.0 s of speech")


def test_silent_speech_fails(tmp_path: Path) -> None:
    """A WAV of the right length holding silence is not speech (aplay-less pyttsx3 bug)."""
    with pytest.raises(SmokeFailure, match="near silence"):
        describe_speech(write_wav(tmp_path / "silence.wav", 2.0, 0))


def test_too_short_speech_fails(tmp_path: Path) -> None:
    """A tenth of a second is no spoken order."""
    with pytest.raises(SmokeFailure, match=r"0\.1 s of audio"):
        describe_speech(write_wav(tmp_path / "short.wav", 0.1, 12000))


def test_other_audio_formats_are_judged_by_size(tmp_path: Path) -> None:
    """macOS writes AIFF: a large one passes, a stub fails."""
    large = tmp_path / "large.aiff"
    large.write_bytes(b"FORM" + bytes(40_000))
    assert describe_speech(large) == "39 KiB of audio"
    stub = tmp_path / "stub.aiff"
    stub.write_bytes(b"FORM" + bytes(100))
    with pytest.raises(SmokeFailure, match="only 104 bytes"):
        describe_speech(stub)


@pytest.mark.usefixtures("espeak")
async def test_a_voice_that_would_not_speak_mandarin_fails_the_speech_step() -> None:
    """espeak-ng's `cmn` voice, which reads Chinese with English rules, fails the step by name."""
    worker = SpeechWorker()
    worker.set_language_voice(Language.ZH, "sit/cmn")
    with pytest.raises(SpeechError, match=r"voice sit/cmn: its phonemes switch language \(en"):
        await check_speech(worker)


async def test_the_shipped_chime_passes() -> None:
    """The chime in resources/sounds loads as a loud WAV of about 1.5 s."""
    assert "chime.wav loads: 1.5 s, peak" in await check_chime()


async def test_a_missing_chime_fails_its_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build without the chime fails the chime step, naming the file."""
    monkeypatch.setattr(smoke, "chime_path", lambda: tmp_path / "chime.wav")
    with pytest.raises(SmokeFailure, match=r"cannot load the chime .*chime\.wav"):
        await check_chime()


async def test_a_quiet_chime_fails_its_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chime too quiet to call staff from the kitchen is not the chime."""
    monkeypatch.setattr(smoke, "chime_path", lambda: write_wav(tmp_path / "chime.wav", 1.5, 3000))
    with pytest.raises(SmokeFailure, match="not a chime"):
        await check_chime()
