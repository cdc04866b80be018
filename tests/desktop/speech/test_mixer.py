"""Reading a muted or zeroed output from amixer and osascript, and not guessing when they fail."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from desktop.speech.mixer import (
    AT_ZERO,
    MUTED,
    alsa_output_problem,
    amixer_problem,
    macos_output_problem,
    macos_volume_problem,
    run_quietly,
)

AMIXER_MUTED = """Simple mixer control 'Master',0
  Capabilities: pvolume pswitch pswitch-joined
  Playback channels: Front Left - Front Right
  Limits: Playback 0 - 65536
  Mono:
  Front Left: Playback 40000 [61%] [off]
  Front Right: Playback 40000 [61%] [off]
"""
AMIXER_ZERO = """Simple mixer control 'Master',0
  Capabilities: pvolume pvolume-joined pswitch pswitch-joined
  Playback channels: Mono
  Limits: Playback 0 - 87
  Mono: Playback 0 [0%] [-65.25dB] [on]
"""
AMIXER_LOUD = """Simple mixer control 'Master',0
  Front Left: Playback 65536 [100%] [on]
  Front Right: Playback 0 [0%] [off]
"""


@pytest.mark.parametrize(
    ("output", "problem"),
    [(AMIXER_MUTED, MUTED), (AMIXER_ZERO, AT_ZERO), (AMIXER_LOUD, None), ("", None)],
    ids=["muted", "at-zero", "one-channel-on", "nothing"],
)
def test_amixer(output: str, problem: str | None) -> None:
    """Muted when every channel is off, at zero when every one is 0%; one live channel is sound."""
    assert amixer_problem(output) == problem


def test_amixer_garbage_is_no_verdict() -> None:
    """Hostile or unexpected output never claims a mute."""
    assert amixer_problem("Playback [off]\n\x00" * 10_000 + "[999999999999%]") is None


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("output volume:50, input volume:50, alert volume:100, output muted:true", MUTED),
        ("output volume:0, input volume:50, alert volume:100, output muted:false", AT_ZERO),
        ("output volume:75, input volume:50, alert volume:100, output muted:false", None),
        ("output volume:missing value, output muted:missing value", None),
    ],
    ids=["muted", "at-zero", "loud", "no-output-device-info"],
)
def test_macos_volume(output: str, problem: str | None) -> None:
    """macOS's volume settings: the mute switch first, then a volume of 0."""
    assert macos_volume_problem(output) == problem


def test_a_failing_tool_is_no_verdict() -> None:
    """amixer missing or failing (no sound card): the mixer cannot tell, so it says nothing."""

    def failing(command: Sequence[str]) -> str | None:
        return None

    assert alsa_output_problem(failing) is None
    assert macos_output_problem(failing) is None


def test_the_mixer_asked_is_amixers_master() -> None:
    """The default card's Master control is the one read."""
    asked: list[Sequence[str]] = []

    def recording(command: Sequence[str]) -> str | None:
        asked.append(command)
        return AMIXER_MUTED

    assert alsa_output_problem(recording) == MUTED
    assert asked == [["amixer", "get", "Master"]]


def test_running_a_missing_or_failing_command_gives_none() -> None:
    """A command that does not exist or exits non-zero yields None, never an exception."""
    assert run_quietly(["/nonexistent/amixer"]) is None
    assert run_quietly(["sh", "-c", "echo out; exit 1"]) is None
    assert run_quietly(["sh", "-c", "echo out"]) == "out\n"
