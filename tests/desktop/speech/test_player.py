"""Players whose failures are seen: aplay's exit status and error output, a missing program."""

from __future__ import annotations

import ctypes
import stat
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop.speech.errors import PlaybackError
from desktop.speech.player import (
    CommandPlayer,
    WinsoundPlayer,
    default_player,
    system_command_env,
)
from tests.sound import SoundCard, write_wav


def fake_program(directory: Path, script: str) -> Path:
    """A shell script standing in for a player program."""
    path = directory / "player"
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def tone(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "tone.wav", 0.5, 12_000)


def test_real_aplay_delivers_the_samples_to_the_output(sound_card: SoundCard, tone: Path) -> None:
    """What aplay played arrives at the sound card: the tone's samples, loud as they were."""
    CommandPlayer(["aplay", "-q"]).play(tone, timeout=30)
    assert len(sound_card.samples()) >= 0.5 * 22050
    assert sound_card.peak() > 11_000


def test_real_aplay_without_a_sound_card_fails_with_its_reason(
    no_sound_card: Path, tone: Path
) -> None:
    """No sound card: aplay's own complaint is the error, not a silent success."""
    with pytest.raises(PlaybackError, match=r"aplay failed: .*audio open error"):
        CommandPlayer(["aplay", "-q"]).play(tone, timeout=30)


def test_a_failing_player_reports_its_last_error_line(tmp_path: Path, tone: Path) -> None:
    """A non-zero exit gives the program's last line of error output."""
    program = fake_program(
        tmp_path, 'echo "ALSA lib pcm.c: noise" >&2; echo "player: device busy" >&2; exit 1'
    )
    with pytest.raises(PlaybackError, match=r"^player failed: player: device busy$"):
        CommandPlayer([str(program)]).play(tone, timeout=10)


def test_a_failing_player_without_output_reports_its_exit_status(
    tmp_path: Path, tone: Path
) -> None:
    """A player that fails silently still fails, with its exit status."""
    program = fake_program(tmp_path, "exit 3")
    with pytest.raises(PlaybackError, match="exit status 3"):
        CommandPlayer([str(program)]).play(tone, timeout=10)


def test_an_error_printed_with_success_is_a_failure(tmp_path: Path, tone: Path) -> None:
    """Exit status 0 with an error on its error output is not trusted."""
    program = fake_program(tmp_path, 'echo "write error: Input/output error" >&2; exit 0')
    with pytest.raises(PlaybackError, match="reported: write error"):
        CommandPlayer([str(program)]).play(tone, timeout=10)


def test_a_clean_player_is_success(tmp_path: Path, tone: Path) -> None:
    """Exit status 0 and nothing alarming: played; the file was handed over as last argument."""
    seen = tmp_path / "seen"
    program = fake_program(tmp_path, f'echo "$1" > "{seen}"')
    CommandPlayer([str(program)]).play(tone, timeout=10)
    assert seen.read_text().strip() == str(tone)


def test_a_hung_player_fails_after_its_timeout(tmp_path: Path, tone: Path) -> None:
    """A player that never returns is killed and reported, so the alert path goes on."""
    program = fake_program(tmp_path, "exec sleep 30")
    with pytest.raises(PlaybackError, match=r"did not finish within 0\.3 s"):
        CommandPlayer([str(program)]).play(tone, timeout=0.3)


def test_a_missing_player_says_what_to_install(tmp_path: Path, tone: Path) -> None:
    """No aplay at all: the error says to install alsa-utils; so does the output check."""
    player = CommandPlayer([str(tmp_path / "aplay")], install_hint="alsa-utils")
    with pytest.raises(PlaybackError, match=r"aplay is not installed \(install alsa-utils\)"):
        player.play(tone, timeout=10)
    assert player.output_problem() == "aplay is not installed (install alsa-utils)"


