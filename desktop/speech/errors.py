"""Why speech failed, in words a shop owner can act on."""

from __future__ import annotations


class SpeechError(Exception):
    """Speech did not work; cards and notifications still do."""


class SpeechTimeout(SpeechError):
    """The speech engine did not finish in time (a hung audio device, a remote session)."""


class SpeechEngineError(SpeechError):
    """The speech engine failed or is not installed."""


class SpeechClosed(SpeechError):
    """The speech worker was closed before it got to this request."""


class PlaybackError(SpeechError):
    """The sound was not heard: the player failed, there is no output device, or it is muted."""
