"""Whether the computer's output is muted or at zero, read from what the system's tools print.

Pure parsers plus the commands that feed them; a tool that is missing or fails means "cannot
tell", never "muted": the player's own result then decides.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence

# amixer: "  Front Left: Playback 0 [0%] [-inf dB] [off]"  or  "  Mono: Playback 31 [100%] [on]"
_AMIXER_CHANNEL = re.compile(r"^\s*[^:]+:\s*Playback\b.*?\[(?P<percent>\d+)%\](?P<rest>.*)$")
# osascript -e "get volume settings": "output volume:0, input volume:50, ..., output muted:true"
_MAC_VOLUME = re.compile(r"output volume:(?P<volume>\d+|missing value)")
_MAC_MUTED = re.compile(r"output muted:(?P<muted>true|false|missing value)")

MUTED = "the computer's sound is muted"
AT_ZERO = "the computer's volume is at 0"

Run = Callable[[Sequence[str]], str | None]
"""Runs a command and returns what it printed, or None when it is missing or failed."""


def amixer_problem(output: str) -> str | None:
    """From ``amixer get Master``: muted when every channel is off, at zero when every one is 0%."""
    channels = [_AMIXER_CHANNEL.match(line) for line in output.splitlines()]
    found = [match for match in channels if match is not None]
    if not found:
        return None
    if all("[off]" in match["rest"] for match in found):
        return MUTED
    if all(int(match["percent"]) == 0 for match in found):
        return AT_ZERO
    return None


def macos_volume_problem(output: str) -> str | None:
    """From ``osascript -e "get volume settings"``: muted, or the output volume at 0."""
    muted = _MAC_MUTED.search(output)
    if muted is not None and muted["muted"] == "true":
        return MUTED
    volume = _MAC_VOLUME.search(output)
    if volume is not None and volume["volume"] == "0":
        return AT_ZERO
    return None


def alsa_output_problem(run: Run) -> str | None:
    """The default ALSA mixer's Master control, where there is one (PulseAudio and PipeWire too)."""
    output = run(["amixer", "get", "Master"])
    return None if output is None else amixer_problem(output)


def macos_output_problem(run: Run) -> str | None:
    """The macOS output volume and mute switch."""
    output = run(["osascript", "-e", "get volume settings"])
    return None if output is None else macos_volume_problem(output)


def run_quietly(command: Sequence[str], env: dict[str, str] | None = None) -> str | None:
    """Run a short system command; its output, or None if it is missing, fails or hangs."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed commands, no shell
            list(command),
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            env=env,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
