"""Saying and ringing aloud: synthesise to a WAV file, check it holds sound, play it, check it.

Nothing here trusts an engine or a player on its word: a WAV of silence is an engine failure,
a player that fails or an output that is muted is a :class:`PlaybackError` (not heard).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from desktop.speech.audio import NotWavError, measure_wav, write_silence
from desktop.speech.engine import TtsEngine
from desktop.speech.errors import PlaybackError, SpeechEngineError
from desktop.speech.player import Player

# Playing a few milliseconds of silence opens the output device like any sound, unheard.
CHECK_SILENCE_S = 0.05
_MIN_PLAY_TIMEOUT_S = 2.0


def speak_aloud(engine: TtsEngine, text: str, player: Player, timeout: float) -> None:
    """Synthesise ``text`` and play it; raise SpeechEngineError or PlaybackError if not heard."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="orderbell-say-") as directory:
        path = Path(directory) / "utterance.wav"
        engine.save_to_file(text, path)
        require_sound(path)
        remaining = timeout - (time.monotonic() - started)
        play_checked(player, path, max(_MIN_PLAY_TIMEOUT_S, remaining))


def require_sound(path: Path) -> None:
    """Raise SpeechEngineError unless ``path`` is a WAV file that holds audible sound."""
    try:
        level = measure_wav(path)
    except (NotWavError, OSError) as exc:
        raise SpeechEngineError(f"the speech engine wrote no usable audio: {exc}") from exc
    if not level.audible:
        raise SpeechEngineError(
            f"the speech engine wrote {level.seconds:.1f} s of silence (peak {level.peak})"
        )


def play_checked(player: Player, path: Path, timeout: float) -> None:
    """Play ``path``; raise PlaybackError when the player failed or the output is muted."""
    player.play(path, timeout)
    problem = player.output_problem()
    if problem is not None:
        raise PlaybackError(problem)


def check_output(player: Player, timeout: float) -> None:
    """Play an instant of silence: raises PlaybackError when sound would not be heard now."""
    with tempfile.TemporaryDirectory(prefix="orderbell-check-") as directory:
        path = write_silence(Path(directory) / "silence.wav", CHECK_SILENCE_S)
        play_checked(player, path, timeout)