def test_the_output_check_is_asked_when_the_program_is_there(tmp_path: Path) -> None:
    """With the program present, the mixer's verdict is the output's problem."""
    program = fake_program(tmp_path, "exit 0")
    player = CommandPlayer([str(program)], output_check=lambda: "the computer's sound is muted")
    assert player.output_problem() == "the computer's sound is muted"


def test_linux_plays_through_aplay() -> None:
    """On Linux the checked player is aplay, quiet."""
    assert default_player("linux").name == "aplay"
    assert default_player("darwin").name == "afplay"
    assert default_player("win32").name == "winsound"


def test_a_frozen_app_gives_system_programs_their_own_libraries() -> None:
    """PyInstaller's LD_LIBRARY_PATH is replaced by the one the app was started with."""
    env = system_command_env(
        {"LD_LIBRARY_PATH": "/app/_internal", "LD_LIBRARY_PATH_ORIG": "/opt/lib", "X": "1"},
        frozen=True,
    )
    assert env == {"LD_LIBRARY_PATH": "/opt/lib", "X": "1"}


def test_a_frozen_app_started_without_a_library_path_passes_none() -> None:
    """No original LD_LIBRARY_PATH: the bundle's is dropped."""
    env = system_command_env({"LD_LIBRARY_PATH": "/app/_internal"}, frozen=True)
    assert env == {}


def test_from_source_the_environment_is_inherited() -> None:
    """Run from source, nothing is changed (None: inherit)."""
    assert system_command_env({"LD_LIBRARY_PATH": "/x"}, frozen=False) is None


class FakeWinsound:
    """Stands in for Windows' winsound module: records each call, fails when told to."""

    SND_FILENAME = 0x20000
    SND_NODEFAULT = 0x2

    def __init__(self, failure: str | None = None) -> None:
        self.failure = failure
        self.calls: list[tuple[str, int]] = []

    def PlaySound(self, sound: str, flags: int) -> None:  # noqa: N802 - winsound's own name
        self.calls.append((sound, flags))
        if self.failure is not None:
            raise RuntimeError(self.failure)


class FakeWinmm:
    def __init__(self, devices: int) -> None:
        self.devices = devices

    def waveOutGetNumDevs(self) -> int:  # noqa: N802 - the Windows API's name
        return self.devices


def on_windows(monkeypatch: pytest.MonkeyPatch, winsound: FakeWinsound, devices: int = 1) -> None:
    """Make WinsoundPlayer see Windows: its platform, winsound and winmm's device count."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "winsound", winsound)
    monkeypatch.setattr(ctypes, "windll", SimpleNamespace(winmm=FakeWinmm(devices)), raising=False)


def test_windows_plays_the_file_itself_and_never_the_default_beep(
    monkeypatch: pytest.MonkeyPatch, tone: Path
) -> None:
    """winsound plays the file synchronously; a file it cannot play must not beep instead."""
    winsound = FakeWinsound()
    on_windows(monkeypatch, winsound)
    WinsoundPlayer().play(tone, timeout=10)
    assert winsound.calls == [(str(tone), FakeWinsound.SND_FILENAME | FakeWinsound.SND_NODEFAULT)]


def test_windows_failing_to_play_is_not_heard(monkeypatch: pytest.MonkeyPatch, tone: Path) -> None:
    """PlaySound's error (no device, a bad file) is a PlaybackError saying so."""
    on_windows(monkeypatch, FakeWinsound(failure="Failed to play sound"))
    with pytest.raises(PlaybackError, match="Windows could not play the sound: Failed to play"):
        WinsoundPlayer().play(tone, timeout=10)


def test_windows_without_an_output_device_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """No wave output device at all is the output's problem."""
    on_windows(monkeypatch, FakeWinsound(), devices=0)
    assert WinsoundPlayer().output_problem() == "the computer has no sound output device"


def test_windows_with_an_output_device_finds_no_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wave output device present: nothing to report (the mute switch is not read)."""
    on_windows(monkeypatch, FakeWinsound(), devices=2)
    assert WinsoundPlayer().output_problem() is None
