"""Playing a WAV file with a player whose result is checked, so sound that was not heard is known.

pyttsx3's espeak driver plays through ``os.system("aplay ...")`` and ignores the outcome: with no
sound card or no aplay, it reports success. Here every player says when it failed: ``aplay``
(Linux) and ``afplay`` (macOS) by their exit status and error output, ``winsound`` (Windows) by
the error Windows returns. Each also tells, where the system can, whether the output is muted or
at zero (``amixer``, ``osascript``) or has no device at all (Windows).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from desktop.speech.errors import PlaybackError
from desktop.speech.mixer import alsa_output_problem, macos_output_problem, run_quietly

_ERROR_WORDS = ("error", "cannot", "failed", "unable")


class Player(Protocol):
    """Plays WAV files and says when they were not heard."""

    @property
    def name(self) -> str:
        """The program or API that plays: aplay, afplay, winsound, or a fake's name."""
        ...

    def play(self, path: Path, timeout: float) -> None:
        """Play ``path`` to the end; raise PlaybackError when it was not played."""
        ...

    def output_problem(self) -> str | None:
        """Why sound played now would not be heard (muted, volume 0, no device), or None."""
        ...


def system_command_env(
    environ: Mapping[str, str] = os.environ, *, frozen: bool | None = None
) -> dict[str, str] | None:
    """The environment for a system program started from this app; None: inherit it as it is.

    A PyInstaller build points LD_LIBRARY_PATH at its own libraries, which must not replace the
    system's in ``aplay`` or ``amixer``; the bootloader keeps the original as
    LD_LIBRARY_PATH_ORIG.
    """
    if not (getattr(sys, "frozen", False) if frozen is None else frozen):
        return None
    env = dict(environ)
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        env.pop("LD_LIBRARY_PATH", None)
    else:
        env["LD_LIBRARY_PATH"] = original
    return env


class CommandPlayer:
    """Plays through a command line program given the file as its last argument.

    ``install_hint`` says what to install when the program is missing; ``output_check`` tells
    whether the output is muted (None: the system cannot tell).
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        install_hint: str = "",
        output_check: Callable[[], str | None] = lambda: None,
        env: dict[str, str] | None = None,
    ) -> None:
        if not command:
            raise ValueError("a player needs a command")
        self._command = list(command)
        self._install_hint = install_hint
        self._output_check = output_check
        self._env = env

    @property
    def name(self) -> str:
        """The program's name, e.g. aplay."""
        return Path(self._command[0]).name

    def play(self, path: Path, timeout: float) -> None:
        """Run the program on ``path``; its exit status and error output decide."""
        try:
            done = subprocess.run(  # noqa: S603 - a fixed player program, the file as argument
                [*self._command, str(path)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
                env=self._env,
            )
        except FileNotFoundError:
            raise PlaybackError(self._missing()) from None
        except subprocess.TimeoutExpired:
            raise PlaybackError(f"{self.name} did not finish within {timeout:g} s") from None
        except OSError as exc:
            raise PlaybackError(f"{self.name} could not be started: {exc}") from exc
        complaint = _complaint(done.stderr)
        if done.returncode != 0:
            reason = complaint or f"exit status {done.returncode}"
            raise PlaybackError(f"{self.name} failed: {reason}")
        if complaint and any(word in complaint.lower() for word in _ERROR_WORDS):
            raise PlaybackError(f"{self.name} reported: {complaint}")

    def output_problem(self) -> str | None:
        """The program is missing, or the output is muted or at zero where the system can tell."""
        if shutil.which(self._command[0]) is None:
            return self._missing()
        return self._output_check()

    def _missing(self) -> str:
        hint = f" (install {self._install_hint})" if self._install_hint else ""
        return f"{self.name} is not installed{hint}"


def _complaint(stderr: str) -> str:
    """The last line the program wrote to its error output, which says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


class WinsoundPlayer:
    """Windows: ``winsound.PlaySound``, which raises when Windows cannot play the file."""

    name = "winsound"

    def play(self, path: Path, timeout: float) -> None:
        """Play synchronously; a missing device or a bad file raises (no default beep instead).

        PlaySound has no timeout of its own: the speech worker's timeout per job bounds it.
        """
        if sys.platform != "win32":
            raise PlaybackError("winsound exists on Windows only")
        import winsound

        try:
            winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_NODEFAULT)
        except RuntimeError as exc:
            raise PlaybackError(f"Windows could not play the sound: {exc}") from exc

    def output_problem(self) -> str | None:
        """No sound output device at all (the mute switch is not read here)."""
        if sys.platform != "win32":
            return None
        import ctypes

        if ctypes.windll.winmm.waveOutGetNumDevs() == 0:
            return "the computer has no sound output device"
        return None


def default_player(platform: str = sys.platform) -> Player:
    """The checked player of this platform."""
    if platform == "win32":
        return WinsoundPlayer()
    env = system_command_env()

    def run(command: Sequence[str]) -> str | None:
        return run_quietly(command, env)

    if platform == "darwin":
        return CommandPlayer(["afplay"], output_check=lambda: macos_output_problem(run), env=env)
    return CommandPlayer(
        ["aplay", "-q"],
        install_hint="alsa-utils",
        output_check=lambda: alsa_output_problem(run),
        env=env,
    )
