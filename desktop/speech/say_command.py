"""macOS speech through the system ``say`` command (pyttsx3's nsss driver can quit the host app)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from desktop.speech.errors import SpeechEngineError
from desktop.speech.voices import VoiceInfo

# `say -v '?'` prints one voice a line: "Ting-Ting           zh_CN    # 你好！我叫婷婷。"
_VOICE_LINE = re.compile(r"^(?P<name>.+?)\s{2,}(?P<lang>[A-Za-z]{2,3}[_-][A-Za-z0-9]+)\s+#")
_SAY_TIMEOUT_S = 120.0


class SayCommandEngine:
    """A :class:`desktop.speech.engine.TtsEngine` that runs ``say`` once per utterance."""

    def __init__(self, command: str = "say") -> None:
        path = shutil.which(command)
        if path is None:
            raise SpeechEngineError(f"the '{command}' command is not available")
        self._command = path
        self._voice: str | None = None
        self._rate: int | None = None
        self._volume: float | None = None

    @property
    def driver_name(self) -> str:
        return "say"

    @property
    def reusable(self) -> bool:
        return True

    def voices(self) -> list[VoiceInfo]:
        listing = self._run(["-v", "?"], capture=True)
        voices = []
        for line in listing.splitlines():
            match = _VOICE_LINE.match(line)
            if match:
                name = match["name"].strip()
                voices.append(VoiceInfo(id=name, name=name, languages=(match["lang"],)))
        return voices

    def configure(self, *, voice_id: str | None, rate: int | None, volume: float | None) -> None:
        self._voice, self._rate, self._volume = voice_id, rate, volume

    def save_to_file(self, text: str, path: Path) -> None:
        """A 16-bit WAV file (``say`` writes AIFF unless told otherwise), at the set volume."""
        self._run(
            [
                *self._options(),
                "--file-format=WAVE",
                "--data-format=LEI16@22050",
                "-o",
                str(path),
                self._with_volume(text),
            ]
        )

    def phonemes(self, text: str, voice_id: str) -> str | None:
        """``say`` does not expose its phonemes."""
        return None

    def _options(self) -> list[str]:
        options = []
        if self._voice:
            options += ["-v", self._voice]
        if self._rate:
            options += ["-r", str(self._rate)]
        return options

    def _with_volume(self, text: str) -> str:
        # `say` has no volume flag; the speech synthesizer's embedded command sets it.
        if self._volume is None or self._volume >= 1.0:
            return text
        return f"[[volm {max(0.0, self._volume):.2f}]] {text}"

    def _run(self, arguments: list[str], *, capture: bool = False) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - a fixed program, text passed as one argument
                [self._command, *arguments],
                capture_output=True,
                text=True,
                timeout=_SAY_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechEngineError(f"say failed: {exc}") from exc
        if done.returncode != 0:
            raise SpeechEngineError(f"say failed ({done.returncode}): {done.stderr.strip()[:200]}")
        return done.stdout if capture else ""
